"""Dead runs read as dead, live ones keep their lock (issue 18.13): a sync killed with -9 is
shown failed at once (and its source no longer "syncing"); a sync whose query waits on a locked
table keeps beating from its thread, past the lock timeout, and a second sync is refused."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from sqlalchemy import select, update

from odoobridge.access.sync import sync_odoo
from odoobridge.environment import Environment
from odoobridge.errors import RunAlreadyRunning
from odoobridge.settings import Settings
from odoobridge.store.base import utcnow
from odoobridge.store.engine import Store
from odoobridge.sync.models import RunStatus, SyncRun
from odoobridge.sync.runs import get_run, list_runs, start_run
from odoobridge.sync.status import SOURCES, source_status
from tests import pg
from tests.web.live import wait_until

PREPROD = SOURCES[0]


@contextmanager
def locked(db: pg.OdooDatabase, table: str = "res_groups") -> Iterator[psycopg.Connection[Any]]:
    """``table`` locked against every read until the block ends (as a long migration would)."""
    conn = db.connect()
    try:
        conn.execute("BEGIN")
        conn.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
        yield conn
    finally:
        conn.rollback()
        conn.close()


def running_run(store: Store) -> SyncRun | None:
    with store.session() as session:
        return session.scalars(
            select(SyncRun).where(SyncRun.status == RunStatus.RUNNING).order_by(SyncRun.id)
        ).first()


def heartbeat_of(store: Store, run_id: int) -> Any:
    with store.session() as session:
        return session.scalar(select(SyncRun.heartbeat_at).where(SyncRun.id == run_id))


def test_a_sync_killed_with_sigkill_reads_as_failed_at_once(
    store: Store,
    store_url: str,
    odoo18: pg.OdooDatabase,
    make_settings: Callable[..., Settings],
) -> None:
    environment = {
        **os.environ,
        "DATABASE_URL": store_url,
        "ODOO_PREPROD_DSN": odoo18.reader_dsn,
        "ODOOBRIDGE_SYNC_HEARTBEAT_TIMEOUT": "2",
    }
    with locked(odoo18):
        child = subprocess.Popen(
            [sys.executable, "-m", "odoobridge", "sync", "odoo", "--env", "preprod"],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_until(lambda: running_run(store) is not None)
            run = running_run(store)
            assert run is not None and run.pid == child.pid and run.stale_after == 2
            first = heartbeat_of(store, run.id)
            # Blocked on the locked table, the run still beats from its thread.
            wait_until(lambda: heartbeat_of(store, run.id) > first, timeout=5)
            with store.session() as session:
                assert get_run(session, run.id).status == RunStatus.RUNNING
                assert source_status(session, make_settings(), PREPROD)["status"] == "syncing"
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait()
    gone = f"interrupted: process {child.pid} on {socket.gethostname()} is gone"
    with store.session() as session:
        shown = get_run(session, run.id)
        assert (shown.status, shown.error) == (RunStatus.FAILED, gone)
        assert shown.as_dict()["status"] == "failed"
        assert list_runs(session, status=RunStatus.RUNNING) == (0, [])
        total, failed = list_runs(session, status=RunStatus.FAILED)
        assert total == 1 and failed[0].id == run.id and failed[0].error == gone
        status = source_status(session, make_settings(ODOO_PREPROD_DSN="x"), PREPROD)
        assert status["status"] == "error" and status["latest"]["error"] == gone
        # Readers never write: the row still says running until the next sync takes over.
        stored = session.scalar(select(SyncRun.status).where(SyncRun.id == run.id))
        assert stored == RunStatus.RUNNING
    settings = make_settings(ODOO_PREPROD_DSN=odoo18.reader_dsn)
    after = sync_odoo(store, settings, Environment.PREPROD)
    assert after.status == RunStatus.SUCCESS
    with store.session() as session:
        stored_run = session.get(SyncRun, run.id)
        assert stored_run is not None and (stored_run.status, stored_run.error) == ("failed", gone)


def test_a_silent_run_of_another_host_reads_as_failed_after_its_heartbeat_timeout(
    store: Store,
) -> None:
    with store.session() as session:
        for stale_after, lock in ((2, "odoo_postgres:PREPROD"), (30, "odoo_postgres:PROD")):
            session.add(
                SyncRun(
                    sync_type="odoo_postgres", environment=lock.rsplit(":")[1],
                    status=RunStatus.RUNNING, triggered_by="scheduler",
                    started_at=utcnow() - timedelta(seconds=10),
                    heartbeat_at=utcnow() - timedelta(seconds=5), lock_key=lock,
                    host="another-host", pid=1234, stale_after=stale_after,
                    stats={}, progress={}, digests={},
                )
            )  # fmt: skip
    with store.session() as session:
        silent, beating = get_run(session, 1), get_run(session, 2)
        assert silent.status == RunStatus.FAILED and beating.status == RunStatus.RUNNING
        assert silent.error is not None
        assert silent.error.startswith("interrupted: no heartbeat since")
        assert [r.id for r in list_runs(session, status=RunStatus.RUNNING)[1]] == [2]
        assert [r.id for r in list_runs(session, status=RunStatus.FAILED)[1]] == [1]


def test_a_blocked_live_run_keeps_its_lock(
    store: Store, odoo18: pg.OdooDatabase, make_settings: Callable[..., Settings]
) -> None:
    """Seen on the old code with a 10 s lock timeout and a table locked for longer: the second
    sync took the lock and both ran."""
    settings = make_settings(
        ODOO_PREPROD_DSN=odoo18.reader_dsn,
        ODOOBRIDGE_SYNC_LOCK_TIMEOUT=10,
        ODOOBRIDGE_SYNC_HEARTBEAT_TIMEOUT=4,
    )
    outcome: list[Any] = []
    with locked(odoo18):
        first = threading.Thread(
            target=lambda: outcome.append(sync_odoo(store, settings, Environment.PREPROD))
        )
        first.start()
        wait_until(lambda: running_run(store) is not None)
        held = running_run(store)
        assert held is not None
        time.sleep(11)  # past the lock timeout, the query still waiting on the lock
        with (
            pytest.raises(RunAlreadyRunning) as refused,
            start_run(store, "odoo_postgres", "PREPROD", settings=settings),
        ):
            pass
        assert refused.value.run_id == held.id
        with store.session() as session:
            assert get_run(session, held.id).status == RunStatus.RUNNING
    first.join(timeout=120)
    assert [run.status for run in outcome] == [RunStatus.SUCCESS]
    with store.session() as session:
        assert list_runs(session)[0] == 1  # the second start left no run behind


def test_the_heartbeat_goes_on_during_the_write_phase(
    store: Store, make_settings: Callable[..., Settings]
) -> None:
    settings = make_settings(ODOOBRIDGE_SYNC_HEARTBEAT_TIMEOUT=2)  # a beat every 0.5 s
    with start_run(store, "odoo_postgres", "PREPROD", settings=settings) as run:
        before = heartbeat_of(store, run.id)
        with run.progress.unsaved(), store.write_session() as session:
            session.execute(update(SyncRun).where(SyncRun.id == -1).values(error="x"))
            time.sleep(1.6)
            if store.dialect == "postgresql":  # beats from its own connection meanwhile
                assert heartbeat_of(store, run.id) > before
            with store.session() as other:  # alive either way: its process is here
                assert get_run(other, run.id).status == RunStatus.RUNNING
            run.succeed(session, {}, {})
    with store.session() as session:
        assert get_run(session, run.id).status == RunStatus.SUCCESS
