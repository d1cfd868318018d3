"""``bi refresh``: refresh the materialized views, as a recorded run (``odoobridge runs``).

Each ``mv_…`` is refreshed with ``REFRESH MATERIALIZED VIEW CONCURRENTLY`` (readers keep reading
the old rows meanwhile; the unique index on its key makes it possible) in a transaction of its
own, together with its row-level-security companion table when native policies are on. The run
takes the store's ``bi_refresh`` lock, so two schedulers never refresh at once; a cron job or
systemd timer that calls ``odoobridge bi refresh`` is all a schedule needs.
"""

from __future__ import annotations

import time
from typing import Any

from psycopg import sql

from odoobridge.bi import records
from odoobridge.bi.connection import connect
from odoobridge.bi.policies import copy_into_policy_table
from odoobridge.bi.records import qualified
from odoobridge.bi.specs import spec_by_name
from odoobridge.errors import NotFound
from odoobridge.settings import Settings
from odoobridge.sources.odoo_db import OdooDbTarget
from odoobridge.store.engine import Store
from odoobridge.sync.models import SyncRun
from odoobridge.sync.runs import get_run, start_run

SYNC_TYPE = "bi_refresh"


def refresh_views(
    target: OdooDbTarget,
    *,
    names: list[str] | None = None,
    concurrently: bool = True,
    progress: Any = None,
) -> dict[str, Any]:
    """Refresh the installed materialized views (or ``names`` of them); returns per-view stats."""
    with connect(target, autocommit=True) as conn:
        known = records.load(conn)
        matviews = [r.name for r in records.of_kind(known, "matview")]
        if not matviews:
            raise NotFound(
                "no materialized views are installed: run `odoobridge bi install --materialized`"
            )
        if names:
            wanted = []
            for name in names:
                spec = spec_by_name(name)
                if spec is None or spec.materialized_name not in matviews:
                    raise NotFound(
                        f"{name} is not an installed materialized view: "
                        f"choose from {', '.join(matviews)}"
                    )
                wanted.append(spec.materialized_name)
            matviews = wanted
    stats: dict[str, Any] = {}
    if progress is not None:
        progress.phase("refreshing", total=len(matviews))
    for name in matviews:
        started = time.monotonic()
        with connect(target) as conn:  # one transaction per view
            records.lock(conn)
            how = sql.SQL("CONCURRENTLY ") if concurrently else sql.SQL("")
            conn.execute(sql.SQL("REFRESH MATERIALIZED VIEW {}{}").format(how, qualified(name)))
            companion = copy_into_policy_table(conn, name)
            records.mark_refreshed(conn, "matview", name)
            count = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(qualified(name)))
            rows = int(count.fetchone()[0])  # type: ignore[index]
        stats[name] = {
            "rows": rows,
            "seconds": round(time.monotonic() - started, 3),
            "policy_table": companion,
        }
        if progress is not None:
            progress.advance(1)
    return stats


def refresh_run(
    store: Store,
    settings: Settings,
    target: OdooDbTarget,
    *,
    names: list[str] | None = None,
    concurrently: bool = True,
    triggered_by: str = "cli",
) -> SyncRun:
    """:func:`refresh_views` as a ``bi_refresh`` run: locked, timed, kept in the run history."""
    with start_run(store, SYNC_TYPE, None, settings=settings, triggered_by=triggered_by) as run:
        stats = refresh_views(target, names=names, concurrently=concurrently, progress=run.progress)
        with store.write_session() as session:
            run.succeed(session, {"views": stats, "database": target.where}, {})
    with store.session() as session:
        return get_run(session, run.id)
