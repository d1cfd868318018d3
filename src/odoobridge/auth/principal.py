"""Who is asking: a signed-in person or an API key, as every guard and audit entry sees them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from odoobridge.auth.roles import Role
from odoobridge.errors import Forbidden


@dataclass(frozen=True)
class Principal:
    """A signed-in person (``kind="session"``) or an API key (``kind="api_key"``)."""

    kind: Literal["session", "api_key"]
    id: int
    actor: str  # how the audit log names it: an email, or ``apikey:<prefix>``
    name: str
    role: Role
    scopes: frozenset[str] = frozenset()
    expires_at: datetime | None = None  # an API key's own expiry

    def allows(self, role: Role) -> bool:
        return self.role.allows(role)


def ensure_allowed(principal: Principal, role: Role, scope: str | None = None) -> None:
    """Refuse (403) a principal below ``role``, or an API key not granted ``scope`` (people get
    scopes through their role). Every entry point's guard says it this way: the routes'
    dependencies and the MCP tools."""
    if not principal.allows(role):
        raise Forbidden(f"this needs the {role.value} role; you are {principal.role.value}")
    if scope is not None and principal.kind == "api_key" and scope not in principal.scopes:
        raise Forbidden(f"this API key lacks the scope {scope}: make a key that has it")
