"""The audit log: who did what, when, from where. Append-only: :func:`record` adds an event;
nothing updates or deletes one (the ORM refuses it, see :mod:`odoobridge.auth.models`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from odoobridge.auth.models import AuditEvent
from odoobridge.store.base import utcnow


@dataclass(frozen=True)
class Origin:
    """Where a request came from (address and browser), for the audit log."""

    ip: str | None = None
    user_agent: str | None = None

    @classmethod
    def cli(cls) -> Origin:
        return cls(ip=None, user_agent="odoobridge-cli")


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    target: str | None = None,
    detail: dict[str, Any] | None = None,
    origin: Origin | None = None,
) -> AuditEvent:
    """Append one event (committed with the caller's transaction)."""
    origin = origin or Origin()
    event = AuditEvent(
        at=utcnow(),
        actor=actor[:200],
        action=action,
        target=target[:300] if target else None,
        detail=detail or {},
        ip=origin.ip,
        user_agent=(origin.user_agent or None) and origin.user_agent[:500],
    )
    session.add(event)
    session.flush()
    return event


def list_events(
    session: Session,
    *,
    action: str | None = None,
    actor: str | None = None,
    since: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[AuditEvent]]:
    """Events newest first, and how many match in all."""
    query = select(AuditEvent)
    if action:
        query = query.where(AuditEvent.action == action)
    if actor:
        query = query.where(AuditEvent.actor == actor)
    if since:
        query = query.where(AuditEvent.at >= since)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    events = session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit).offset(offset))
    return total, list(events)
