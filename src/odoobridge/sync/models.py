"""The ``sync_runs`` table: one row per run of any source, with its stats and error."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from odoobridge.store.base import Base, UTCDateTime, utcnow


class RunStatus:
    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"


class SyncRun(Base):
    __tablename__ = "sync_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sync_type: Mapped[str] = mapped_column(String(32), nullable=False)
    environment: Mapped[str | None] = mapped_column(String(16), nullable=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=RunStatus.RUNNING)
    triggered_by: Mapped[str] = mapped_column(String(128), nullable=False, default="cli")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Set while the run is running and cleared when it ends. NULLs never collide in a UNIQUE
    # constraint (SQLite and PostgreSQL alike), so at most one run per key can be running.
    lock_key: Mapped[str | None] = mapped_column(String(80), nullable=True, unique=True)
    host: Mapped[str | None] = mapped_column(String(255), nullable=True)
    pid: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Seconds the run may go without a heartbeat before readers count it as dead (the
    # ODOOBRIDGE_SYNC_HEARTBEAT_TIMEOUT of the process that runs it; NULL: runs from before).
    stale_after: Mapped[int | None] = mapped_column(Integer, nullable=True)
    stats: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    progress: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    # Content digests per entity, so an unchanged entity is recognised without reading the store.
    digests: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False, default=dict)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (Index("ix_sync_runs_type_env_status", "sync_type", "environment", "status"),)

    def as_dict(self) -> dict[str, Any]:
        """The run as the CLI's ``--json`` and the API show it."""
        return {
            "id": self.id,
            "sync_type": self.sync_type,
            "environment": self.environment,
            "status": self.status,
            "triggered_by": self.triggered_by,
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "completed_at": self.completed_at.isoformat() if self.completed_at else None,
            "stats": self.stats,
            "progress": self.progress,
            "error": self.error,
        }
