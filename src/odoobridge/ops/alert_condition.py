"""What an alert rule reports: conditions, each with a stable key (what it is about), a
fingerprint (a new fingerprint under the same key is a new alert) and the message that tells
it; and, once a condition is gone, the message that says so. Rules read only the store."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from odoobridge.environment import Environment
from odoobridge.notify import Link, Message
from odoobridge.ops.alert_config import AlertRule
from odoobridge.ops.models import AlertState
from odoobridge.settings import Settings


@dataclass(frozen=True)
class Condition:
    key: str
    message: Message
    fingerprint: str = ""
    data: dict[str, Any] = field(default_factory=dict)


# (session, settings, rule, now, the rule's stored states by key) → the conditions holding now
Check = Callable[
    [Session, Settings, AlertRule, datetime, Mapping[str, AlertState]], list[Condition]
]
# (session, settings, the state of a condition that went away, now) → the message saying so
Cleared = Callable[[Session, Settings, AlertState, datetime], Message]


def base_url(settings: Settings) -> str:
    """Where links in alerts point: ODOOBRIDGE_PUBLIC_URL, else the address serve binds."""
    return settings.public_url or f"http://{settings.host}:{settings.port}"


def when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment is not None else "never"


def integrations_link(settings: Settings, environment: str | None) -> Link:
    suffix = f"?env={environment}" if environment in {e.value for e in Environment} else ""
    return Link("Data & Integrations", f"{base_url(settings)}/integrations{suffix}")
