"""Alert rules as configured: ``ODOOBRIDGE_ALERTS_*`` settings give every rule its channels and
quiet hours; ``ODOOBRIDGE_ALERTS_FILE`` (YAML) may set them per rule, with each rule's own
thresholds, or turn a rule off::

    rules:
      sync_failed:     {channels: [ops-teams, ops-mail]}
      stale_source:    {hours: 24, sources: {"odoo_postgres:PROD": 6, "azure_users": 48}}
      new_findings:    {severities: [critical, high], quiet_hours: "22:00-07:00"}
      delta_link:      {warn_days: 1}
      stuck_proposals: {minutes: 15}
      # any rule: enabled: false

The file may be the notification file too (``channels:`` is read by :mod:`odoobridge.notify`).
A channel a rule names must exist there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from odoobridge.errors import ConfigError
from odoobridge.notify import load_channels
from odoobridge.settings import Settings

FILE_SETTING = "ODOOBRIDGE_ALERTS_FILE"


@dataclass(frozen=True)
class QuietHours:
    """A daily window (``22:00-07:00`` wraps midnight) in a time zone, when alerts are held."""

    start: time
    end: time
    zone: str = "UTC"

    @classmethod
    def parse(cls, text: str, zone: str, where: str) -> QuietHours | None:
        cleaned = "".join(text.split())
        if not cleaned:
            return None
        try:
            first, second = (time.fromisoformat(part.zfill(5)) for part in cleaned.split("-"))
        except ValueError:
            raise ConfigError(
                f"{where}: quiet hours {text!r}: use HH:MM-HH:MM, e.g. 22:00-07:00"
            ) from None
        return cls(first, second, zone)

    def contains(self, moment: datetime) -> bool:
        local = moment.astimezone(ZoneInfo(self.zone)).time().replace(tzinfo=None)
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M} {self.zone}"


class _RuleFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    channels: list[str] | None = None
    quiet_hours: str | None = None


class _SyncFailed(_RuleFile):
    pass


class _StaleSource(_RuleFile):
    hours: float | None = Field(default=None, gt=0)
    sources: dict[str, float] = Field(default_factory=dict)


FindingSeverity = Literal["critical", "high", "medium", "low", "info"]


def _critical_and_high() -> list[FindingSeverity]:
    return ["critical", "high"]


class _NewFindings(_RuleFile):
    severities: list[FindingSeverity] = Field(default_factory=_critical_and_high, min_length=1)


class _DeltaLink(_RuleFile):
    warn_days: float = Field(default=1.0, gt=0, lt=7)


class _StuckProposals(_RuleFile):
    minutes: int = Field(default=15, ge=1)


RULES: dict[str, tuple[type[_RuleFile], str]] = {
    "sync_failed": (_SyncFailed, "the latest run of a sync (or a scheduled backup) failed"),
    "stale_source": (_StaleSource, "a source has had no successful sync within N hours"),
    "new_findings": (_NewFindings, "a run brought new critical/high findings (one message)"),
    "delta_link": (_DeltaLink, "the Entra delta link is close to its 7-day expiry"),
    "stuck_proposals": (_StuckProposals, "a gateway proposal stays executing for N minutes"),
}


@dataclass(frozen=True)
class AlertRule:
    name: str
    description: str
    enabled: bool
    channels: tuple[str, ...]
    quiet_hours: QuietHours | None
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def sends(self) -> bool:
        """Whether the rule can tell anyone (enabled, with at least one channel)."""
        return self.enabled and bool(self.channels)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "enabled": self.enabled,
            "channels": list(self.channels),
            "quiet_hours": str(self.quiet_hours) if self.quiet_hours else None,
            "options": self.options,
        }


def _read(path: Path) -> dict[str, Any]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{FILE_SETTING} {path} cannot be read ({exc.strerror})") from None
    except yaml.YAMLError:
        raise ConfigError(f"{FILE_SETTING} {path} is not valid YAML") from None
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise ConfigError(f"{FILE_SETTING} {path}: write a mapping with `rules:`")
    rules = document.get("rules") or {}
    if not isinstance(rules, dict):
        raise ConfigError(f"{FILE_SETTING} {path}: `rules:` maps rule names to their settings")
    unknown = sorted(set(rules) - set(RULES))
    if unknown:
        raise ConfigError(
            f"{FILE_SETTING}: unknown rule {unknown[0]!r}: the rules are {', '.join(RULES)}"
        )
    return rules


def _channel_list(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(",") if name.strip())


def alert_rules(settings: Settings) -> list[AlertRule]:
    """Every alert rule as configured (a malformed file or an unknown channel: ConfigError)."""
    raw = _read(settings.alerts_file) if settings.alerts_file is not None else {}
    default_channels = _channel_list(settings.alerts_channels)
    zone = settings.alerts_timezone
    rules: list[AlertRule] = []
    for name, (model, description) in RULES.items():
        where = f"{FILE_SETTING}: rule {name}" if name in raw else "ODOOBRIDGE_ALERTS_QUIET_HOURS"
        try:
            parsed = model.model_validate(raw.get(name) or {})
        except ValidationError as exc:
            error = exc.errors(include_url=False, include_input=False)[0]
            place = ".".join(str(p) for p in error["loc"])
            raise ConfigError(f"{FILE_SETTING}: rule {name}: {place}: {error['msg']}") from None
        quiet_text = parsed.quiet_hours if parsed.quiet_hours is not None else ""
        if parsed.quiet_hours is None:
            quiet_text = settings.alerts_quiet_hours
        options = parsed.model_dump(exclude={"enabled", "channels", "quiet_hours"})
        if name == "stale_source" and options["hours"] is None:
            options["hours"] = settings.stale_hours
        rules.append(
            AlertRule(
                name=name,
                description=description,
                enabled=parsed.enabled,
                channels=tuple(parsed.channels)
                if parsed.channels is not None
                else default_channels,
                quiet_hours=QuietHours.parse(quiet_text, zone, where),
                options=options,
            )
        )
    named = {channel for rule in rules for channel in rule.channels}
    if named:
        known = load_channels(settings)
        missing = sorted(named - set(known))
        if missing:
            raise ConfigError(
                f"alert rules name the channel {missing[0]!r}, which is not configured: define "
                "it in ODOOBRIDGE_NOTIFY_FILE or ODOOBRIDGE_NOTIFY_CHANNELS"
            )
    return rules


def alerting_configured(settings: Settings) -> bool:
    """Whether any rule may send (what decides that ``serve`` evaluates alerts)."""
    if not settings.alerts_channels.strip() and settings.alerts_file is None:
        return False
    return any(rule.sends for rule in alert_rules(settings))
