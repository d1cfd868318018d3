"""``GET /api/stats``: the headline figures of each environment's latest Odoo sync.

The figures of a run never change once it succeeded, so they are computed once per run and kept
in memory (a few hundred bytes per run); which runs are the latest is looked up at most once a
second, so most requests cost no store round trip at all. Both caches are
:class:`~odoobridge.runcache.RunCache` instances the app keeps (``web/state.py``).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from odoobridge.access.sync import SYNC_TYPE
from odoobridge.access.views.summary import environment_summary
from odoobridge.environment import Environment
from odoobridge.runcache import RunCache
from odoobridge.sync.models import RunStatus, SyncRun


def latest_success_ids(session: Session) -> dict[str, int]:
    """The latest successful Odoo run per environment, in one query."""
    query = (
        select(SyncRun.environment, func.max(SyncRun.id))
        .where(SyncRun.sync_type == SYNC_TYPE, SyncRun.status == RunStatus.SUCCESS)
        .group_by(SyncRun.environment)
    )
    return {env: run_id for env, run_id in session.execute(query) if env is not None}


LatestRuns = RunCache[str, dict[str, SyncRun]]
HeadlineStats = RunCache[tuple[str, int], dict[str, Any]]


def latest_runs_cache() -> LatestRuns:
    """The latest successful Odoo run per environment, looked up at most once a second (a new
    run shows within a second; a sync finishing in this process clears it at once). One request
    looks it up; requests arriving meanwhile keep the previous answer instead of all querying."""
    return RunCache(size=1, ttl=1.0, grace=5.0)


def latest_runs(cache: LatestRuns, session: Session) -> dict[str, SyncRun]:
    def lookup() -> dict[str, SyncRun]:
        ids = latest_success_ids(session)
        runs = {env: session.get(SyncRun, run_id) for env, run_id in ids.items()}
        found = {env: run for env, run in runs.items() if run is not None}
        for run in found.values():
            session.expunge(run)
        return found

    return cache.get("latest", lookup)


def headline_stats_cache() -> HeadlineStats:
    """Figures per (environment, run): a few hundred bytes each, the last 32 runs kept."""
    return RunCache(size=32)


def headline_stats(stats: HeadlineStats, latest: LatestRuns, session: Session) -> dict[str, Any]:
    """The figures of each environment's latest run, computed once per run."""
    runs = {env: run.id for env, run in latest_runs(latest, session).items()}
    environments: list[dict[str, Any]] = []
    for environment in Environment:
        run_id = runs.get(environment.value)
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
        environments.append(
            stats.get(
                (environment.value, run_id),
                partial(environment_summary, session, environment, run_id),
            )
        )
    return {"environments": environments}
