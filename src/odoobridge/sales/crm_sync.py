"""The ``odoo_crm`` sync: Odoo's CRM through its external API into the sales serving tables.

One run per environment at a time (``ODOOBRIDGE_SALES_ENVIRONMENT``, the lock of
:mod:`odoobridge.sync.runs`). Odoo is read first, outside any store transaction
(:mod:`.crm_read`); then one store transaction writes every entity (:mod:`.crm_write`), matches
the accounts to Odoo users again (:mod:`.linking`) and marks the run successful — a run that
fails anywhere, Odoo dropping the connection included, changes nothing.

Each entity's cursor (the latest ``write_date`` read) is kept in the run's stats; the next run
reads from there. ``full=True`` reads everything again; ``only="users"`` / ``"departments"`` reads
just those (the seed's partial syncs).
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from odoobridge.logs import get_logger, kv
from odoobridge.sales.crm_read import read_crm
from odoobridge.sales.crm_write import write_crm
from odoobridge.sales.entities import ENTITIES, entities_for
from odoobridge.sales.linking import refresh_links
from odoobridge.sales.models import FACT_TABLES
from odoobridge.settings import Settings
from odoobridge.sources.odoo_models import OdooModelReader
from odoobridge.sources.odoo_rpc import OdooRpcClient, OdooRpcConfig
from odoobridge.store.engine import Store
from odoobridge.sync.models import RunStatus, SyncRun
from odoobridge.sync.runs import ProgressListener, get_run, start_run

log = get_logger(__name__)

SYNC_TYPE = "odoo_crm"
CURSOR_LOOKBACK = 50  # successful runs searched for an entity's cursor (partial runs lack some)


def previous_cursors(session: Session, environment: str) -> dict[str, str]:
    """Each entity's cursor from the newest successful run that read it."""
    runs = session.scalars(
        select(SyncRun)
        .where(
            SyncRun.sync_type == SYNC_TYPE,
            SyncRun.environment == environment,
            SyncRun.status == RunStatus.SUCCESS,
        )
        .order_by(SyncRun.id.desc())
        .limit(CURSOR_LOOKBACK)
    )
    cursors: dict[str, str] = {}
    for run in runs:
        for entity in ENTITIES:
            value = run.stats.get(entity.name)
            if entity.name in cursors or not isinstance(value, dict):
                continue
            if value.get("cursor"):
                cursors[entity.name] = str(value["cursor"])
            elif value.get("mode") in ("full", "incremental", "absent"):
                cursors[entity.name] = ""  # read, but nothing written yet: read all next time
    return {name: cursor for name, cursor in cursors.items() if cursor}


def crm_client(settings: Settings) -> OdooRpcClient:
    """A client of the Odoo that ``ODOO_URL`` etc. name (ConfigError naming what is missing)."""
    return OdooRpcClient(OdooRpcConfig.from_settings(settings))


def sync_crm(
    store: Store,
    settings: Settings,
    *,
    full: bool = False,
    only: str | None = None,
    triggered_by: str = "cli",
    listeners: list[ProgressListener] | None = None,
    client: OdooRpcClient | None = None,
) -> SyncRun:
    """Run one ``odoo_crm`` sync; returns the finished run."""
    entities = entities_for(only)
    own_client = client is None
    client = client if client is not None else crm_client(settings)
    environment = settings.sales_environment.value
    try:
        with start_run(
            store,
            SYNC_TYPE,
            environment,
            settings=settings,
            triggered_by=triggered_by,
            listeners=listeners,
        ) as run:
            started = time.monotonic()
            with store.session() as session:
                cursors = previous_cursors(session, environment)
            reader = OdooModelReader(client, batch_size=settings.crm_sync_batch)
            snapshot = read_crm(
                reader,
                entities,
                cursors,
                full=full,
                overlap_seconds=settings.crm_sync_overlap_seconds,
                progress=run.progress,
            )
            read_seconds = time.monotonic() - started
            run.progress.phase("writing", total=len(snapshot.entities))
            previous = run.previous_success.id if run.previous_success is not None else None
            with run.progress.unsaved(), store.write_session() as session:
                written = time.monotonic()
                stats: dict[str, Any] = write_crm(
                    session,
                    snapshot,
                    environment=environment,
                    run_id=run.id,
                    previous_run_id=previous,
                )
                stats["links"] = refresh_links(session, environment, by=f"sync:{run.id}")
                stats["odoo"] = {
                    "url": client.where,
                    "protocol": client.config.protocol,
                    "server_version": snapshot.server_version,
                    "calls": snapshot.calls,
                }
                stats["full"] = full
                stats["only"] = only
                stats["seconds"] = {
                    "read": round(read_seconds, 3),
                    "write": round(time.monotonic() - written, 3),
                }
                run.succeed(session, stats, {})
    finally:
        if own_client:
            client.close()
    with store.session() as session:
        finished = get_run(session, run.id)
    refresh_statistics(store, finished.stats)
    return finished


ANALYZE_AFTER = 1_000  # rows written to a table before its planner statistics are refreshed


def refresh_statistics(store: Store, stats: dict[str, Any]) -> None:
    """PostgreSQL plans the serving queries from table statistics: refresh them for the tables a
    run changed a lot (autovacuum would, later). Never fails the run that already succeeded."""
    if store.dialect != "postgresql":
        return
    tables = [
        FACT_TABLES[name].name
        for name, value in stats.items()
        if name in FACT_TABLES
        and isinstance(value, dict)
        and value.get("added", 0) + value.get("changed", 0) + value.get("removed", 0)
        >= ANALYZE_AFTER
    ]
    if not tables:
        return
    try:
        with store.engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            for table in tables:
                conn.exec_driver_sql(f"ANALYZE {table}")
    except Exception:  # statistics are an optimisation: the data is in
        log.warning(
            "could not refresh statistics", extra=kv(tables=",".join(tables)), exc_info=True
        )
