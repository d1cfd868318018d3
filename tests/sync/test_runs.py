"""The run lifecycle: one run per (type, environment) across processes, abandoned locks, failure
recording and progress."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import update

from odoobridge.errors import ConfigError, RunAlreadyRunning
from odoobridge.settings import Settings
from odoobridge.store.base import utcnow
from odoobridge.store.engine import Store
from odoobridge.sync.liveness import dead_reason
from odoobridge.sync.models import RunStatus, SyncRun
from odoobridge.sync.runs import ProgressState, get_run, list_runs, start_run


def _holder_script(store_url: str) -> str:
    return textwrap.dedent(
        f"""
        import sys, time
        from odoobridge.store.engine import Store
        from odoobridge.sync.runs import acquire_run
        run_id = acquire_run(Store({store_url!r}), "odoo_postgres", "PREPROD",
                             triggered_by="other-process", lock_timeout=600)
        print(run_id, flush=True)
        time.sleep(600)
        """
    )


def test_second_start_is_refused_across_processes(
    store: Store, store_url: str, make_settings: Callable[..., Settings]
) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", _holder_script(store_url)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        held_id = int(holder.stdout.readline())
        with (
            pytest.raises(RunAlreadyRunning) as caught,
            start_run(store, "odoo_postgres", "PREPROD", settings=make_settings()),
        ):
            pass
        assert caught.value.run_id == held_id
        assert str(caught.value) == (
            f"the odoo_postgres sync for PREPROD is already running (run {held_id})"
        )
        assert caught.value.status == 409
        # Another environment is not blocked.
        with (
            start_run(store, "odoo_postgres", "PROD", settings=make_settings()) as run,
            store.write_session() as session,
        ):
            run.succeed(session, {}, {})
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()
    # The holder died without finishing: its lock is taken over and its run marked failed.
    with (
        start_run(store, "odoo_postgres", "PREPROD", settings=make_settings()) as run,
        store.write_session() as session,
    ):
        run.succeed(session, {}, {})
    with store.session() as session:
        abandoned = get_run(session, held_id)
        assert abandoned.status == RunStatus.FAILED
        assert (
            abandoned.error
            == f"interrupted: process {holder.pid} on {socket.gethostname()} is gone"
        )
        assert get_run(session, run.id).status == RunStatus.SUCCESS


def test_a_silent_run_elsewhere_is_taken_over_after_the_timeout(
    store: Store, make_settings: Callable[..., Settings]
) -> None:
    settings = make_settings(ODOOBRIDGE_SYNC_LOCK_TIMEOUT=60)
    with store.session() as session:
        ghost = SyncRun(
            sync_type="odoo_postgres",
            environment="PREPROD",
            status=RunStatus.RUNNING,
            triggered_by="scheduler",
            started_at=utcnow() - timedelta(minutes=30),
            heartbeat_at=utcnow() - timedelta(minutes=5),
            lock_key="odoo_postgres:PREPROD",
            host="another-host",
            pid=1234,
            stats={},
            progress={},
            digests={},
        )
        session.add(ghost)
    with (
        start_run(store, "odoo_postgres", "PREPROD", settings=settings) as run,
        store.write_session() as session,
    ):
        run.succeed(session, {}, {})
    with store.session() as session:
        assert get_run(session, ghost.id).error is not None
        assert get_run(session, ghost.id).error.startswith("interrupted: no heartbeat since")  # type: ignore[union-attr]


def test_a_live_run_elsewhere_is_respected(
    store: Store, make_settings: Callable[..., Settings]
) -> None:
    with store.session() as session:
        session.add(
            SyncRun(
                sync_type="odoo_postgres",
                environment="PREPROD",
                status=RunStatus.RUNNING,
                triggered_by="scheduler",
                started_at=utcnow(),
                heartbeat_at=utcnow(),
                lock_key="odoo_postgres:PREPROD",
                host="another-host",
                pid=1234,
                stats={},
                progress={},
                digests={},
            )
        )
    with (
        pytest.raises(RunAlreadyRunning),
        start_run(store, "odoo_postgres", "PREPROD", settings=make_settings()),
    ):
        pass


def test_an_error_marks_the_run_failed_with_a_redacted_message(
    store: Store, make_settings: Callable[..., Settings]
) -> None:
    settings = make_settings(ODOO_PROD_DSN="postgresql+psycopg://u:Hunter2-Secret@db:5432/odoo")
    with pytest.raises(ConfigError), start_run(store, "odoo_postgres", "PROD", settings=settings):
        raise ConfigError("cannot use Hunter2-Secret at postgresql://u:Hunter2-Secret@db/odoo")
    with store.session() as session:
        _, runs = list_runs(session)
    assert runs[0].status == RunStatus.FAILED
    assert runs[0].error == "cannot use *** at postgresql://u:***@db/odoo"
    assert runs[0].lock_key is None


def test_interrupt_is_recorded(store: Store, make_settings: Callable[..., Settings]) -> None:
    with (
        pytest.raises(KeyboardInterrupt),
        start_run(store, "odoo_postgres", "PREPROD", settings=make_settings()),
    ):
        raise KeyboardInterrupt
    with store.session() as session:
        _, runs = list_runs(session)
    assert (runs[0].status, runs[0].error) == (RunStatus.FAILED, "interrupted")


def test_a_block_that_never_succeeds_is_a_failed_run(
    store: Store, make_settings: Callable[..., Settings]
) -> None:
    with (
        pytest.raises(RuntimeError, match="without calling succeed"),
        start_run(store, "odoo_postgres", "PREPROD", settings=make_settings()),
    ):
        pass
    with store.session() as session:
        _, runs = list_runs(session)
    assert runs[0].status == RunStatus.FAILED


def test_progress_reaches_listeners_and_the_run_row(
    store: Store, make_settings: Callable[..., Settings]
) -> None:
    seen: list[tuple[str, int]] = []

    def listen(state: ProgressState) -> None:
        seen.append((state.phase, state.done))

    with start_run(
        store, "odoo_postgres", "PREPROD", settings=make_settings(), listeners=[listen]
    ) as run:
        run.progress.phase("reading groups")
        run.progress.advance(40)
        run.progress.persist_interval = 0
        run.progress.advance(2)
        with store.session() as session:
            saved = get_run(session, run.id)
            assert saved.progress == {"phase": "reading groups", "done": 42, "total": None}
            assert saved.heartbeat_at is not None
        with run.progress.unsaved(), store.write_session() as session:
            run.progress.phase("writing", total=3)  # must not wait for the write lock
            run.succeed(session, {"groups": {"count": 1}}, {"groups": "abc"})
    assert ("reading groups", 42) in seen and ("writing", 0) in seen
    with store.session() as session:
        done = get_run(session, run.id)
    assert done.status == RunStatus.SUCCESS
    assert done.stats == {"groups": {"count": 1}}
    assert done.digests == {"groups": "abc"}
    assert done.completed_at is not None and done.completed_at >= done.started_at


def test_list_runs_filters_and_pages(store: Store, make_settings: Callable[..., Settings]) -> None:
    for environment in ("PREPROD", "PROD", "PREPROD"):
        with (
            start_run(store, "odoo_postgres", environment, settings=make_settings()) as run,
            store.write_session() as session,
        ):
            run.succeed(session, {}, {})
    with store.session() as session:
        total, runs = list_runs(session, environment="PREPROD", limit=1)
        assert total == 2 and len(runs) == 1 and runs[0].id == 3
        total, runs = list_runs(session, sync_type="azure_users")
        assert total == 0 and runs == []
        session.execute(update(SyncRun).where(SyncRun.id == 1).values(status=RunStatus.FAILED))
        total, _ = list_runs(session, status=RunStatus.FAILED)
        assert total == 1


def test_pid_check_ignores_our_own_process() -> None:
    run = SyncRun(host=socket.gethostname(), pid=os.getpid(), status=RunStatus.RUNNING,
                  started_at=utcnow() - timedelta(hours=1))  # fmt: skip
    assert dead_reason(run) is None  # our own process lives, however silent
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    gone = SyncRun(host=socket.gethostname(), pid=dead.pid, status=RunStatus.RUNNING,
                   started_at=utcnow())  # fmt: skip
    assert dead_reason(gone) == f"interrupted: process {dead.pid} on {socket.gethostname()} is gone"
    elsewhere = SyncRun(host="elsewhere", pid=dead.pid, status=RunStatus.RUNNING,
                        started_at=utcnow(), heartbeat_at=utcnow())  # fmt: skip
    assert dead_reason(elsewhere) is None
