"""The operations' jobs under the store's run lock: alert evaluation (quiet ones leave no
run), scheduled backups with retention, and both inside serve's scheduler."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from odoobridge.errors import ConfigError, RunAlreadyRunning
from odoobridge.ops.backup import Manifest
from odoobridge.ops.jobs import (
    ALERTS_RUN,
    backup_name,
    operations_jobs,
    prune_backups,
    run_alerts,
    run_scheduled_backup,
)
from odoobridge.ops.restore import verify_backup
from odoobridge.settings import Settings
from odoobridge.store.engine import Store
from odoobridge.sync.models import SyncRun
from odoobridge.sync.runs import acquire_run
from odoobridge.sync.scheduler import start_scheduler
from tests.fakes.mail_and_hooks import WebhookReceiver
from tests.ops.alerting import alert_settings, audit, failed_prod_sync, only

Make = Callable[..., Settings]


def runs_of(store: Store, sync_type: str) -> list[SyncRun]:
    with store.session() as session:
        query = select(SyncRun).where(SyncRun.sync_type == sync_type).order_by(SyncRun.id)
        return list(session.scalars(query))


def test_alert_runs_hold_the_lock_and_leave_a_trace_only_when_they_sent(
    store: Store, make_settings: Make, receiver: WebhookReceiver, tmp_path: Path
) -> None:
    settings = alert_settings(
        make_settings, receiver, ODOOBRIDGE_ALERTS_FILE=only(tmp_path, "sync_failed")
    )
    assert run_alerts(store, settings).notifications == []
    assert runs_of(store, ALERTS_RUN) == []  # a quiet evaluation: no run kept

    failed_prod_sync(store, settings)
    report = run_alerts(store, settings, triggered_by="cli:ops")
    assert report.sent == 1
    [run] = runs_of(store, ALERTS_RUN)
    assert (run.status, run.triggered_by, run.lock_key) == ("success", "cli:ops", None)
    assert run.stats == {"sent": 1, "failed": 0, "active": 1}

    held = acquire_run(store, ALERTS_RUN, None, triggered_by="another process", lock_timeout=600)
    with pytest.raises(
        RunAlreadyRunning, match=f"the alerts sync is already running \\(run {held}\\)"
    ):
        run_alerts(store, settings)


def test_an_alert_run_that_fails_is_kept_with_its_error(
    store: Store, make_settings: Make, tmp_path: Path
) -> None:
    broken = tmp_path / "alerts.yaml"
    broken.write_text("rules:\n  sync_failed: {channels: [pager]}\n")
    settings = make_settings(ODOOBRIDGE_ALERTS_FILE=broken)
    with pytest.raises(ConfigError):
        run_alerts(store, settings)
    [run] = runs_of(store, ALERTS_RUN)
    assert run.status == "failed" and run.lock_key is None
    assert run.error is not None and "the channel 'pager', which is not configured" in run.error


def test_scheduled_backups_are_runs_and_keep_the_newest(
    store: Store, make_settings: Make, tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    for day in (1, 2, 3):  # earlier scheduled backups, and a file of someone else's
        (folder / backup_name(datetime(2026, 11, day, 3, tzinfo=UTC))).write_text("old")
    (folder / "keep-me.obk").write_text("mine")
    settings = make_settings(ODOOBRIDGE_BACKUP_DIR=str(folder), ODOOBRIDGE_BACKUP_KEEP="2")
    run = run_scheduled_backup(store, settings)
    assert (run.sync_type, run.status, run.triggered_by) == ("backup", "success", "scheduler")
    written = Path(run.stats["file"])
    assert written.parent == folder and written.name.startswith("odoobridge-")
    assert run.stats["pruned"] == [
        "odoobridge-20261101T030000Z.obk",
        "odoobridge-20261102T030000Z.obk",
    ]
    assert sorted(p.name for p in folder.iterdir()) == [
        "keep-me.obk", "odoobridge-20261103T030000Z.obk", written.name]  # fmt: skip
    manifest: Manifest = verify_backup(written)
    assert manifest.excluded_runs == [run.id]  # its own run, still running while it read
    sync_runs = next(t for t in manifest.tables if t.name == "sync_runs")
    assert sync_runs.rows == 0
    assert run.stats["rows"] == manifest.total_rows
    assert prune_backups(folder, 5) == []


def test_operations_jobs_in_the_scheduler(
    store: Store, make_settings: Make, receiver: WebhookReceiver
) -> None:
    assert operations_jobs(store, make_settings()) == []
    settings = alert_settings(
        make_settings, receiver, ODOOBRIDGE_ALERTS_INTERVAL_MINUTES="3",
        ODOOBRIDGE_BACKUP_SCHEDULE="30 3 * * *",
    )  # fmt: skip
    scheduler = start_scheduler(store, settings)
    assert scheduler is not None
    try:
        alerts = scheduler.get_job("ops:alerts")
        backup = scheduler.get_job("ops:backup")
        assert alerts.trigger.interval.total_seconds() == 180
        assert (backup.next_run_time.hour, backup.next_run_time.minute) == (3, 30)
    finally:
        scheduler.shutdown(wait=False)


def test_the_scheduled_jobs_record_and_survive_failures(
    store: Store, make_settings: Make, receiver: WebhookReceiver, tmp_path: Path
) -> None:
    folder = tmp_path / "not-a-folder"
    folder.write_text("a file where the backups should go")
    settings = alert_settings(
        make_settings, receiver, ODOOBRIDGE_ALERTS_FILE=only(tmp_path, "sync_failed"),
        ODOOBRIDGE_BACKUP_SCHEDULE="0 3 * * *", ODOOBRIDGE_BACKUP_DIR=str(folder),
    )  # fmt: skip
    jobs = {job.id: job for job in operations_jobs(store, settings)}
    failed_prod_sync(store, settings)
    jobs["ops:alerts"].run()  # evaluates and sends
    assert len(receiver.hooks) == 1
    acquire_run(store, ALERTS_RUN, None, triggered_by="elsewhere", lock_timeout=600)
    jobs["ops:alerts"].run()  # held elsewhere: skipped, no exception
    jobs["ops:backup"].run()  # cannot write there: the run fails, the scheduler lives on
    [run] = runs_of(store, "backup")
    assert run.status == "failed"
    [event] = audit(store, "scheduled_backup")
    assert event.actor == "scheduler" and event.detail["cron"] == "0 3 * * *"
    assert event.detail["status"] == "failed"
    assert event.detail["error"].startswith(f"cannot write the backup {folder}/odoobridge-")
    assert run.error == event.detail["error"]
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(SyncRun)) == 4
