"""Roles, strongest first: super_admin > admin > auditor > viewer.

- ``super_admin`` manages accounts, approvals and every API key;
- ``admin`` runs integrations and syncs and manages its own API keys;
- ``auditor`` reads everything, runs compares and exports, no syncs;
- ``viewer`` reads the dashboards and lists.

Scopes are capabilities beyond a role that an API key must be granted explicitly (people get
them through their role): ``gateway:read``, ``gateway:propose``, ``gateway:execute`` …
"""

from __future__ import annotations

from enum import StrEnum

from odoobridge.errors import ConfigError

_RANK = {"viewer": 1, "auditor": 2, "admin": 3, "super_admin": 4}


class Role(StrEnum):
    VIEWER = "viewer"
    AUDITOR = "auditor"
    ADMIN = "admin"
    SUPER_ADMIN = "super_admin"

    @property
    def rank(self) -> int:
        return _RANK[self.value]

    def allows(self, needed: Role) -> bool:
        """Whether this role may do what ``needed`` may."""
        return self.rank >= needed.rank

    def below(self) -> Role | None:
        """The next weaker role (None for viewer)."""
        weaker = [r for r in Role if r.rank == self.rank - 1]
        return weaker[0] if weaker else None

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @classmethod
    def parse(cls, value: str) -> Role:
        cleaned = value.strip().lower().replace("-", "_").replace(" ", "_")
        try:
            return cls(cleaned)
        except ValueError:
            names = ", ".join(r.value for r in cls)
            raise ConfigError(f"unknown role {value!r}: use one of {names}") from None


KNOWN_SCOPES = ("gateway:read", "gateway:propose", "gateway:execute")


def parse_scopes(values: list[str]) -> list[str]:
    """Clean, de-duplicated scopes; a scope is ``area:verb`` in lower case."""
    cleaned: list[str] = []
    for value in values:
        for part in value.split(","):
            scope = part.strip().lower()
            if not scope:
                continue
            area, _, verb = scope.partition(":")
            if not area or not verb or not all(c.isalnum() or c in "_-" for c in area + verb):
                raise ConfigError(
                    f"scope {part.strip()!r} is malformed: use area:verb, e.g. gateway:read"
                )
            if scope not in cleaned:
                cleaned.append(scope)
    return cleaned
