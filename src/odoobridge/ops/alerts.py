"""Alert evaluation: each rule's conditions against what the store remembers of them.

    report = evaluate_alerts(session, settings, now)   # the caller commits

For every enabled rule (:mod:`alert_config`) the conditions holding ``now`` (:mod:`alert_checks`,
:mod:`alert_findings`) are compared with the rule's rows in ``alert_states``:

- a condition not seen before (or back after its clearing was told, or under a new fingerprint)
  starts: every channel of the rule is to be told once;
- a condition still holding is told only to the channels that have not taken it yet (a channel
  that failed is tried again at the next evaluation);
- a condition gone is marked cleared, and the channels that were told it started are told it
  cleared; one that comes back before that is simply active again.

During the rule's quiet hours nothing is sent: what is due waits for the first evaluation after
them. A failed delivery is logged with the rule, key and channel (never a secret), kept on the
state row (``last_error``), written once per distinct error to the audit log, and reported.
Messages are sent inside the caller's transaction, so what was sent and what the store says was
sent commit together; ``run_alerts`` (:mod:`ops.jobs`) holds the store lock around it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from odoobridge.auth.audit import Origin, record
from odoobridge.errors import ConfigError
from odoobridge.logs import get_logger, log_context
from odoobridge.notify import AnyChannel, Delivery, Message, channels_named, deliver, load_channels
from odoobridge.ops import alert_checks, alert_findings
from odoobridge.ops.alert_condition import Check, Cleared, Condition
from odoobridge.ops.alert_config import AlertRule, alert_rules
from odoobridge.ops.models import AlertState
from odoobridge.settings import Settings
from odoobridge.store.base import utcnow

__all__ = [  # what the Admin page and the CLI use
    "AlertReport",
    "AlertRule",
    "alert_rules",
    "alert_states",
    "evaluate_alerts",
    "send_test",
]

log = get_logger(__name__)
ACTOR = "alerts"
FORGET_CLEARED_AFTER = timedelta(days=30)
_ORIGIN = Origin(user_agent="alerts")

CHECKS: dict[str, tuple[Check, Cleared]] = {
    "sync_failed": (alert_checks.sync_failed, alert_checks.sync_failed_cleared),
    "stale_source": (alert_checks.stale_source, alert_checks.stale_source_cleared),
    "new_findings": (alert_findings.new_findings, alert_findings.new_findings_cleared),
    "delta_link": (alert_checks.delta_link, alert_checks.delta_link_cleared),
    "stuck_proposals": (alert_checks.stuck_proposals, alert_checks.stuck_proposals_cleared),
}


@dataclass(frozen=True)
class Notification:
    rule: str
    key: str
    event: Literal["fired", "cleared"]
    title: str
    held: bool = False  # quiet hours: nothing sent yet
    deliveries: tuple[Delivery, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "key": self.key,
            "event": self.event,
            "title": self.title,
            "held": self.held,
            "deliveries": [d.as_dict() for d in self.deliveries],
        }


@dataclass
class AlertReport:
    evaluated_at: datetime
    rules: list[dict[str, Any]] = field(default_factory=list)
    active: list[dict[str, Any]] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)

    @property
    def failures(self) -> list[tuple[Notification, Delivery]]:
        return [(n, d) for n in self.notifications for d in n.deliveries if not d.ok]

    @property
    def sent(self) -> int:
        return sum(1 for n in self.notifications for d in n.deliveries if d.ok)

    def as_dict(self) -> dict[str, Any]:
        return {
            "evaluated_at": self.evaluated_at.isoformat(),
            "rules": self.rules,
            "active": self.active,
            "notifications": [n.as_dict() for n in self.notifications],
            "sent": self.sent,
            "failed": len(self.failures),
        }


def _start_or_refresh(
    session: Session, rule: str, condition: Condition, state: AlertState | None, now: datetime
) -> AlertState:
    if state is None:
        state = AlertState(rule=rule, key=condition.key, since=now, notified=[], clear_notified=[])
        session.add(state)
    else:
        told_cleared = set(state.notified) <= set(state.clear_notified)
        if condition.fingerprint != state.fingerprint or (not state.active and told_cleared):
            state.since, state.notified = now, []  # a new occurrence: everyone hears of it
        state.clear_notified = []
    message = condition.message
    state.active, state.cleared_at = True, None
    state.fingerprint = condition.fingerprint
    state.severity, state.title = message.severity, message.title
    state.detail = {"message": message.as_dict(), "data": condition.data}
    state.last_seen_at = now
    return state


def _send(
    session: Session,
    settings: Settings,
    channels: Mapping[str, AnyChannel],
    state: AlertState,
    event: Literal["fired", "cleared"],
    message: Message,
    names: Sequence[str],
    now: datetime,
) -> Notification:
    with log_context(alert_rule=state.rule, alert_key=state.key, alert_event=event):
        deliveries = deliver(
            channels_named(channels, list(names)),
            message,
            timeout=settings.notify_timeout,
            secrets=settings.secret_values(),
        )
    took = [d.channel for d in deliveries if d.ok]
    if event == "fired":
        state.notified = [*state.notified, *took]
    else:
        state.clear_notified = [*state.clear_notified, *took]
    failed = [d for d in deliveries if not d.ok]
    target = f"{state.rule}:{state.key}"
    if took:
        action = "alert.sent" if event == "fired" else "alert.cleared"
        detail = {"title": message.title, "channels": took}
        record(session, actor=ACTOR, action=action, target=target, detail=detail, origin=_ORIGIN)
    if failed:
        error = "; ".join(f"{d.channel}: {d.error}" for d in failed)
        if error != state.last_error:
            detail = {"title": message.title, "event": event, "error": error}
            record(
                session,
                actor=ACTOR,
                action="alert.delivery_failed",
                target=target,
                detail=detail,
                origin=_ORIGIN,
            )
        state.last_error, state.last_error_at = error, now
    elif took:
        state.last_error = None
    return Notification(state.rule, state.key, event, message.title, False, tuple(deliveries))


def _evaluate_rule(
    session: Session,
    settings: Settings,
    rule: AlertRule,
    channels: Mapping[str, AnyChannel],
    now: datetime,
    report: AlertReport,
) -> int:
    check, cleared = CHECKS[rule.name]
    states = {
        state.key: state
        for state in session.scalars(select(AlertState).where(AlertState.rule == rule.name))
    }
    conditions = check(session, settings, rule, now, states)
    quiet = rule.quiet_hours is not None and rule.quiet_hours.contains(now)
    holding: set[str] = set()
    for condition in conditions:
        holding.add(condition.key)
        state = _start_or_refresh(session, rule.name, condition, states.get(condition.key), now)
        due = [c for c in rule.channels if c not in state.notified]
        if due and quiet:
            report.notifications.append(
                Notification(rule.name, state.key, "fired", state.title, True)
            )
        elif due:
            report.notifications.append(
                _send(session, settings, channels, state, "fired", condition.message, due, now)
            )
    for key, state in states.items():
        if key in holding:
            continue
        if state.active:
            state.active, state.cleared_at = False, now
        due = [c for c in state.notified if c not in state.clear_notified and c in channels]
        if not due:
            continue
        if quiet:
            report.notifications.append(Notification(rule.name, key, "cleared", state.title, True))
            continue
        message = cleared(session, settings, state, now)
        report.notifications.append(
            _send(session, settings, channels, state, "cleared", message, due, now)
        )
    return len(conditions)


def evaluate_alerts(
    session: Session, settings: Settings, now: datetime | None = None
) -> AlertReport:
    """Evaluate every enabled rule at ``now`` and send what is due (see the module docstring)."""
    now = now or utcnow()
    rules = alert_rules(settings)
    channels = load_channels(settings) if any(rule.sends for rule in rules) else {}
    report = AlertReport(evaluated_at=now)
    for rule in rules:
        holding = (
            _evaluate_rule(session, settings, rule, channels, now, report) if rule.enabled else 0
        )
        report.rules.append({**rule.as_dict(), "holding": holding})
    session.execute(
        delete(AlertState).where(
            AlertState.active.is_(False), AlertState.cleared_at < now - FORGET_CLEARED_AFTER
        )
    )
    session.flush()
    report.active = [s.as_dict() for s in alert_states(session) if s.active]
    return report


def alert_states(session: Session) -> list[AlertState]:
    """Every remembered condition, active ones first, newest first."""
    query = select(AlertState).order_by(AlertState.active.desc(), AlertState.since.desc())
    return list(session.scalars(query))


def send_test(settings: Settings, channel: str | None = None) -> list[Delivery]:
    """Send a test message to ``channel`` (default: every configured channel)."""
    channels = load_channels(settings)
    if not channels:
        raise ConfigError(
            "no notification channel is configured: define one in ODOOBRIDGE_NOTIFY_FILE or "
            "ODOOBRIDGE_NOTIFY_CHANNELS"
        )
    names = [channel] if channel else sorted(channels)
    now = utcnow()
    message = Message(
        "OdooBridge test message",
        f"Sent at {now:%Y-%m-%d %H:%M:%S} UTC to check that this channel delivers OdooBridge's "
        "alerts. Nothing needs doing.",
        "info",
    )
    return deliver(
        channels_named(channels, names),
        message,
        timeout=settings.notify_timeout,
        secrets=settings.secret_values(),
    )
