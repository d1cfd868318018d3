"""Findings: what a reviewer should look at, each with a stable id, a severity, the evidence and a
suggested fix.

Kinds: ``admin_access``, ``sensitive_write``, ``dormant_user``, ``empty_group``, ``global_acl``,
``membership_inconsistency`` (here), ``sod_conflict`` (:mod:`access.sod`), ``env_drift``
(:mod:`access.drift`) and ``peer_outlier`` (:mod:`access.peers`). A finding's id derives from its
kind, environment and subject, so the same issue keeps its id from run to run.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from odoobridge.access.consistency import missing_memberships
from odoobridge.access.effective import PERMS, AccessIndex, GrantPath, acl_grants
from odoobridge.errors import ConfigError
from odoobridge.settings import Settings
from odoobridge.sources.odoo_records import UserRecord

SEVERITIES = ("critical", "high", "medium", "low", "info")
SECURITY_MODELS = frozenset(
    {"res.users", "res.groups", "ir.model.access", "ir.rule", "ir.config_parameter"}
)


def check_severity(severity: str) -> str:
    if severity not in SEVERITIES:
        raise ConfigError(f"unknown severity {severity!r}: use {', '.join(SEVERITIES)}")
    return severity


def at_least(severity: str, minimum: str) -> bool:
    return SEVERITIES.index(severity) <= SEVERITIES.index(check_severity(minimum))


@dataclass(frozen=True)
class Finding:
    id: str
    kind: str
    severity: str
    environment: str
    title: str
    subject: dict[str, Any]
    evidence: list[str]
    fix: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def finding_id(kind: str, environment: str, *subject: object) -> str:
    digest = hashlib.sha1("|".join(map(str, (kind, environment, *subject))).encode()).hexdigest()
    return f"{kind}:{digest[:10]}"


class DirectoryPerson(Protocol):
    """What the findings read of a matched Entra user (``directory.state.EntraUser``)."""

    @property
    def department(self) -> str | None: ...
    @property
    def manager_id(self) -> str | None: ...
    @property
    def last_sign_in(self) -> datetime | None: ...
    @property
    def last_non_interactive_sign_in(self) -> datetime | None: ...


@dataclass
class FindingsConfig:
    sensitive_models: frozenset[str]
    dormant_days: int = 90
    peer_threshold: float = 0.15
    sod_rules_file: Path | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> FindingsConfig:
        models = frozenset(m.strip() for m in settings.sensitive_models.split(",") if m.strip())
        return cls(models, settings.dormant_days, settings.peer_threshold, settings.sod_rules_file)


@dataclass
class Context:
    """Inputs beyond the run itself: the matched directory and the other environment."""

    people: dict[int, DirectoryPerson] = field(default_factory=dict)  # Odoo user id → Entra
    other: AccessIndex | None = None


def user_subject(user: UserRecord) -> dict[str, Any]:
    return {"type": "user", "odoo_user_id": user.odoo_id, "login": user.login, "name": user.name}


def active_users(index: AccessIndex, *, internal_only: bool = False) -> list[UserRecord]:
    users = [u for u in index.snap.users.values() if u.active and not (internal_only and u.share)]
    return sorted(users, key=lambda u: u.login.lower())


ADMIN_LEVELS = (
    ("base.group_system", "high", "holds Settings (full administration)"),
    ("base.group_erp_manager", "high", "holds Access Rights (manages users and groups)"),
    ("base.group_no_one", "low", "holds Technical Features (developer menus)"),
)


def admin_access(index: AccessIndex) -> list[Finding]:
    snap, found = index.snap, []
    for xml_id, severity, what in ADMIN_LEVELS:
        group_id = snap.base_group(xml_id)
        if group_id is None:
            continue
        for user in active_users(index):
            if not index.holds(user.odoo_id, group_id):
                continue
            path = GrantPath(index.path_to_group(user.odoo_id, group_id)).render(snap, user)
            found.append(
                Finding(
                    id=finding_id("admin_access", snap.environment.value, user.odoo_id, xml_id),
                    kind="admin_access",
                    severity=severity,
                    environment=snap.environment.value,
                    title=f"{user.login} {what}",
                    subject={**user_subject(user), "group": snap.group_name(group_id)},
                    evidence=[path],
                    fix=f"confirm {user.login} needs {snap.group_name(group_id)}; otherwise remove "
                    "the group that grants it",
                )
            )
    return found


def granting_paths(index: AccessIndex, user: UserRecord, model: str, perm: str) -> list[str]:
    paths = []
    for acl in index.acls_by_model.get(model, []):
        if not acl_grants(acl, perm):
            continue
        if acl.group_id is None:
            paths.append(GrantPath((), acl).render(index.snap, user, perm))
        elif index.holds(user.odoo_id, acl.group_id):
            chain = index.path_to_group(user.odoo_id, acl.group_id)
            paths.append(GrantPath(chain, acl).render(index.snap, user, perm))
    return sorted(set(paths))


def sensitive_write(index: AccessIndex, models: frozenset[str]) -> list[Finding]:
    snap, found = index.snap, []
    for model in sorted(models):
        for user in active_users(index):
            by_perm = {p: granting_paths(index, user, model, p) for p in ("write", "unlink")}
            perms = [p for p, paths in by_perm.items() if paths]
            if not perms:
                continue
            found.append(
                Finding(
                    id=finding_id("sensitive_write", snap.environment.value, user.odoo_id, model),
                    kind="sensitive_write",
                    severity="high" if model in SECURITY_MODELS else "medium",
                    environment=snap.environment.value,
                    title=f"{user.login} may {' and '.join(perms)} {model}",
                    subject={**user_subject(user), "model": model, "operations": perms},
                    evidence=[path for p in perms for path in by_perm[p]],
                    fix=f"keep {' and '.join(perms)} on {model} for those whose role needs it: "
                    "remove the granting group or narrow its ACL row",
                )
            )
    return found


def _latest(*moments: datetime | None) -> datetime | None:
    present = [m for m in moments if m is not None]
    return max(present) if present else None


def dormant_users(
    index: AccessIndex, days: int, people: dict[int, DirectoryPerson]
) -> list[Finding]:
    snap = index.snap
    if snap.completed_at is None:
        return []
    cutoff = snap.completed_at - timedelta(days=days)
    found = []
    for user in active_users(index, internal_only=True):
        last_odoo = snap.last_login.get(user.odoo_id)
        if last_odoo is not None and last_odoo >= cutoff:
            continue
        if last_odoo is None and (user.create_date is None or user.create_date >= cutoff):
            continue  # a new account that has not signed in yet
        person = people.get(user.odoo_id)
        last_entra = (
            _latest(person.last_sign_in, person.last_non_interactive_sign_in) if person else None
        )
        if last_entra is not None and last_entra >= cutoff:
            continue
        evidence = [
            f"last Odoo sign-in: {last_odoo.isoformat() if last_odoo else 'never'}",
            f"account created: {user.create_date.isoformat() if user.create_date else 'unknown'}",
        ]
        if person is not None:
            when = last_entra.isoformat() if last_entra else "none recorded"
            evidence.append(f"last Entra sign-in: {when}")
        found.append(
            Finding(
                id=finding_id("dormant_user", snap.environment.value, user.odoo_id),
                kind="dormant_user",
                severity="medium",
                environment=snap.environment.value,
                title=f"{user.login} has not signed in for {days} days or more",
                subject=user_subject(user),
                evidence=evidence,
                fix=f"archive {user.login} in Odoo if the account is no longer needed",
            )
        )
    return found


def empty_groups(index: AccessIndex) -> list[Finding]:
    snap, found = index.snap, []
    for group_id in sorted(snap.groups, key=snap.group_name):
        holders = [u for u in index.members.get(group_id, ()) if snap.users[u].active]
        if holders:
            continue
        grants = len(index.acls_by_group.get(group_id, []))
        found.append(
            Finding(
                id=finding_id("empty_group", snap.environment.value, group_id),
                kind="empty_group",
                severity="info",
                environment=snap.environment.value,
                title=f"no active user holds {snap.group_name(group_id)}",
                subject={"type": "group", "group_id": group_id, "name": snap.group_name(group_id)},
                evidence=[f"{grants} ACL rows; 0 active holders (directly or by implication)"],
                fix="nothing to do if the group is kept for later; a group no module needs can go",
            )
        )
    return found


def global_acls(index: AccessIndex) -> list[Finding]:
    snap, found = index.snap, []
    for acl in sorted(index.acls_by_group.get(None, []), key=lambda a: a.odoo_id):
        perms = [p for p in PERMS if acl_grants(acl, p)]
        if not perms:
            continue  # a row that grants nothing is a no-op
        writes = [p for p in perms if p != "read"]
        found.append(
            Finding(
                id=finding_id("global_acl", snap.environment.value, acl.odoo_id),
                kind="global_acl",
                severity="medium" if writes else "low",
                environment=snap.environment.value,
                title=f"every user, portal and public included, may {', '.join(perms)} {acl.model}",
                subject={
                    "type": "acl",
                    "acl_id": acl.odoo_id,
                    "name": acl.name,
                    "model": acl.model,
                },
                evidence=[f"global ACL {acl.name}: {acl.model} {'/'.join(perms)} with no group"],
                fix="give the row a group, unless every user (portal and public too) must have it",
            )
        )
    return found


def inconsistent_memberships(index: AccessIndex) -> list[Finding]:
    env = index.snap.environment.value
    return [
        Finding(
            id=finding_id("membership_inconsistency", env, m.odoo_user_id, m.group_id),
            kind="membership_inconsistency",
            severity="high",
            environment=env,
            title=f"{m.login} holds {m.group} by inheritance but Odoo's table lacks it",
            subject={
                "type": "user",
                "odoo_user_id": m.odoo_user_id,
                "login": m.login,
                "group": m.group,
            },
            evidence=[m.implied_by],
            fix="memberships were changed outside Odoo: find who edited res_groups_users_rel, "
            "then re-save the user in Odoo to restore the implied groups",
        )
        for m in missing_memberships(index)
    ]


def compute_findings(
    index: AccessIndex, config: FindingsConfig, context: Context | None = None
) -> list[Finding]:
    """Every finding of the run, most severe first."""
    from odoobridge.access.drift import env_drift
    from odoobridge.access.peers import peer_outliers
    from odoobridge.access.sod import load_rules, sod_conflicts

    context = context or Context()
    found = [
        *admin_access(index),
        *sensitive_write(index, config.sensitive_models),
        *dormant_users(index, config.dormant_days, context.people),
        *empty_groups(index),
        *global_acls(index),
        *inconsistent_memberships(index),
        *sod_conflicts(index, load_rules(config.sod_rules_file)),
        *peer_outliers(index, context.people, config.peer_threshold),
    ]
    if context.other is not None:
        found.extend(env_drift(index, context.other))
    return sorted(found, key=lambda f: (SEVERITIES.index(f.severity), f.kind, f.title))
