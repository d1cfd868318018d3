"""Scheduled syncs: ODOOBRIDGE_SCHEDULE parsing, a real APScheduler firing, and the store lock
that keeps two processes from running the same job twice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from odoobridge.auth.models import AuditEvent
from odoobridge.errors import ConfigError
from odoobridge.settings import Settings
from odoobridge.store.engine import Store
from odoobridge.sync.models import SyncRun
from odoobridge.sync.runs import acquire_run
from odoobridge.sync.scheduler import ScheduledSync, parse_schedule, run_scheduled, start_scheduler
from odoobridge.web.app import create_app
from tests import pg
from tests.web.live import live_server, wait_until


def test_parse_schedule() -> None:
    entries = parse_schedule(
        "odoo_postgres:preprod=0 2 * * *;\n odoo_postgres:PROD = 30  2 * * 1-5"
    )
    assert entries == [
        ScheduledSync("odoo_postgres", "PREPROD", "0 2 * * *"),
        ScheduledSync("odoo_postgres", "PROD", "30 2 * * 1-5"),
    ]
    assert [e.job_id for e in entries] == ["odoo_postgres:PREPROD", "odoo_postgres:PROD"]
    assert parse_schedule("  ") == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("odoo_postgres:PREPROD", "write sync_type\\[:ENV\\]=cron"),
        ("ldap=0 2 * * *", "unknown sync type 'ldap' \\(known: azure_users, odoo_postgres\\)"),
        ("odoo_postgres=0 2 * * *", "name the environment, e.g. odoo_postgres:PREPROD"),
        ("odoo_postgres:PREPROD=0 25 * * *", "bad cron expression"),
        ("odoo_postgres:QA=0 2 * * *", "unknown environment 'QA'"),
        ("odoo_postgres:PROD=0 2 * * *; odoo_postgres:prod=1 2 * * *", "names odoo_postgres:PROD"),
    ],
)
def test_a_bad_schedule_says_what_to_fix(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_schedule(text)


def test_the_app_refuses_a_bad_schedule(
    make_settings: Callable[..., Settings], store: Store
) -> None:
    settings = make_settings(ODOOBRIDGE_SECRET_KEY="k" * 40, ODOOBRIDGE_SCHEDULE="nope")
    with pytest.raises(ConfigError, match="ODOOBRIDGE_SCHEDULE entry 'nope'"):
        create_app(settings, store)


def _audit(store: Store) -> list[AuditEvent]:
    with store.session() as session:
        query = select(AuditEvent).where(AuditEvent.action == "scheduled_sync")
        return list(session.scalars(query.order_by(AuditEvent.id)))


def test_a_job_running_elsewhere_is_skipped(
    make_settings: Callable[..., Settings], store: Store, odoo18: pg.OdooDatabase
) -> None:
    settings = make_settings(ODOO_PREPROD_DSN=odoo18.reader_dsn)
    other = acquire_run(
        store, "odoo_postgres", "PREPROD", triggered_by="another app process", lock_timeout=600
    )
    entry = ScheduledSync("odoo_postgres", "PREPROD", "0 2 * * *")
    outcome = run_scheduled(store, settings, entry)
    assert outcome == {"skipped": f"already running (run {other})", "run_id": other}
    with store.session() as session:
        assert session.scalar(select(SyncRun.id).order_by(SyncRun.id.desc())) == other
    [event] = _audit(store)
    assert (event.actor, event.target) == ("scheduler", "odoo_postgres:PREPROD")
    assert event.detail == {"cron": "0 2 * * *", **outcome}


def test_a_failing_job_is_recorded(make_settings: Callable[..., Settings], store: Store) -> None:
    outcome = run_scheduled(
        store, make_settings(), ScheduledSync("odoo_postgres", "PROD", "* * * * *")
    )
    assert outcome["status"] == "failed"
    assert outcome["error"].startswith("ODOO_PROD_DSN is not set")
    assert _audit(store)[0].detail["status"] == "failed"


def test_the_scheduler_fires_inside_serve(
    make_settings: Callable[..., Settings], store: Store, odoo18: pg.OdooDatabase
) -> None:
    settings = make_settings(
        ODOOBRIDGE_SECRET_KEY="k" * 40,
        ODOO_PREPROD_DSN=odoo18.reader_dsn,
        ODOOBRIDGE_SCHEDULE="odoo_postgres:PREPROD=0 3 * * *",
    )
    app = create_app(settings, store, scheduler=True)
    with live_server(app):
        scheduler = app.state.odoobridge.scheduler
        job = scheduler.get_job("odoo_postgres:PREPROD")
        assert job.next_run_time.hour == 3 and job.next_run_time.minute == 0
        job.modify(next_run_time=datetime.now(UTC))  # fire now instead of at 03:00
        wait_until(lambda: bool(_audit(store)), timeout=120)
    [event] = _audit(store)
    assert event.detail["status"] == "success"
    with store.session() as session:
        run = session.get(SyncRun, event.detail["run_id"])
        assert run is not None and run.triggered_by == "scheduler"
        assert run.stats["users"]["count"] == 7
    assert not scheduler.running  # stopped with the app


def test_no_schedule_no_scheduler(make_settings: Callable[..., Settings], store: Store) -> None:
    assert start_scheduler(store, make_settings()) is None
