"""Declarative base with a naming convention (so Alembic names constraints the same on both
engines) and the columns every temporal fact table shares."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, Integer, MetaData, String, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as naive UTC and handed back timezone-aware (UTC)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class TemporalFact:
    """A fact seen by sync runs: alive from ``first_seen_run_id`` through ``last_seen_run_id``.

    ``last_seen_run_id`` is NULL while the source still has the fact; it is written once, when a
    later run no longer sees it (or sees it changed: the new version is a new row). The state at
    run R is every row with ``first_seen_run_id <= R`` and (``last_seen_run_id`` NULL or ``>= R``),
    in R's environment. See :mod:`odoobridge.store.temporal`.
    """

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    environment: Mapped[str] = mapped_column(String(16), nullable=False)
    first_seen_run_id: Mapped[int] = mapped_column(Integer, nullable=False)
    last_seen_run_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
