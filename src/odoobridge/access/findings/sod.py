"""Segregation-of-duties conflicts: pairs of duties (groups or rights) one person must not hold
together, from a YAML rule file (the bundled ``sod_rules.yaml`` unless ODOOBRIDGE_SOD_RULES)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from odoobridge.access.analysis.effective import AccessIndex
from odoobridge.access.findings.base import Finding, finding_id, granting_paths, user_subject
from odoobridge.errors import ConfigError

DEFAULT_RULES = Path(__file__).with_name("sod_rules.yaml")


class DutyRight(BaseModel):
    """A right as a duty: an operation on a model."""

    model_config = ConfigDict(extra="forbid")
    model: str
    operation: Literal["read", "write", "create", "unlink"]


class Duty(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str
    group: list[str] | None = None
    right: DutyRight | None = None

    @field_validator("group", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    def model_post_init(self, _context: Any) -> None:
        if (self.group is None) == (self.right is None):
            raise ValueError("give either group or right")


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    title: str
    severity: Literal["critical", "high", "medium", "low", "info"] = "high"
    first: Duty
    second: Duty
    fix: str = "give the two duties to different people"


class RuleFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rules: list[Rule] = Field(min_length=1)


def load_rules(path: Path | None) -> tuple[Rule, ...]:
    return _load(path or DEFAULT_RULES)


@lru_cache(maxsize=8)
def _load(path: Path) -> tuple[Rule, ...]:
    where = f"segregation-of-duties rules {path}"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{where} do not exist (ODOOBRIDGE_SOD_RULES)") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where} are not valid YAML: {str(exc).splitlines()[0]}") from None
    try:
        return tuple(RuleFile.model_validate(raw).rules)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(p) for p in error["loc"])
        raise ConfigError(f"{where} are malformed: {field}: {error['msg']}") from None


def _duty_group(index: AccessIndex, duty: Duty) -> int | None:
    for ref in duty.group or []:
        group_id = index.snap.group_by_ref(ref)
        if group_id is not None:
            return group_id
    return None


def _duty_holders(index: AccessIndex, duty: Duty) -> int:
    """The users holding the duty, as a bitset (none when its group is unknown here)."""
    if duty.right is not None:
        return index.right_bits.get((duty.right.model, duty.right.operation), 0)
    group_id = _duty_group(index, duty)
    return 0 if group_id is None else index.group_bits.get(group_id, 0)


def _duty_paths(index: AccessIndex, duty: Duty, user_id: int) -> list[str]:
    user = index.snap.users[user_id]
    if duty.right is not None:
        return granting_paths(index, user, duty.right.model, duty.right.operation)
    group_id = _duty_group(index, duty)
    assert group_id is not None
    return [index.group_path(user, group_id)]


def unresolved(index: AccessIndex, rules: tuple[Rule, ...]) -> list[str]:
    """Rules a database cannot be checked against (no group matches a duty), to warn about."""
    snap = index.snap
    return [
        f"{rule.id}: no group {duty.group[0]!r} in {snap.environment.label}"
        for rule in rules
        for duty in (rule.first, rule.second)
        if duty.group is not None and all(snap.group_by_ref(r) is None for r in duty.group)
    ]


def sod_conflicts(index: AccessIndex, rules: tuple[Rule, ...]) -> list[Finding]:
    snap, found = index.snap, []
    for rule in rules:
        both = _duty_holders(index, rule.first) & _duty_holders(index, rule.second)
        for user_id in index.users_in(both & index.internal_bits):
            user = snap.users[user_id]
            found.append(
                Finding(
                    id=finding_id("sod_conflict", snap.environment.value, rule.id, user.odoo_id),
                    kind="sod_conflict",
                    severity=rule.severity,
                    environment=snap.environment.value,
                    title=f"{user.login} may {rule.first.label} and {rule.second.label}",
                    subject={**user_subject(user), "rule": rule.id},
                    evidence=[
                        *_duty_paths(index, rule.first, user_id),
                        *_duty_paths(index, rule.second, user_id),
                    ],
                    fix=rule.fix,
                )
            )
    return found
