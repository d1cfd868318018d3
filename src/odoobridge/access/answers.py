"""The questions reviewers ask of one run: what can user U do, who can do X on model M, what does
group G grant and to whom. Pure functions of an :class:`AccessIndex`, returning plain records
(``as_dict()`` for JSON) with the path behind every grant."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from odoobridge.access.effective import (
    PERMS,
    AccessIndex,
    GrantPath,
    acl_grants,
    check_perm,
    rule_is_global,
    rules_for,
)
from odoobridge.errors import NotFound
from odoobridge.sources.odoo_records import RuleRecord, UserRecord


@dataclass(frozen=True)
class Holder:
    """A user holding a right, with every path that grants it (shortest first)."""

    odoo_user_id: int
    login: str
    name: str | None
    email: str | None
    share: bool
    paths: list[str]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _paths_to_acls(
    index: AccessIndex, user: UserRecord, acls: list[Any], perm: str
) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for acl in acls:
        if acl.group_id is None:
            path = GrantPath((), acl)
        elif index.holds(user.odoo_id, acl.group_id):
            path = GrantPath(index.path_to_group(user.odoo_id, acl.group_id), acl)
        else:
            continue
        found.append((len(path.groups), path.render(index.snap, user, perm)))
    return sorted(set(found))


def who_can(
    index: AccessIndex, model: str, perm: str, *, include_inactive: bool = False
) -> list[Holder]:
    """Every active user (or every user) who may ``perm`` on ``model``, by login."""
    check_perm(perm)
    snap = index.snap
    acls = [a for a in index.acls_by_model.get(model, []) if acl_grants(a, perm)]
    if not acls and not any(a.model == model for a in snap.acls):
        raise NotFound(f"no access rights mention model {model!r} in {snap.environment.label}")
    if any(a.group_id is None for a in acls):
        candidates = set(snap.users)
    else:
        candidates = set()
        for acl in acls:
            if acl.group_id is not None:
                candidates |= index.members.get(acl.group_id, set())
    holders = []
    for user_id in candidates:
        user = snap.users.get(user_id)
        if user is None or not (user.active or include_inactive):
            continue
        paths = _paths_to_acls(index, user, acls, perm)
        if paths:
            holders.append(
                Holder(
                    user.odoo_id,
                    user.login,
                    user.name,
                    user.email,
                    user.share,
                    [p for _, p in paths],
                )
            )
    return sorted(holders, key=lambda h: h.login.lower())


@dataclass(frozen=True)
class HeldGroup:
    group_id: int
    name: str
    xml_id: str | None
    own: bool  # assigned in its own right, not only implied
    path: str


@dataclass(frozen=True)
class ModelRights:
    model: str
    model_name: str | None
    paths: dict[str, list[str]]  # operation → grant paths (absent: not granted)


@dataclass(frozen=True)
class AppliedRule:
    rule_id: int
    name: str | None
    model: str
    domain: str | None
    operations: list[str]
    is_global: bool
    groups: list[str]


@dataclass
class UserAccess:
    environment: str
    run_id: int
    odoo_user_id: int
    login: str
    name: str | None
    email: str | None
    active: bool
    share: bool
    last_login: datetime | None
    companies: list[str]
    applications: list[dict[str, Any]] = field(default_factory=list)
    groups: list[HeldGroup] = field(default_factory=list)
    rights: list[ModelRights] = field(default_factory=list)
    rules: list[AppliedRule] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _applied_rule(index: AccessIndex, rule: RuleRecord) -> AppliedRule:
    groups = sorted(index.snap.group_name(g) for g in index.snap.rule_groups.get(rule.odoo_id, ()))
    return AppliedRule(
        rule_id=rule.odoo_id,
        name=rule.name,
        model=rule.model,
        domain=rule.domain,
        operations=[p for p in PERMS if getattr(rule, f"perm_{p}")],
        is_global=rule_is_global(index, rule),
        groups=groups,
    )


def application_levels(index: AccessIndex, user_id: int) -> list[dict[str, Any]]:
    """Per application, the highest groups the user holds in it — what Odoo's Access Rights tab
    shows (e.g. Sales: User: Own Documents Only)."""
    snap = index.snap
    by_app: dict[str, set[int]] = {}
    for group_id in index.effective.get(user_id, frozenset()):
        if group_id not in snap.groups:
            continue
        application = snap.application(group_id)
        if application:
            by_app.setdefault(application, set()).add(group_id)
    levels = []
    for application in sorted(by_app):
        held = by_app[application]
        top = [g for g in held if not any(g in index.closure.get(o, ()) for o in held if o != g)]
        names = sorted(snap.groups[g].name for g in top)
        levels.append({"application": application, "levels": names})
    return levels


def user_access(index: AccessIndex, user_ref: str | int) -> UserAccess:
    """Everything user U can do at the snapshot's run, each grant with its path."""
    snap = index.snap
    user = snap.find_user(user_ref)
    own = set(index.own_groups(user.odoo_id))
    answer = UserAccess(
        environment=snap.environment.value,
        run_id=snap.run_id,
        odoo_user_id=user.odoo_id,
        login=user.login,
        name=user.name,
        email=user.email,
        active=user.active,
        share=user.share,
        last_login=snap.last_login.get(user.odoo_id),
        companies=sorted(
            snap.companies[c].name
            for c in snap.user_companies.get(user.odoo_id, ())
            if c in snap.companies
        ),
        applications=application_levels(index, user.odoo_id),
    )
    for group_id in sorted(index.effective.get(user.odoo_id, frozenset()), key=snap.group_name):
        path = GrantPath(index.path_to_group(user.odoo_id, group_id))
        answer.groups.append(
            HeldGroup(
                group_id=group_id,
                name=snap.group_name(group_id),
                xml_id=snap.xml_id("res.groups", group_id),
                own=group_id in own,
                path=path.render(snap, user),
            )
        )
    for model in sorted(index.acls_by_model):
        acls = index.acls_by_model[model]
        paths = {}
        for perm in PERMS:
            granting = [a for a in acls if acl_grants(a, perm)]
            found = _paths_to_acls(index, user, granting, perm)
            if found:
                paths[perm] = [p for _, p in found]
        if paths:
            answer.rights.append(ModelRights(model, acls[0].model_name, paths))
            answer.rules.extend(
                _applied_rule(index, r) for r in rules_for(index, user.odoo_id, model)
            )
    return answer


