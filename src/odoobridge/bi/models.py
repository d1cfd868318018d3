"""The BI layer's tables in the store: who may see which company's figures, every change to that,
and every Superset guest token issued."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from odoobridge.store.base import Base, UTCDateTime, utcnow


class AccessLevel(StrEnum):
    FULL = "full"
    READ = "read"
    NONE = "none"


class AccessSource(StrEnum):
    MANUAL = "manual"  # set by a person (`bi access set`): derivation never overrides it
    ODOO = "odoo"  # derived from Odoo users' allowed companies (`bi access derive`)


class UserCompanyAccess(Base):
    """One user's access level to one Odoo company's analytics (full and read both see rows)."""

    __tablename__ = "user_company_access"
    __table_args__ = (
        UniqueConstraint("user_email", "company_id"),
        CheckConstraint("access_level IN ('full', 'read', 'none')", name="level"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_email: Mapped[str] = mapped_column(String(255), nullable=False)
    company_id: Mapped[int] = mapped_column(Integer, nullable=False)
    access_level: Mapped[str] = mapped_column(String(8), nullable=False)
    source: Mapped[str] = mapped_column(String(8), nullable=False, default=AccessSource.MANUAL)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(255), nullable=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "user_email": self.user_email,
            "company_id": self.company_id,
            "access_level": self.access_level,
            "source": self.source,
            "updated_at": self.updated_at.isoformat(),
            "updated_by": self.updated_by,
        }


class AccessChange(Base):
    """Append-only: every change to ``user_company_access`` (who, when, from what to what)."""

    __tablename__ = "user_company_access_changes"
    __table_args__ = (Index("ix_user_company_access_changes_email", "user_email"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    changed_by: Mapped[str] = mapped_column(String(255), nullable=False)
    user_email: Mapped[str] = mapped_column(String(255), nullable=False)
    company_id: Mapped[int] = mapped_column(Integer, nullable=False)
    old_level: Mapped[str | None] = mapped_column(String(8), nullable=True)
    new_level: Mapped[str | None] = mapped_column(String(8), nullable=True)  # None: removed
    source: Mapped[str] = mapped_column(String(8), nullable=False)


class GuestTokenAudit(Base):
    """Append-only analytics audit log: one row per Superset guest token issued."""

    __tablename__ = "analytics_audit_log"
    __table_args__ = (
        Index("ix_analytics_audit_log_email", "user_email"),
        Index("ix_analytics_audit_log_issued_at", "issued_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    user_email: Mapped[str] = mapped_column(String(255), nullable=False)
    dashboard_id: Mapped[str] = mapped_column(String(255), nullable=False)
    rls_clauses: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    company_ids: Mapped[list[int]] = mapped_column(JSON, nullable=False)
    issued_via: Mapped[str] = mapped_column(String(32), nullable=False)  # session, api_key, cli

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "issued_at": self.issued_at.isoformat(),
            "user_email": self.user_email,
            "dashboard_id": self.dashboard_id,
            "rls_clauses": self.rls_clauses,
            "company_ids": self.company_ids,
            "issued_via": self.issued_via,
        }
