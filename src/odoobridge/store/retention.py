"""Retention: drop sync history older than N days without changing any state still readable.

A run is dropped when it started before the cut-off, is not running, and is not the latest
successful run of its (sync type, environment). Fact rows are dropped when the run that last saw
them is gone: every remaining run of their source is newer, so none of them could see the row.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Delete, Table, delete, func, select
from sqlalchemy.orm import Session

from odoobridge.store.base import Base, utcnow
from odoobridge.sync.models import RunStatus, SyncRun


def temporal_tables() -> list[Table]:
    needed = {"environment", "first_seen_run_id", "last_seen_run_id"}
    return [t for t in Base.metadata.sorted_tables if needed <= set(t.c.keys())]


def _deleted(session: Session, statement: Delete) -> int:
    result = cast(CursorResult[Any], session.execute(statement))
    return result.rowcount


def prune(session: Session, *, keep_days: int) -> dict[str, int]:
    cutoff = utcnow() - timedelta(days=keep_days)
    latest = (
        select(func.max(SyncRun.id))
        .where(SyncRun.status == RunStatus.SUCCESS)
        .group_by(SyncRun.sync_type, SyncRun.environment)
    )
    doomed = select(SyncRun.id).where(
        SyncRun.started_at < cutoff,
        SyncRun.status != RunStatus.RUNNING,
        SyncRun.id.not_in(latest),
    )
    runs = _deleted(session, delete(SyncRun).where(SyncRun.id.in_(doomed)))
    facts = 0
    for table in temporal_tables():
        gone = table.c.last_seen_run_id.is_not(None) & table.c.last_seen_run_id.not_in(
            select(SyncRun.id)
        )
        facts += _deleted(session, delete(table).where(gone))
    return {"runs": runs, "facts": facts}
