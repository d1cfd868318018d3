"""Scheduled syncs: ``ODOOBRIDGE_SCHEDULE`` run by APScheduler 3 inside ``odoobridge serve``.

The setting lists ``sync_type[:ENVIRONMENT]=cron`` entries separated by ``;`` or new lines, the
cron expression in the usual five fields, in UTC::

    ODOOBRIDGE_SCHEDULE="odoo_postgres:PREPROD=0 2 * * *; odoo_postgres:PROD=30 2 * * 1-5;
                         azure_users=0 1 * * *"

Every app process may run a scheduler: when two fire the same job, the store's run lock
(``sync_runs.lock_key``) lets one run and the other records that it skipped. Each scheduled run,
or skip, is written to the audit log with the actor ``scheduler``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from odoobridge.access.sync import sync_odoo
from odoobridge.auth.audit import Origin, record
from odoobridge.directory.sync import sync_azure
from odoobridge.environment import Environment
from odoobridge.errors import AppError, ConfigError, RunAlreadyRunning
from odoobridge.logs import get_logger, kv
from odoobridge.ops.jobs import operations_jobs
from odoobridge.settings import Settings
from odoobridge.store.engine import Store

log = get_logger(__name__)
ACTOR = "scheduler"

# sync type → (needs an environment, the function that runs it and returns the finished run)
SyncJob = Callable[[Store, Settings, str | None], Any]


def _odoo_job(store: Store, settings: Settings, environment: str | None) -> Any:
    assert environment is not None
    return sync_odoo(store, settings, Environment(environment), triggered_by=ACTOR)


def _entra_job(store: Store, settings: Settings, environment: str | None) -> Any:
    return sync_azure(store, settings, triggered_by=ACTOR)


JOBS: dict[str, tuple[bool, SyncJob]] = {
    "odoo_postgres": (True, _odoo_job),
    "azure_users": (False, _entra_job),
}


@dataclass(frozen=True)
class ScheduledSync:
    sync_type: str
    environment: str | None
    cron: str

    @property
    def job_id(self) -> str:
        return f"{self.sync_type}:{self.environment or '-'}"

    def trigger(self) -> CronTrigger:
        return CronTrigger.from_crontab(self.cron, timezone="UTC")


def parse_schedule(text: str) -> list[ScheduledSync]:
    """The entries of ``ODOOBRIDGE_SCHEDULE``; a malformed one raises ConfigError naming it."""
    entries: list[ScheduledSync] = []
    known = ", ".join(sorted(JOBS))
    for raw in text.replace("\n", ";").split(";"):
        item = raw.strip()
        if not item:
            continue
        target, equals, cron = item.partition("=")
        sync_type, _, env = target.strip().partition(":")
        sync_type = sync_type.strip()
        if not equals or not cron.strip():
            raise ConfigError(f"ODOOBRIDGE_SCHEDULE entry {item!r}: write sync_type[:ENV]=cron")
        if sync_type not in JOBS:
            raise ConfigError(
                f"ODOOBRIDGE_SCHEDULE entry {item!r}: unknown sync type "
                f"{sync_type!r} (known: {known})"
            )
        needs_env, _job = JOBS[sync_type]
        environment = Environment.parse(env).value if env.strip() else None
        if needs_env and environment is None:
            raise ConfigError(
                f"ODOOBRIDGE_SCHEDULE entry {item!r}: name the environment, "
                f"e.g. {sync_type}:PREPROD=…"
            )
        entry = ScheduledSync(sync_type, environment, " ".join(cron.split()))
        try:
            entry.trigger()
        except ValueError as exc:
            raise ConfigError(
                f"ODOOBRIDGE_SCHEDULE entry {item!r}: bad cron expression "
                f"({exc}); use five fields, e.g. 0 2 * * *"
            ) from None
        if any(e.job_id == entry.job_id for e in entries):
            raise ConfigError(f"ODOOBRIDGE_SCHEDULE names {entry.job_id} twice")
        entries.append(entry)
    return entries


def run_scheduled(store: Store, settings: Settings, entry: ScheduledSync) -> dict[str, Any]:
    """Run one scheduled sync now; a run already going (here or in another process) is skipped."""
    _needs_env, job = JOBS[entry.sync_type]
    outcome: dict[str, Any]
    try:
        run = job(store, settings, entry.environment)
        outcome = {"run_id": run.id, "status": run.status}
    except RunAlreadyRunning as exc:
        outcome = {"skipped": f"already running (run {exc.run_id})", "run_id": exc.run_id}
        log.info("scheduled sync skipped", extra=kv(job=entry.job_id, running=exc.run_id))
    except AppError as exc:
        outcome = {"status": "failed", "error": exc.message}
        log.warning("scheduled sync failed", extra=kv(job=entry.job_id, error=exc.message))
    except Exception as exc:  # a bug: keep the scheduler alive, the run row says what failed
        outcome = {"status": "failed", "error": f"{type(exc).__name__}"}
        log.exception("scheduled sync crashed", extra=kv(job=entry.job_id))
    with store.session() as session:
        record(
            session,
            actor=ACTOR,
            action="scheduled_sync",
            target=entry.job_id,
            detail={"cron": entry.cron, **outcome},
            origin=Origin(user_agent="scheduler"),
        )
    return outcome


def start_scheduler(store: Store, settings: Settings) -> BackgroundScheduler | None:
    """A running scheduler with one job per entry (and the operations' jobs: alert evaluation,
    scheduled backups), or None when nothing is scheduled."""
    entries = parse_schedule(settings.schedule)
    extra = operations_jobs(store, settings)
    if not entries and not extra:
        return None
    scheduler = BackgroundScheduler(timezone="UTC")
    for job in extra:  # each holds the store's run lock while it works
        scheduler.add_job(
            job.run,
            job.trigger,
            id=job.id,
            name=job.id,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=300,
        )
    for entry in entries:
        scheduler.add_job(
            run_scheduled,
            entry.trigger(),
            args=(store, settings, entry),
            id=entry.job_id,
            name=entry.job_id,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=300,
        )
    scheduler.start()
    jobs = [*(e.job_id for e in entries), *(job.id for job in extra)]
    log.info("scheduler started", extra=kv(jobs=",".join(jobs)))
    return scheduler
