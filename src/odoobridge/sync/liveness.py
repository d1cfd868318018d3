"""Is a running sync alive? Heartbeats from a thread, and the one rule every reader applies.

A run beats (``heartbeat_at = now``) from a thread of its own every quarter of its
``stale_after`` (``ODOOBRIDGE_SYNC_HEARTBEAT_TIMEOUT``, stored on the run row), from a connection
of its own — so it keeps beating while its query waits on a lock and during the write phase. On
SQLite the write phase holds the only write lock, so there the beats pause until it ends.

A run marked ``running`` is **dead** when:

1. its process is gone on this host (same host name, the pid no longer exists) — at once; or
2. its last heartbeat is older than ``stale_after`` and its process is not seen alive on this
   host (another host's run, or a pid we cannot check).

A run whose process is alive here is alive (a long SQLite write phase beats nothing, a blocked
query beats from its thread); only taking over its lock also accepts a heartbeat older than
``ODOOBRIDGE_SYNC_LOCK_TIMEOUT`` as the end of it (a hung process, a reused pid).

Readers never write: :func:`shown` gives a dead run as ``failed`` with the reason as its error
("interrupted: …"); the next start of the same sync marks it failed in the store.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import inspect, update

from odoobridge.logs import get_logger
from odoobridge.store.base import utcnow
from odoobridge.store.engine import Store
from odoobridge.sync.models import RunStatus, SyncRun

log = get_logger(__name__)
DEFAULT_STALE_AFTER = 60  # runs from before the column existed


def _process_alive(run: SyncRun) -> bool | None:
    """True/False for a run of this host whose pid can be checked; None when we cannot tell."""
    if run.host != socket.gethostname() or run.pid is None:
        return None
    if run.pid == os.getpid():
        return True
    try:
        os.kill(run.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return True


def dead_reason(run: SyncRun, *, lock_timeout: int | None = None) -> str | None:
    """Why the running ``run`` is dead, or None while it lives (see the module docstring).
    ``lock_timeout``: also count a live process silent that long as dead (lock takeover)."""
    if run.status != RunStatus.RUNNING:
        return None
    alive = _process_alive(run)
    if alive is False:
        return f"interrupted: process {run.pid} on {run.host} is gone"
    last_sign = run.heartbeat_at or run.started_at
    silent = utcnow() - last_sign
    since = last_sign.isoformat(timespec="seconds")
    if alive is None and silent > timedelta(seconds=run.stale_after or DEFAULT_STALE_AFTER):
        return f"interrupted: no heartbeat since {since}"
    if lock_timeout is not None and silent > timedelta(seconds=lock_timeout):
        return f"interrupted: no heartbeat since {since} (process {run.pid} hangs)"
    return None


def shown(run: SyncRun) -> SyncRun:
    """``run`` as readers show it: a dead run as a detached copy marked failed with its reason
    (the stored row is not touched); any other run as it is."""
    reason = dead_reason(run)
    if reason is None:
        return run
    columns = {c.key: getattr(run, c.key) for c in inspect(SyncRun).column_attrs}
    columns.update(status=RunStatus.FAILED, error=reason, lock_key=None)
    return SyncRun(**columns)


class Heartbeat:
    """Stamps ``heartbeat_at`` on the run row every ``interval`` seconds until stopped; a beat
    that fails (the store busy) is logged and the next one tried. ``may_write()`` false skips a
    beat (SQLite's write phase)."""

    def __init__(
        self, store: Store, run_id: int, interval: float, may_write: Callable[[], bool]
    ) -> None:
        self.store, self.run_id, self.interval, self.may_write = store, run_id, interval, may_write
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"sync-heartbeat-{run_id}", daemon=True
        )

    def start(self) -> Heartbeat:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def beat(self) -> None:
        with self.store.write_session() as session:
            session.execute(
                update(SyncRun)
                .where(SyncRun.id == self.run_id, SyncRun.status == RunStatus.RUNNING)
                .values(heartbeat_at=utcnow())
            )

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            if not self.may_write():
                continue
            try:
                self.beat()
            except Exception as exc:  # the next beat tries again; the run itself goes on
                log.warning("sync heartbeat failed: %s", type(exc).__name__)
