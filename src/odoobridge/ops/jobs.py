"""Operations as jobs: alert evaluation and scheduled backups, each under the store's run lock
(``sync_runs.lock_key``, the lock scheduled syncs use), so two processes never run one twice.

- ``run_alerts``: an ``alerts`` run holds the lock while :func:`evaluate_alerts` runs in one
  write transaction. A quiet evaluation leaves no trace in the run history (its run row is
  deleted with the same commit); one that sent or failed to send something stays as a run with
  its counts; one that crashed stays as a failed run with the error.
- ``run_scheduled_backup``: a ``backup`` run writes ``odoobridge-YYYYmmddTHHMMSSZ.obk`` into
  the backup folder (its own, still running, run row is left out of the snapshot) and then keeps
  the newest ``ODOOBRIDGE_BACKUP_KEEP`` of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, update

from odoobridge.auth.audit import Origin, record
from odoobridge.errors import AppError, ConfigError, RunAlreadyRunning
from odoobridge.logs import get_logger, kv
from odoobridge.ops.alert_config import alerting_configured
from odoobridge.ops.alerts import AlertReport, evaluate_alerts
from odoobridge.ops.backup import Listener, Manifest, write_backup
from odoobridge.ops.restore import RestoreReport, restore_backup
from odoobridge.settings import Settings
from odoobridge.store.base import utcnow
from odoobridge.store.engine import Store, normalise_url
from odoobridge.sync.models import RunStatus, SyncRun
from odoobridge.sync.runs import acquire_run, describe_error, fail_run, get_run, start_run

log = get_logger(__name__)
ALERTS_RUN = "alerts"
BACKUP_RUN = "backup"
BACKUP_NAME = re.compile(r"^odoobridge-\d{8}T\d{6}Z\.obk$")


def run_alerts(
    store: Store, settings: Settings, *, now: datetime | None = None, triggered_by: str = "cli"
) -> AlertReport:
    """Evaluate the alert rules under the ``alerts`` lock (RunAlreadyRunning if held)."""
    run_id = acquire_run(
        store, ALERTS_RUN, None, triggered_by=triggered_by, lock_timeout=settings.sync_lock_timeout
    )
    try:
        with store.write_session() as session:
            report = evaluate_alerts(session, settings, now)
            if report.notifications:
                stats = {
                    "sent": report.sent,
                    "failed": len(report.failures),
                    "active": len(report.active),
                }
                session.execute(
                    update(SyncRun)
                    .where(SyncRun.id == run_id)
                    .values(
                        status=RunStatus.SUCCESS, completed_at=utcnow(), lock_key=None, stats=stats
                    )
                )
            else:
                session.execute(delete(SyncRun).where(SyncRun.id == run_id))
    except BaseException as exc:
        fail_run(store, run_id, describe_error(exc, settings.secret_values()))
        raise
    return report


def backup_name(moment: datetime) -> str:
    return f"odoobridge-{moment:%Y%m%dT%H%M%SZ}.obk"


def prune_backups(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` scheduled backups in ``folder``; returns the deleted."""
    found = sorted(p for p in folder.glob("odoobridge-*.obk") if BACKUP_NAME.match(p.name))
    doomed = found[: max(len(found) - keep, 0)]
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed


def run_scheduled_backup(
    store: Store, settings: Settings, *, triggered_by: str = "scheduler"
) -> SyncRun:
    """One scheduled backup as a ``backup`` run: written, then the oldest pruned."""
    folder = settings.backup_folder.expanduser()
    with start_run(store, BACKUP_RUN, None, settings=settings, triggered_by=triggered_by) as run:
        path = folder / backup_name(utcnow())
        manifest = write_backup(store.engine, path, exclude_run_id=run.id)
        removed = prune_backups(folder, settings.backup_keep)
        stats = {
            "file": str(path),
            "bytes": path.stat().st_size,
            "tables": len(manifest.tables),
            "rows": manifest.total_rows,
            "pruned": [p.name for p in removed],
        }
        with store.session() as session:
            run.succeed(session, stats, {})
    with store.session() as session:
        return get_run(session, run.id)


def migrate_store(
    store: Store,
    settings: Settings,
    target_url: str,
    *,
    force: bool = False,
    listener: Listener | None = None,
) -> tuple[Manifest, RestoreReport]:
    """Copy the whole store into ``target_url``: a backup (in the data folder) restored there,
    verified table by table; the backup file is removed afterwards."""
    if normalise_url(target_url) == store.url:
        raise ConfigError("the target is the store itself: give another database URL")
    folder = settings.data_dir.expanduser()
    path = folder / f".store-migrate-{utcnow():%Y%m%dT%H%M%S}.obk"
    try:
        manifest = write_backup(store.engine, path, listener=listener)
        report = restore_backup(path, target_url, force=force, listener=listener)
    finally:
        path.unlink(missing_ok=True)
    return manifest, report


# --- the scheduler's jobs ------------------------------------------------------------------------


@dataclass(frozen=True)
class OpsJob:
    id: str
    trigger: Any  # an APScheduler trigger
    run: Callable[[], Any]


def _guarded(job_id: str, work: Callable[[], Any]) -> Callable[[], None]:
    """A job body that logs what went wrong instead of raising into the scheduler."""

    def run() -> None:
        try:
            work()
        except RunAlreadyRunning as exc:
            log.info("scheduled job skipped", extra=kv(job=job_id, running=exc.run_id))
        except AppError as exc:
            log.warning("scheduled job failed", extra=kv(job=job_id, error=exc.message))
        except Exception:  # a bug: keep the scheduler alive; the run row says what failed
            log.exception("scheduled job crashed", extra=kv(job=job_id))

    return run


def operations_jobs(store: Store, settings: Settings) -> list[OpsJob]:
    """The jobs ``serve``'s scheduler adds: alert evaluation every few minutes when a rule may
    send, and backups on ``ODOOBRIDGE_BACKUP_SCHEDULE``."""
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    jobs: list[OpsJob] = []
    if alerting_configured(settings):
        every = IntervalTrigger(minutes=settings.alerts_interval_minutes, timezone="UTC")
        work = lambda: run_alerts(store, settings, triggered_by="scheduler")  # noqa: E731
        jobs.append(OpsJob("ops:alerts", every, _guarded("ops:alerts", work)))
    if settings.backup_schedule:
        cron = CronTrigger.from_crontab(settings.backup_schedule, timezone="UTC")
        backup = lambda: _recorded_backup(store, settings)  # noqa: E731
        jobs.append(OpsJob("ops:backup", cron, _guarded("ops:backup", backup)))
    return jobs


def _recorded_backup(store: Store, settings: Settings) -> SyncRun:
    """A scheduled backup, written to the audit log like scheduled syncs (even when it fails)."""
    outcome: dict[str, Any] = {"status": "failed", "error": "internal error (see the log)"}
    try:
        run = run_scheduled_backup(store, settings)
        outcome = {"run_id": run.id, "status": run.status, "file": run.stats.get("file")}
        return run
    except RunAlreadyRunning as exc:
        outcome = {"skipped": f"already running (run {exc.run_id})", "run_id": exc.run_id}
        raise
    except AppError as exc:
        outcome = {"status": "failed", "error": exc.message}
        raise
    finally:
        with store.session() as session:
            record(
                session,
                actor="scheduler",
                action="scheduled_backup",
                target=BACKUP_RUN,
                detail={"cron": settings.backup_schedule, **outcome},
                origin=Origin(user_agent="scheduler"),
            )
