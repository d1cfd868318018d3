"""The questions reviewers ask of one run: what can user U do, who can do X on model M, what does
group G grant and to whom. Pure functions of an :class:`AccessIndex`, returning plain records
(``as_dict()`` for JSON) with the path behind every grant."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any

from odoobridge.access.analysis.effective import (
    PERMS,
    AccessIndex,
    GrantPath,
    acl_grants,
    check_perm,
    rule_is_global,
    rules_for,
)
from odoobridge.access.analysis.levels import application_levels
from odoobridge.errors import NotFound
from odoobridge.sources.odoo_records import RuleRecord


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


@dataclass(frozen=True)
class WhoCan:
    """A page of the users who hold a right, in login order, and how many hold it in all."""

    model: str
    operation: str
    total: int
    holders: list[Holder]

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "operation": self.operation,
            "total": self.total,
            "holders": [h.as_dict() for h in self.holders],
        }


def who_can(
    index: AccessIndex,
    model: str,
    perm: str,
    *,
    include_inactive: bool = False,
    offset: int = 0,
    limit: int | None = None,
) -> WhoCan:
    """The active users (or all users) who may ``perm`` on ``model``, by login; paths are built
    for the requested page only. "delete" is unlink, as pages and people say it."""
    perm = check_perm(perm)
    snap = index.snap
    if model not in index.acls_by_model and not any(a.model == model for a in snap.acls):
        raise NotFound(f"no access rights mention model {model!r} in {snap.environment.label}")
    holders_bits = index.right_bits.get((model, perm), 0)
    if not include_inactive:
        holders_bits &= index.active_bits
    acls = [a for a in index.acls_by_model.get(model, []) if acl_grants(a, perm)]
    page: list[Holder] = []
    for position, user_id in enumerate(index.users_in(holders_bits)):
        if position < offset:
            continue
        if limit is not None and len(page) >= limit:
            break
        user = snap.users[user_id]
        paths = index.paths(user, acls, perm)
        page.append(Holder(user.odoo_id, user.login, user.name, user.email, user.share, paths))
    return WhoCan(model, perm, holders_bits.bit_count(), page)


def who_can_answer(
    index: AccessIndex,
    model: str,
    perm: str,
    *,
    include_inactive: bool = False,
    offset: int = 0,
    limit: int = 100,
) -> dict[str, Any]:
    """:func:`who_can` as the API and the MCP server answer it: the run it was asked of, the
    page's bounds and its holders."""
    perm = check_perm(perm)
    answer = who_can(
        index, model, perm, include_inactive=include_inactive, offset=offset, limit=limit
    )
    return {
        "environment": index.snap.environment.value,
        "run_id": index.snap.run_id,
        "model": model,
        "perm": perm,
        "total": answer.total,
        "offset": offset,
        "limit": limit,
        "users": [h.as_dict() for h in answer.holders],
    }


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
        applications=[
            lv.as_dict()
            for lv in sorted(application_levels(index, user.odoo_id), key=lambda lv: lv.application)
            if lv.holds
        ],
    )
    for group_id in sorted(index.effective.get(user.odoo_id, frozenset()), key=snap.group_name):
        answer.groups.append(
            HeldGroup(
                group_id=group_id,
                name=snap.group_name(group_id),
                xml_id=snap.xml_id("res.groups", group_id),
                own=group_id in own,
                path=index.group_path(user, group_id),
            )
        )
    for model in sorted(index.acls_by_model):
        acls = index.acls_by_model[model]
        paths = {
            perm: index.paths(user, [a for a in acls if acl_grants(a, perm)], perm)
            for perm in PERMS
            if index.may(user.odoo_id, model, perm)
        }
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
    members_total: int = 0  # every holder; ``members`` may be a page of them

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def group_grants(
    index: AccessIndex,
    group_ref: str | int,
    *,
    offset: int = 0,
    limit: int | None = None,
    active_only: bool = False,
) -> GroupGrants:
    """What group G grants, directly and through the groups it implies, and to whom: every
    holder (or every active one) in login order, or the page ``offset``/``limit`` of them (paths
    are built for that page only)."""
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
                    "model_name": acl.model_name,
                    "operations": [p for p in PERMS if acl_grants(acl, p)],
                    "direct": via == gid,
                    "path": GrantPath(via_chain, acl).render(snap, None),
                }
            )
    for rule_id in sorted(snap.rules):
        rule = snap.rules[rule_id]
        if rule.active and snap.rule_groups.get(rule_id, set()) & set(reach):
            answer.rules.append(_applied_rule(index, rule))
    holders = index.group_bits.get(gid, 0)
    if active_only:
        holders &= index.active_bits
    answer.members_total = holders.bit_count()
    stop = None if limit is None else offset + limit
    for user_id in islice(index.users_in(holders), offset, stop):
        user = snap.users[user_id]
        answer.members.append(
            {
                "odoo_user_id": user_id,
                "login": user.login,
                "active": user.active,
                "share": user.share,
                "own": gid in index.own_groups(user_id),
                "path": index.group_path(user, gid),
            }
        )
    return answer
