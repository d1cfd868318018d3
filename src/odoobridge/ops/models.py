"""The ``alert_states`` table: what each alert rule last saw, so a condition alerts once.

One row per (rule, key) — the key names the subject: a source (``odoo_postgres:PROD``), a run
that brought findings (``PREPROD:run 12``), a proposal. ``active`` says whether the condition
holds at the last evaluation; ``notified`` lists the channels told that it started,
``clear_notified`` those told that it cleared. A condition that starts again (or changes its
``fingerprint``) starts over with empty lists. See :mod:`odoobridge.ops.alerts`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from odoobridge.store.base import Base, UTCDateTime


class AlertState(Base):
    __tablename__ = "alert_states"
    __table_args__ = (UniqueConstraint("rule", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rule: Mapped[str] = mapped_column(String(40), nullable=False)
    key: Mapped[str] = mapped_column(String(200), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False)
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    severity: Mapped[str] = mapped_column(String(16), nullable=False)
    title: Mapped[str] = mapped_column(Text, nullable=False)
    # The message as last built (title, body, links) and the rule's own data (e.g. finding ids).
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    since: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    notified: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    clear_notified: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "key": self.key,
            "active": self.active,
            "severity": self.severity,
            "title": self.title,
            "since": self.since.isoformat(),
            "last_seen_at": self.last_seen_at.isoformat(),
            "cleared_at": self.cleared_at.isoformat() if self.cleared_at else None,
            "notified": list(self.notified),
            "clear_notified": list(self.clear_notified),
            "last_error": self.last_error,
            "last_error_at": self.last_error_at.isoformat() if self.last_error_at else None,
        }
