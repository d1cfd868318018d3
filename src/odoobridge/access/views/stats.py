"""``GET /api/stats``: the headline figures of each environment's latest Odoo sync.

The figures of a run never change once it succeeded, so they are computed once per run and kept
in memory (a few hundred bytes per run); which runs are the latest is looked up at most once a
second, so most requests cost no store round trip at all.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from odoobridge.access.sync import SYNC_TYPE
from odoobridge.access.views.summary import environment_summary
from odoobridge.environment import Environment
from odoobridge.sync.models import RunStatus, SyncRun


def latest_success_ids(session: Session) -> dict[str, int]:
    """The latest successful Odoo run per environment, in one query."""
    query = (
        select(SyncRun.environment, func.max(SyncRun.id))
        .where(SyncRun.sync_type == SYNC_TYPE, SyncRun.status == RunStatus.SUCCESS)
        .group_by(SyncRun.environment)
    )
    return {env: run_id for env, run_id in session.execute(query) if env is not None}


class LatestRuns:
    """The latest successful Odoo run per environment, looked up at most once a second (a new
    run shows within a second; a sync finishing in this process shows at once). One request
    looks it up; requests arriving meanwhile keep the previous answer instead of all querying."""

    def __init__(self, recheck_seconds: float = 1.0) -> None:
        self.recheck_seconds = recheck_seconds
        self._lock = threading.Lock()
        self._refresh = threading.Lock()
        self._latest: tuple[float, dict[str, SyncRun]] | None = None

    def all(self, session: Session) -> dict[str, SyncRun]:
        with self._lock:
            latest = self._latest
        if latest is not None and time.monotonic() - latest[0] <= self.recheck_seconds:
            return latest[1]
        # Due: one request looks it up; the others answer from the previous lookup (if any).
        if not self._refresh.acquire(blocking=latest is None):
            assert latest is not None
            return latest[1]
        try:
            ids = latest_success_ids(session)
            runs = {env: session.get(SyncRun, run_id) for env, run_id in ids.items()}
            found = {env: run for env, run in runs.items() if run is not None}
            for run in found.values():
                session.expunge(run)
            with self._lock:
                self._latest = (time.monotonic(), found)
            return found
        finally:
            self._refresh.release()

    def get(self, session: Session, environment: Environment) -> SyncRun | None:
        return self.all(session).get(environment.value)

    def forget(self) -> None:
        with self._lock:
            self._latest = None


class HeadlineStats:
    """Figures per (environment, run), computed once; one instance per store (the app's)."""

    def __init__(self, latest: LatestRuns) -> None:
        self._cache: dict[tuple[str, int], dict[str, Any]] = {}
        self._lock = threading.Lock()
        self.latest = latest

    def get(self, session: Session) -> dict[str, Any]:
        latest = {env: run.id for env, run in self.latest.all(session).items()}
        environments: list[dict[str, Any]] = []
        for environment in Environment:
            run_id = latest.get(environment.value)
            if run_id is None:
                environments.append(
                    {
                        "environment": environment.value,
                        "label": environment.label,
                        "run": None,
                        "counts": {},
                    }
                )
                continue
            key = (environment.value, run_id)
            with self._lock:
                cached = self._cache.get(key)
            if cached is None:
                cached = environment_summary(session, environment)
                if cached["run"] is not None and cached["run"]["id"] == run_id:
                    with self._lock:
                        self._cache[key] = cached
            environments.append(cached)
        return {"environments": environments}
