"""The detectors over one run's access index: administrators, write/unlink on sensitive models,
dormant accounts, groups nobody holds, global ACL rows and memberships changed behind Odoo's back.
Segregation of duties, drift and peer outliers have modules of their own (:mod:`.sod`,
:mod:`.drift`, :mod:`.peers`); :mod:`.engine` runs them all.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from odoobridge.access.analysis.consistency import missing_memberships
from odoobridge.access.analysis.effective import PERMS, AccessIndex, acl_grants
from odoobridge.access.findings.base import (
    SECURITY_MODELS,
    DirectoryPerson,
    Finding,
    active_users,
    finding_id,
    granting_paths,
    user_subject,
)

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
        for user_id in index.users_in(index.group_bits.get(group_id, 0) & index.active_bits):
            user = snap.users[user_id]
            path = index.group_path(user, group_id)
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


def sensitive_write(index: AccessIndex, models: frozenset[str]) -> list[Finding]:
    snap, found = index.snap, []
    for model in sorted(models):
        writers = index.right_bits.get((model, "write"), 0) | index.right_bits.get(
            (model, "unlink"), 0
        )
        for user_id in index.users_in(writers & index.active_bits):
            user = snap.users[user_id]
            perms = [p for p in ("write", "unlink") if index.may(user_id, model, p)]
            evidence = [path for p in perms for path in granting_paths(index, user, model, p)]
            found.append(
                Finding(
                    id=finding_id("sensitive_write", snap.environment.value, user.odoo_id, model),
                    kind="sensitive_write",
                    severity="high" if model in SECURITY_MODELS else "medium",
                    environment=snap.environment.value,
                    title=f"{user.login} may {' and '.join(perms)} {model}",
                    subject={**user_subject(user), "model": model, "operations": perms},
                    evidence=evidence,
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
        if index.group_bits.get(group_id, 0) & index.active_bits:
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
