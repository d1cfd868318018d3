"""The ``odoo_postgres`` sync: Odoo's security model from its database, its external API (Odoo
Online, Odoo.sh) or a mock file into the store's temporal fact tables, one run at a time per
environment. The sync type keeps its first name whatever the source (docs/decisions.md, issue
16); each run's stats say which source it read (``stats["source"]``).

Reading happens first, outside any store transaction (progress is saved as it goes); then every
entity is applied in one store transaction that also marks the run successful. An entity whose
content digest equals the previous run's is left alone, so an unchanged Odoo costs one read and
no writes.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from types import TracebackType
from typing import Any, Protocol, Self

from odoobridge.access.models import FACT_TABLES
from odoobridge.access.source_choice import api_target, source_kind
from odoobridge.environment import Environment
from odoobridge.errors import ConfigError
from odoobridge.settings import Settings
from odoobridge.sources.odoo_api import OdooApiReader
from odoobridge.sources.odoo_db import OdooDbReader, OdooDbTarget, SourceInfo
from odoobridge.sources.odoo_mock import OdooMockReader
from odoobridge.sources.odoo_records import ENTITIES
from odoobridge.store.engine import Store
from odoobridge.store.temporal import Changes, apply_snapshot
from odoobridge.sync.models import SyncRun
from odoobridge.sync.runs import Progress, ProgressListener, RunHandle, get_run, start_run

SYNC_TYPE = "odoo_postgres"


class SecuritySource(Protocol):
    """What the sync reads from: :class:`OdooDbReader`, :class:`OdooApiReader` or
    :class:`OdooMockReader`."""

    info: SourceInfo | None

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def batches(self, entity: str) -> Iterator[list[tuple[Any, ...]]]: ...


def odoo_target(settings: Settings, environment: Environment) -> OdooDbTarget:
    """The live database of ``environment``, from its DSN setting."""
    setting = settings.odoo_dsn_setting(environment)
    dsn = settings.odoo_dsn(environment)
    if dsn is None or not dsn.get_secret_value().strip():
        hint = "" if settings.allow_sync_mocks else " (ALLOW_SYNC_MOCKS=0 forces live reads)"
        raise ConfigError(
            f"{setting} is not set: set it to postgresql+psycopg://user:password@host:5432/db"
            f"{hint}, or use ALLOW_SYNC_MOCKS=1 with ODOO_SYNC_MOCK_FILE"
        )
    return OdooDbTarget(
        dsn=dsn.get_secret_value(),
        setting=setting,
        lang=settings.odoo_lang,
        connect_timeout=settings.odoo_connect_timeout,
        statement_timeout=settings.odoo_statement_timeout,
        batch_size=settings.odoo_batch_size,
    )


def open_source(settings: Settings, environment: Environment) -> SecuritySource:
    """The source :func:`~odoobridge.access.source_choice.source_kind` names: the mock file,
    Odoo's API or its database."""
    kind = source_kind(settings, environment)
    if kind == "mock":
        assert settings.odoo_sync_mock_file is not None
        return OdooMockReader(settings.odoo_sync_mock_file, settings.odoo_batch_size)
    if kind == "api":
        return OdooApiReader(api_target(settings, environment))
    return OdooDbReader(odoo_target(settings, environment))


class SourceSnapshot:
    """Every entity's rows as read, with a digest of each entity's content."""

    def __init__(self, info: SourceInfo) -> None:
        self.info = info
        self.rows: dict[str, list[tuple[Any, ...]]] = {}
        self.digests: dict[str, str] = {}


def read_snapshot(source: SecuritySource, progress: Progress) -> SourceSnapshot:
    assert source.info is not None
    snapshot = SourceSnapshot(source.info)
    for spec in ENTITIES:
        if spec.name not in source.info.entities:
            continue
        progress.phase(f"reading {spec.name}")
        rows: list[tuple[Any, ...]] = []
        digest = hashlib.blake2b(digest_size=20)
        for batch in source.batches(spec.name):
            # One line per row, whatever the batches: equal rows give equal digests from any
            # source (PostgreSQL, the API, a file).
            if batch:
                digest.update(("\n".join(map(repr, batch)) + "\n").encode())
            rows.extend(batch)
            progress.advance(len(batch))
        snapshot.rows[spec.name] = rows
        snapshot.digests[spec.name] = digest.hexdigest()
    return snapshot


def sync_odoo(
    store: Store,
    settings: Settings,
    environment: Environment,
    *,
    triggered_by: str = "cli",
    listeners: list[ProgressListener] | None = None,
    source: SecuritySource | None = None,
) -> SyncRun:
    """Run one ``odoo_postgres`` sync for ``environment``; returns the finished run."""
    source = source if source is not None else open_source(settings, environment)
    with start_run(
        store,
        SYNC_TYPE,
        environment.value,
        settings=settings,
        triggered_by=triggered_by,
        listeners=listeners,
    ) as run:
        started = time.monotonic()
        run.progress.phase("connecting")
        attach = getattr(source, "attach_progress", None)
        if attach is not None:  # a source that reads everything on entering reports its phases
            attach(run.progress)
        with source:
            snapshot = read_snapshot(source, run.progress)
        read_seconds = time.monotonic() - started
        _write(store, run, environment, snapshot, read_seconds)
    with store.session() as session:
        return get_run(session, run.id)


def _write(
    store: Store,
    run: RunHandle,
    environment: Environment,
    snapshot: SourceSnapshot,
    read_seconds: float,
) -> None:
    run.progress.phase("writing", total=len(snapshot.rows))
    started = time.monotonic()
    previous = run.previous_success
    previous_digests = previous.digests if previous is not None else {}
    stats: dict[str, Any] = {}
    with run.progress.unsaved(), store.write_session() as session:
        for spec in ENTITIES:
            rows = snapshot.rows.get(spec.name)
            if rows is None:
                continue
            if previous_digests.get(spec.name) == snapshot.digests[spec.name]:
                changes = Changes()
            else:
                changes = apply_snapshot(
                    session,
                    FACT_TABLES[spec.name],
                    fields=spec.fields,
                    key=spec.key,
                    environment=environment.value,
                    run_id=run.id,
                    previous_run_id=previous.id if previous is not None else None,
                    rows=rows,
                )
            stats[spec.name] = {"count": len(rows), **changes.as_dict()}
            run.progress.advance(1)
        stats["source"] = snapshot.info.source
        stats["odoo"] = snapshot.info.as_dict()
        stats["skipped"] = snapshot.info.skipped
        stats["absent"] = snapshot.info.absent
        stats["seconds"] = {
            "read": round(read_seconds, 3),
            "write": round(time.monotonic() - started, 3),
        }
        run.succeed(session, stats, snapshot.digests)