@dataclass
class GroupGrants:
    environment: str
    run_id: int
    group_id: int
    name: str
    xml_id: str | None
    application: str | None
    comment: str | None
    implies: list[dict[str, Any]] = field(default_factory=list)
    implied_by: list[dict[str, Any]] = field(default_factory=list)
    acls: list[dict[str, Any]] = field(default_factory=list)
    rules: list[AppliedRule] = field(default_factory=list)
    members: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def group_grants(index: AccessIndex, group_ref: str | int) -> GroupGrants:
    """What group G grants, directly and through the groups it implies, and to whom."""
    snap = index.snap
    group = snap.find_group(group_ref)
    gid = group.odoo_id
    reach = (gid, *sorted(index.closure.get(gid, frozenset()), key=snap.group_name))
    answer = GroupGrants(
        environment=snap.environment.value,
        run_id=snap.run_id,
        group_id=gid,
        name=snap.group_name(gid),
        xml_id=snap.xml_id("res.groups", gid),
        application=snap.application(gid),
        comment=group.comment,
    )
    for implied in reach[1:]:
        chain = GrantPath(index.chain(gid, implied)).render(snap, None)
        answer.implies.append(
            {"group_id": implied, "name": snap.group_name(implied), "path": chain}
        )
    for other, reached in sorted(index.closure.items()):
        if gid in reached:
            chain = GrantPath(index.chain(other, gid)).render(snap, None)
            answer.implied_by.append(
                {"group_id": other, "name": snap.group_name(other), "path": chain}
            )
    for via in reach:
        via_chain = index.chain(gid, via)
        for acl in sorted(index.acls_by_group.get(via, []), key=lambda a: (a.model, a.odoo_id)):
            answer.acls.append(
                {
                    "acl_id": acl.odoo_id,
                    "name": acl.name,
                    "model": acl.model,
                    "operations": [p for p in PERMS if acl_grants(acl, p)],
                    "direct": via == gid,
                    "path": GrantPath(via_chain, acl).render(snap, None),
                }
            )
    for rule_id in sorted(snap.rules):
        rule = snap.rules[rule_id]
        if rule.active and snap.rule_groups.get(rule_id, set()) & set(reach):
            answer.rules.append(_applied_rule(index, rule))
    for user_id in sorted(index.members.get(gid, set()), key=lambda u: snap.users[u].login.lower()):
        user = snap.users[user_id]
        answer.members.append(
            {
                "odoo_user_id": user_id,
                "login": user.login,
                "active": user.active,
                "share": user.share,
                "own": gid in index.own_groups(user_id),
                "path": GrantPath(index.path_to_group(user_id, gid)).render(snap, user),
            }
        )
    return answer
