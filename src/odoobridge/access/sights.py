"""Who may see what of Odoo's security model — one table for the pages and the API alike.

A viewer sees who has which application level and group (the Users and Groups pages, Odoo's
Access Rights tab, inheritance, members, the matched Entra account); what those grant in
detail — rights per model, record rules with their domains, history, findings, who-can — is
for auditors. A page's tab and the API route answering the same question take their role from
the same entry, so neither can show more than the other (tests/web/test_sights.py).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import Depends

from odoobridge.auth.principal import Principal
from odoobridge.auth.roles import Role
from odoobridge.web.deps import require_role


class Sight(StrEnum):
    ACCESS = "access"  # application levels, effective groups, group members and inheritance
    DIRECTORY = "directory"  # the Entra account matched to an Odoo user
    RIGHTS = "rights"  # rights per model, the ACL rows a group grants, who-can, access matrix
    RULES = "rules"  # record rules and their domains
    HISTORY = "history"  # timelines and diffs between runs
    FINDINGS = "findings"


ROLE_FOR: dict[Sight, Role] = {
    Sight.ACCESS: Role.VIEWER,
    Sight.DIRECTORY: Role.VIEWER,
    Sight.RIGHTS: Role.AUDITOR,
    Sight.RULES: Role.AUDITOR,
    Sight.HISTORY: Role.AUDITOR,
    Sight.FINDINGS: Role.AUDITOR,
}


def may_see(principal: Principal, sight: Sight) -> bool:
    return principal.allows(ROLE_FOR[sight])


def seeing(*sights: Sight) -> Role:
    """The role a route needs to answer with all of ``sights``."""
    return max((ROLE_FOR[s] for s in sights), key=lambda r: r.rank)


# Guards for the API routes, by what their answer holds.
SeesAccess = Annotated[Principal, Depends(require_role(seeing(Sight.ACCESS)))]
SeesRights = Annotated[Principal, Depends(require_role(seeing(Sight.RIGHTS)))]
SeesUserAccess = Annotated[
    Principal, Depends(require_role(seeing(Sight.ACCESS, Sight.RIGHTS, Sight.RULES)))
]
SeesHistory = Annotated[Principal, Depends(require_role(seeing(Sight.HISTORY)))]
SeesFindings = Annotated[Principal, Depends(require_role(seeing(Sight.FINDINGS)))]
