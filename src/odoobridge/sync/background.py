"""Run a sync in a background thread and hand back its run id at once.

The caller learns synchronously what a person must know before walking away: the run's id, or
why it could not start (:class:`~odoobridge.errors.RunAlreadyRunning` with the running run's id,
a missing setting …). Progress then lands on the run row (``sync_runs.progress``), where the API
and pages read it; the run's outcome is recorded by :func:`odoobridge.sync.runs.start_run`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from odoobridge.logs import get_logger, kv, log_context
from odoobridge.store.engine import Store
from odoobridge.sync.models import SyncRun
from odoobridge.sync.runs import ProgressListener, ProgressState, lock_key

log = get_logger(__name__)

SyncWork = Callable[[list[ProgressListener]], Any]
_threads: list[threading.Thread] = []
_threads_lock = threading.Lock()


def start_in_background(
    store: Store,
    sync_type: str,
    environment: str | None,
    work: SyncWork,
    *,
    start_timeout: float = 60.0,
) -> int:
    """Start ``work(listeners)`` (a sync that calls ``start_run`` with those listeners) in a
    thread; return its run id once the run holds its lock, or raise why it did not start."""
    started = threading.Event()
    outcome: dict[str, Any] = {}

    def first_progress(_state: ProgressState) -> None:
        if "run_id" in outcome:
            return
        with store.session() as session:
            outcome["run_id"] = session.scalar(
                select(SyncRun.id).where(SyncRun.lock_key == lock_key(sync_type, environment))
            )
        started.set()

    def run() -> None:
        with log_context(background=True):
            try:
                work([first_progress])
            except BaseException as exc:  # recorded on the run by start_run; keep the thread quiet
                if not started.is_set():
                    outcome["error"] = exc
                    started.set()
                else:
                    log.info("background sync ended with an error", extra=kv(error=str(exc)))

    thread = threading.Thread(target=run, name=f"sync-{sync_type}-{environment}", daemon=True)
    with _threads_lock:
        _threads[:] = [t for t in _threads if t.is_alive()]
        _threads.append(thread)
    thread.start()
    if not started.wait(start_timeout):
        raise TimeoutError(f"the {sync_type} sync did not start within {start_timeout} s")
    if "error" in outcome:
        raise outcome["error"]
    run_id: int = outcome["run_id"]
    return run_id


def wait_for_background_syncs(timeout: float = 60.0) -> None:
    """Let running background syncs finish (on shutdown, and in tests)."""
    with _threads_lock:
        threads = list(_threads)
    for thread in threads:
        thread.join(timeout)
