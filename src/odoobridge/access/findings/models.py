"""The findings' lifecycle in the store: each finding's current state (a projection kept for
filtering), every change to it (append-only: who, when, what, why) and which runs have been
reconciled against the states."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from odoobridge.store.base import Base, UTCDateTime, utcnow


class FindingStatus:
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    ACCEPTED_RISK = "accepted_risk"
    RESOLVED = "resolved"


STATUSES = (
    FindingStatus.OPEN,
    FindingStatus.ACKNOWLEDGED,
    FindingStatus.ACCEPTED_RISK,
    FindingStatus.RESOLVED,
)


class FindingState(Base):
    """Where a finding stands: found in which runs, its status, owner and accepted risk."""

    __tablename__ = "finding_states"
    __table_args__ = (Index("ix_finding_states_env_status", "environment", "status"),)
    finding_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    severity: Mapped[str] = mapped_column(String(16), nullable=False)
    environment: Mapped[str] = mapped_column(String(32), nullable=False)
    title: Mapped[str] = mapped_column(Text, nullable=False)
    subject: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    evidence: Mapped[list[Any]] = mapped_column(JSON, nullable=False)  # as last seen
    fix: Mapped[str] = mapped_column(Text, nullable=False)
    table: Mapped[list[list[str]] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=FindingStatus.OPEN)
    owner: Mapped[str | None] = mapped_column(String(255))
    reason: Mapped[str | None] = mapped_column(Text)  # why the risk was accepted
    accepted_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_seen_run_id: Mapped[int] = mapped_column(Integer, nullable=False)
    last_seen_run_id: Mapped[int] = mapped_column(Integer, nullable=False)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(255), nullable=False)


class FindingEvent(Base):
    """One change to a finding: found, acknowledged, accepted, reopened, resolved, assigned or
    commented. Never updated or deleted."""

    __tablename__ = "finding_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    finding_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("finding_states.finding_id"), nullable=False, index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    actor: Mapped[str] = mapped_column(String(255), nullable=False)
    action: Mapped[str] = mapped_column(String(32), nullable=False)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    comment: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "actor": self.actor,
            "action": self.action,
            "from_status": self.from_status,
            "to_status": self.to_status,
            "comment": self.comment,
            "detail": self.detail,
        }


class FindingReconciliation(Base):
    """A set of inputs (environment, run, other environment's run, directory run, settings)
    whose findings have been reconciled with the states: each is done once."""

    __tablename__ = "finding_reconciliations"
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
