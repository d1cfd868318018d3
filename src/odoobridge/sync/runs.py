"""The life of a sync run, shared by every source.

    with start_run(store, "odoo_postgres", "PREPROD", settings=settings) as run:
        run.progress.phase("reading groups", total=None)
        ...                                     # read the source (no store writes)
        with store.write_session() as session:  # one transaction for all facts
            ...                                 # apply the snapshot
            run.succeed(session, stats, digests)

- Starting a run inserts a ``sync_runs`` row holding the lock key ``sync_type:environment``; the
  UNIQUE constraint on ``lock_key`` makes a second start fail across processes, answered with
  :class:`RunAlreadyRunning`.
- While the block runs, a thread stamps the run's heartbeat (:mod:`odoobridge.sync.liveness`),
  also while a query waits and, on PostgreSQL, during the write phase. A run that liveness calls
  dead — its process gone from this host, or silent past ``ODOOBRIDGE_SYNC_HEARTBEAT_TIMEOUT``
  without a process seen alive here — is shown failed by every reader (``get_run``,
  ``list_runs``) and its lock is taken over by the next start, which marks it failed; a live
  process's run loses its lock only after ``ODOOBRIDGE_SYNC_LOCK_TIMEOUT`` of silence.
- ``succeed`` marks the run successful inside the caller's data transaction, so facts and status
  commit together. Any exception leaving the block (including Ctrl-C) rolls the data back and marks
  the run failed with its error in a transaction of its own.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from odoobridge.errors import AppError, NotFound, RunAlreadyRunning
from odoobridge.logs import get_logger, kv, log_context
from odoobridge.redact import redact
from odoobridge.settings import Settings
from odoobridge.store.base import utcnow
from odoobridge.store.engine import Store
from odoobridge.sync.liveness import Heartbeat, dead_reason, shown
from odoobridge.sync.models import RunStatus, SyncRun

log = get_logger(__name__)


@dataclass
class ProgressState:
    phase: str = "starting"
    done: int = 0
    total: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"phase": self.phase, "done": self.done, "total": self.total}


ProgressListener = Callable[[ProgressState], None]


@dataclass
class Progress:
    """Phase and row counts of a running sync, pushed to listeners (a progress bar) and saved
    on the run row at most every ``persist_interval`` seconds, from a connection of its own."""

    store: Store
    run_id: int
    listeners: list[ProgressListener] = field(default_factory=list)
    persist_interval: float = 1.0
    state: ProgressState = field(default_factory=ProgressState)
    _persisting: bool = True
    _last_saved: float = 0.0

    @property
    def persisting(self) -> bool:
        """False inside :meth:`unsaved` (the data transaction holds the store's write lock)."""
        return self._persisting

    def phase(self, name: str, total: int | None = None) -> None:
        self.state = ProgressState(phase=name, done=0, total=total)
        self._emit(force=True)

    def advance(self, rows: int) -> None:
        self.state.done += rows
        self._emit(force=False)

    @contextmanager
    def unsaved(self) -> Iterator[None]:
        """Keep progress in memory only: the store's write lock is held by the data transaction."""
        self._persisting = False
        try:
            yield
        finally:
            self._persisting = True

    def _emit(self, *, force: bool) -> None:
        for listener in self.listeners:
            listener(self.state)
        now = time.monotonic()
        if self._persisting and (force or now - self._last_saved >= self.persist_interval):
            self._last_saved = now
            with self.store.session() as session:
                session.execute(
                    update(SyncRun)
                    .where(SyncRun.id == self.run_id)
                    .values(progress=self.state.as_dict(), heartbeat_at=utcnow())
                )


@dataclass
class RunHandle:
    id: int
    sync_type: str
    environment: str | None
    previous_success: SyncRun | None
    progress: Progress
    succeeded: bool = False

    def succeed(self, session: Session, stats: dict[str, Any], digests: dict[str, str]) -> None:
        """Mark the run successful inside the data transaction ``session``."""
        session.execute(
            update(SyncRun)
            .where(SyncRun.id == self.id)
            .values(
                status=RunStatus.SUCCESS,
                completed_at=utcnow(),
                lock_key=None,
                stats=stats,
                digests=digests,
                progress={"phase": "done", "done": self.progress.state.done, "total": None},
            )
        )
        self.succeeded = True


def lock_key(sync_type: str, environment: str | None) -> str:
    return f"{sync_type}:{environment or '-'}"


def _insert_run(
    store: Store, sync_type: str, environment: str | None, triggered_by: str, stale_after: int
) -> int:
    with store.session() as session:
        run = SyncRun(
            sync_type=sync_type,
            environment=environment,
            status=RunStatus.RUNNING,
            triggered_by=triggered_by,
            started_at=utcnow(),
            heartbeat_at=utcnow(),
            lock_key=lock_key(sync_type, environment),
            host=socket.gethostname(),
            pid=os.getpid(),
            stale_after=stale_after,
            stats={},
            progress=ProgressState().as_dict(),
            digests={},
        )
        session.add(run)
        session.flush()
        return run.id


def acquire_run(
    store: Store,
    sync_type: str,
    environment: str | None,
    *,
    triggered_by: str,
    lock_timeout: int,
    stale_after: int = 60,
) -> int:
    """Insert a running run, taking the (type, environment) lock (a dead run's lock is taken
    over)."""
    for _attempt in range(2):
        try:
            return _insert_run(store, sync_type, environment, triggered_by, stale_after)
        except IntegrityError:
            with store.session() as session:
                holder = session.scalars(
                    select(SyncRun).where(SyncRun.lock_key == lock_key(sync_type, environment))
                ).first()
                if holder is None:
                    continue  # finished between our insert and this look-up
                reason = dead_reason(holder, lock_timeout=lock_timeout)
                if reason is None:
                    raise RunAlreadyRunning(holder.id, sync_type, environment) from None
                log.warning("reclaiming sync lock", extra=kv(run_id=holder.id, reason=reason))
                _mark_failed(session, holder.id, reason)
    raise RunAlreadyRunning(-1, sync_type, environment)


def _mark_failed(session: Session, run_id: int, error: str) -> None:
    session.execute(
        update(SyncRun)
        .where(SyncRun.id == run_id)
        .values(status=RunStatus.FAILED, completed_at=utcnow(), lock_key=None, error=error)
    )


def fail_run(store: Store, run_id: int, error: str) -> None:
    with store.session() as session:
        _mark_failed(session, run_id, error)


def describe_error(exc: BaseException, secrets: list[str]) -> str:
    if isinstance(exc, AppError):
        text = exc.message
    elif isinstance(exc, KeyboardInterrupt):
        text = "interrupted"
    else:
        text = f"internal error: {type(exc).__name__}: {exc}"
    return redact(text, secrets)


@contextmanager
def start_run(
    store: Store,
    sync_type: str,
    environment: str | None,
    *,
    settings: Settings,
    triggered_by: str = "cli",
    listeners: list[ProgressListener] | None = None,
) -> Iterator[RunHandle]:
    """Run a sync under the lock; see the module docstring for the contract."""
    run_id = acquire_run(
        store,
        sync_type,
        environment,
        triggered_by=triggered_by,
        lock_timeout=settings.sync_lock_timeout,
        stale_after=settings.sync_heartbeat_timeout,
    )
    with store.session() as session:
        previous = latest_success(session, sync_type, environment)
    handle = RunHandle(
        id=run_id,
        sync_type=sync_type,
        environment=environment,
        previous_success=previous,
        progress=Progress(store, run_id, listeners=list(listeners or [])),
    )
    started = time.monotonic()
    progress = handle.progress
    heartbeat = Heartbeat(
        store,
        run_id,
        interval=min(settings.sync_heartbeat_timeout, settings.sync_lock_timeout) / 4,
        may_write=lambda: store.dialect != "sqlite" or progress.persisting,
    )
    with log_context(run_id=run_id, sync_type=sync_type, environment=environment or "-"):
        log.info("sync started", extra=kv(triggered_by=triggered_by))
        heartbeat.start()
        try:
            try:
                yield handle
            finally:
                heartbeat.stop()
        except BaseException as exc:
            error = describe_error(exc, settings.secret_values())
            fail_run(store, run_id, error)
            if isinstance(exc, AppError | KeyboardInterrupt):
                # Expected failures: the boundary tells the user; the log keeps the record.
                log.info("sync failed", extra=kv(error=error))
            else:
                log.error("sync failed", extra=kv(error=error), exc_info=exc)
            raise
        if not handle.succeeded:
            fail_run(store, run_id, "internal error: the run ended without a result")
            raise RuntimeError("sync block ended without calling succeed()")
        log.info("sync finished", extra=kv(seconds=round(time.monotonic() - started, 3)))


# --- queries -------------------------------------------------------------------------------------


def latest_success(session: Session, sync_type: str, environment: str | None) -> SyncRun | None:
    query = select(SyncRun).where(
        SyncRun.sync_type == sync_type, SyncRun.status == RunStatus.SUCCESS
    )
    query = query.where(
        SyncRun.environment.is_(None) if environment is None else SyncRun.environment == environment
    )
    return session.scalars(query.order_by(SyncRun.id.desc()).limit(1)).first()


def get_run(session: Session, run_id: int) -> SyncRun:
    """The run as readers see it: a dead run shows as failed (:func:`liveness.shown`)."""
    run = session.get(SyncRun, run_id)
    if run is None:
        raise NotFound(f"there is no sync run {run_id}: `odoobridge runs` lists them")
    return shown(run)


def list_runs(
    session: Session,
    *,
    sync_type: str | None = None,
    environment: str | None = None,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[SyncRun]]:
    """The runs, newest first, and how many match in all; a dead run counts and shows as failed."""
    query = select(SyncRun)
    if sync_type:
        query = query.where(SyncRun.sync_type == sync_type)
    if environment:
        query = query.where(SyncRun.environment == environment)
    if status in (RunStatus.RUNNING, RunStatus.FAILED):
        running = session.scalars(query.where(SyncRun.status == RunStatus.RUNNING)).all()
        dead = [r.id for r in running if dead_reason(r) is not None]
        if status == RunStatus.RUNNING:
            query = query.where(SyncRun.status == status, SyncRun.id.not_in(dead))
        else:
            query = query.where(or_(SyncRun.status == status, SyncRun.id.in_(dead)))
    elif status:
        query = query.where(SyncRun.status == status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    runs = session.scalars(query.order_by(SyncRun.id.desc()).limit(limit).offset(offset)).all()
    return total, [shown(run) for run in runs]
