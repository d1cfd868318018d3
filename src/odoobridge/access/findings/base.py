"""The finding type every detector makes, and the few helpers they share.

A finding is what a reviewer should look at: a stable id (from its kind, environment and subject,
so the same issue keeps its id from run to run), a severity, the evidence and a suggested fix.
Detectors (:mod:`.detectors`, :mod:`.sod`, :mod:`.drift`, :mod:`.peers` …) import this module and
nothing else of the findings package; :mod:`.engine` runs them all.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from odoobridge.access.analysis.effective import AccessIndex, acl_grants
from odoobridge.access.compare import Item
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
    # a before/after table where one says more than lines: a header row, then one row a field
    table: list[list[str]] | None = None

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
        return cls(models, settings.dormant_days, settings.peer_threshold, settings.sod_rules)


@dataclass
class Context:
    """Inputs beyond the run itself: the matched directory and the other environment."""

    people: dict[int, DirectoryPerson] = field(default_factory=dict)  # Odoo user id → Entra
    other: AccessIndex | None = None
    comparison: list[Item] = field(default_factory=list)  # Merge & Compare with the directory


def user_subject(user: UserRecord) -> dict[str, Any]:
    return {"type": "user", "odoo_user_id": user.odoo_id, "login": user.login, "name": user.name}


def active_users(index: AccessIndex, *, internal_only: bool = False) -> list[UserRecord]:
    """Active users (or active internal users), by login."""
    bits = index.internal_bits if internal_only else index.active_bits
    return [index.snap.users[u] for u in index.users_in(bits)]


def granting_paths(index: AccessIndex, user: UserRecord, model: str, perm: str) -> list[str]:
    acls = [a for a in index.acls_by_model.get(model, []) if acl_grants(a, perm)]
    return index.paths(user, acls, perm)
