"""Merge & Compare outcomes as findings: a leaver still active in Odoo (critical), a portal user
holding internal groups (high), an internal user no Entra account matches (high), a department
that does not line up (low) and an Entra user without an Odoo account (info) — so the dashboard,
the Analysis page, the findings API and the CLI count them like every other finding."""

from __future__ import annotations

from typing import Any

from odoobridge.access.compare import Item
from odoobridge.access.findings.base import Finding, finding_id

FIXES = {
    "leaver": "archive the Odoo user (or remove its groups) now: its owner has left the "
    "directory; then check what it did since",
    "share_internal": "remove the internal groups from the portal user, or make it an internal "
    "user if that is what it is",
    "orphan": "find the account's owner: link it to their Entra account "
    "(ODOOBRIDGE_IDENTITY_MAP) or archive it if nobody owns it",
    "department_mismatch": "align the department in Entra and the Odoo employee record, or the "
    "groups with ODOOBRIDGE_DEPARTMENT_GROUPS",
    "entra_only": "nothing to do unless this person should use Odoo",
}
TITLES = {
    "leaver": "{login} is disabled or removed in Entra but still active in Odoo",
    "share_internal": "portal user {login} holds internal groups",
    "orphan": "{login} has no owner in the directory",
    "department_mismatch": "{login}'s department does not line up",
    "entra_only": "{name} has no Odoo account",
}


def _subject(item: Item) -> dict[str, Any]:
    if item.odoo_user_id is not None:
        return {
            "type": "user",
            "odoo_user_id": item.odoo_user_id,
            "login": item.login,
            "name": item.entra_name or item.login,
            "azure_id": item.azure_id,
        }
    return {"type": "entra_user", "azure_id": item.azure_id, "name": item.entra_name}


def comparison_findings(environment: str, items: list[Item]) -> list[Finding]:
    """One finding per Merge & Compare item; ids stay stable from run to run."""
    found = []
    for item in items:
        who = item.odoo_user_id if item.odoo_user_id is not None else item.azure_id
        # a user can have two department items (another department, a missing group)
        extra = (item.detail,) if item.category == "department_mismatch" else ()
        found.append(
            Finding(
                id=finding_id(item.category, environment, who, *extra),
                kind=item.category,
                severity=item.severity,
                environment=environment,
                title=TITLES[item.category].format(login=item.login, name=item.entra_name),
                subject=_subject(item),
                evidence=[item.detail],
                fix=FIXES[item.category],
            )
        )
    return found
