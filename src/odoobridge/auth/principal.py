"""Who is asking: a signed-in person or an API key, as every guard and audit entry sees them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from odoobridge.auth.roles import Role


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
