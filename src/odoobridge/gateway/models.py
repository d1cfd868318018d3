"""The gateway's table: proposals of writes to Odoo, waiting for (or past) their confirmation.

A proposal is made once (``pending``) and moves forward only:

    pending ──► executing ──► executed | failed | partially_failed
       │
       ├──► cancelled   (DELETE /odoo/proposals/{id})
       └──► expired     (not executed within ODOOBRIDGE_GATEWAY_PROPOSAL_TTL_MINUTES)

``pending → executing`` is one conditional UPDATE committed on its own (see
:mod:`odoobridge.gateway.execute`), so a proposal runs at most once even when two calls race. A
proposal left ``executing`` by a crash stays so: its outcome is unknown and it is never re-run.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from odoobridge.store.base import Base, UTCDateTime, utcnow


class ProposalStatus:
    PENDING = "pending"
    EXECUTING = "executing"
    EXECUTED = "executed"
    FAILED = "failed"
    PARTIALLY_FAILED = "partially_failed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"

    ALL = (PENDING, EXECUTING, EXECUTED, FAILED, PARTIALLY_FAILED, CANCELLED, EXPIRED)


class Proposal(Base):
    __tablename__ = "gateway_proposals"
    __table_args__ = (
        Index("ix_gateway_proposals_status", "status"),
        Index("ix_gateway_proposals_created_at", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    summary: Mapped[str] = mapped_column(Text, nullable=False)
    operations: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False)
    case_id: Mapped[str] = mapped_column(String(64), nullable=False)
    proposed_by: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=ProposalStatus.PENDING)
    confirmed_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    executed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    results: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)

    def effective_status(self, now: datetime | None = None) -> str:
        """The status, with a pending proposal past its time shown as expired (the row says so
        once something writes it: an execution or a cancel)."""
        if self.status == ProposalStatus.PENDING and self.expires_at <= (now or utcnow()):
            return ProposalStatus.EXPIRED
        return self.status

    def as_dict(self) -> dict[str, Any]:
        """The proposal as the API shows it (the spec's fields first, then the lifecycle)."""
        return {
            "proposal_id": self.id,
            "kind": self.kind,
            "summary": self.summary,
            "operations": self.operations,
            "case_id": self.case_id,
            "requires_confirmation": True,
            "confirmed": self.confirmed_by is not None,
            "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "status": self.effective_status(),
            "proposed_by": self.proposed_by,
            "confirmed_by": self.confirmed_by,
            "executed_at": self.executed_at.isoformat() if self.executed_at else None,
            "results": self.results,
        }
