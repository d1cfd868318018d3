"""How big the generated scale database is, by default (``odoobridge demo inflate``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ScaleSizes:
    users: int = 20_000
    groups: int = 1_000
    groups_per_user: int = 15
    acls: int = 20_000
    rules: int = 1_000
