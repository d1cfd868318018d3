"""Membership consistency: where Odoo stores the closure of memberships (16–18), a stored set
that differs from the closure over group inheritance means a change made behind Odoo's back
(SQL, a broken migration). Odoo 19 stores only direct memberships, so there the check is silent.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from odoobridge.access.analysis.effective import AccessIndex, GrantPath


@dataclass(frozen=True)
class MissingMembership:
    """(user, group) in the closure but not stored: Odoo would have written it."""

    odoo_user_id: int
    login: str
    group_id: int
    group: str
    implied_by: str  # the stored chain that implies it

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def missing_memberships(index: AccessIndex) -> list[MissingMembership]:
    """Active users' implied memberships that Odoo 16–18 should have stored and did not."""
    if index.stored_memberships != "closure":
        return []
    snap = index.snap
    found = []
    for user_id, effective in index.effective.items():
        user = snap.users.get(user_id)
        if user is None or not user.active:
            continue
        stored = snap.memberships.get(user_id, set())
        for group_id in sorted(effective - stored):
            found.append(
                MissingMembership(
                    odoo_user_id=user_id,
                    login=user.login,
                    group_id=group_id,
                    group=snap.group_name(group_id),
                    implied_by=GrantPath(index.path_to_group(user_id, group_id)).render(snap, user),
                )
            )
    return sorted(found, key=lambda m: (m.login.lower(), m.group_id))
