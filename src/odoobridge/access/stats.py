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

from odoobridge.access.summary import environment_summary
from odoobridge.access.sync import SYNC_TYPE
from odoobridge.settings import Environment
from odoobridge.sync.models import RunStatus, SyncRun


def latest_success_ids(session: Session) -> dict[str, int]:
    """The latest successful Odoo run per environment, in one query."""
    query = (
        select(SyncRun.environment, func.max(SyncRun.id))
        .where(SyncRun.sync_type == SYNC_TYPE, SyncRun.status == RunStatus.SUCCESS)
        .group_by(SyncRun.environment)
    )
    return {env: run_id for env, run_id in session.execute(query) if env is not None}


class HeadlineStats:
    """Figures per (environment, run), computed once; one instance per store (the app's)."""

    def __init__(self, recheck_seconds: float = 1.0) -> None:
        self._cache: dict[tuple[str, int], dict[str, Any]] = {}
        self._lock = threading.Lock()
        self.recheck_seconds = recheck_seconds
        self._latest: tuple[float, dict[str, int]] | None = None

    def _latest_ids(self, session: Session) -> dict[str, int]:
        """The latest runs, looked up at most once a second (a new run shows within a second)."""
        now = time.monotonic()
        if self._latest is None or now - self._latest[0] > self.recheck_seconds:
            self._latest = (now, latest_success_ids(session))
        return self._latest[1]

    def get(self, session: Session) -> dict[str, Any]:
        latest = self._latest_ids(session)
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
