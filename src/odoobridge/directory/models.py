"""Temporal tables of the Entra directory, all tagged ``environment = "ENTRA"``.

- ``entra_users``: one version per user state (natural key ``azure_id``). A user who disappears
  from Entra is kept: a new version is written with ``removed_reason`` (``changed`` = soft-deleted
  and restorable for 30 days, ``deleted`` = gone for good, ``missing`` = absent from a full
  listing) and ``removed_at``; the row stays alive, marked gone, and is never deleted.
- ``entra_sign_ins``: the sign-in activity listing, apart from the users so that frequent sign-ins
  never create new versions of the user row.
- ``entra_delta_links``: the ``@odata.deltaLink`` of the latest successful run and when it was
  obtained (one row; written in the run's own transaction).
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from odoobridge.store.base import Base, TemporalFact, UTCDateTime

ENTRA_ENVIRONMENT = "ENTRA"
SYNC_TYPE = "azure_users"

USER_FIELDS: tuple[str, ...] = (
    "azure_id",
    "display_name",
    "mail",
    "user_principal_name",
    "department",
    "job_title",
    "employee_id",
    "account_enabled",
    "last_password_change",
    "user_type",
    "manager_id",
    "removed_reason",
    "removed_at",
)
SIGN_IN_FIELDS: tuple[str, ...] = ("azure_id", "last_sign_in", "last_non_interactive_sign_in")
REMOVED_MISSING = "missing"


class EntraUser(TemporalFact, Base):
    __tablename__ = "entra_users"
    __table_args__ = (
        Index(
            "uq_entra_users_version", "environment", "azure_id", "first_seen_run_id", unique=True
        ),
        Index("ix_entra_users_alive", "environment", "last_seen_run_id"),
    )
    azure_id: Mapped[str] = mapped_column(String(64), nullable=False)
    display_name: Mapped[str | None] = mapped_column(String)
    mail: Mapped[str | None] = mapped_column(String)
    user_principal_name: Mapped[str | None] = mapped_column(String)
    department: Mapped[str | None] = mapped_column(String)
    job_title: Mapped[str | None] = mapped_column(String)
    employee_id: Mapped[str | None] = mapped_column(String)
    account_enabled: Mapped[bool | None] = mapped_column(Boolean)
    last_password_change: Mapped[datetime | None] = mapped_column(UTCDateTime())
    user_type: Mapped[str | None] = mapped_column(String(32))
    manager_id: Mapped[str | None] = mapped_column(String(64))
    removed_reason: Mapped[str | None] = mapped_column(String(16))
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class EntraSignIn(TemporalFact, Base):
    __tablename__ = "entra_sign_ins"
    __table_args__ = (
        Index(
            "uq_entra_sign_ins_version", "environment", "azure_id", "first_seen_run_id", unique=True
        ),
        Index("ix_entra_sign_ins_alive", "environment", "last_seen_run_id"),
    )
    azure_id: Mapped[str] = mapped_column(String(64), nullable=False)
    last_sign_in: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_non_interactive_sign_in: Mapped[datetime | None] = mapped_column(UTCDateTime())


class EntraDeltaLink(Base):
    __tablename__ = "entra_delta_links"
    run_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("sync_runs.id", ondelete="CASCADE"), primary_key=True
    )
    # A state token: kept out of logs and stats (they show a fingerprint).
    delta_link: Mapped[str] = mapped_column(Text, nullable=False)
    obtained_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    # The $select the link tracks; a link made for other properties is not reused.
    query: Mapped[str] = mapped_column(String(400), nullable=False)


def _table(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


USERS_TABLE = _table(EntraUser)
SIGN_INS_TABLE = _table(EntraSignIn)
