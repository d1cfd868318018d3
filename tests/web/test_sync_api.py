"""The sync API on the real Odoo 18 fixture: a sync in the background with its progress, 409 on
a second trigger, where each source stands, past runs, the headline figures and the exports."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from odoobridge.auth.models import AuditEvent
from odoobridge.auth.roles import Role
from odoobridge.settings import Settings
from odoobridge.store.engine import Store
from odoobridge.sync.runs import acquire_run, fail_run
from tests import facts, pg
from tests.web.conftest import SECRET_KEY
from tests.web.live import wait_until


@pytest.fixture
def web_settings(make_settings: Callable[..., Settings], odoo18: pg.OdooDatabase) -> Settings:
    return make_settings(ODOOBRIDGE_SECRET_KEY=SECRET_KEY, ODOO_PREPROD_DSN=odoo18.reader_dsn)


@pytest.fixture
def admin_key(make_key: Callable[..., str]) -> str:
    return make_key(Role.ADMIN)


def synced(c: httpx.Client, key: str, environment: str = "PREPROD") -> dict[str, Any]:
    """Trigger a sync and wait for it to end; returns the finished run."""
    started = c.post(
        "/api/sync/odoo-db", json={"environment": environment}, headers={"X-API-Key": key}
    )
    assert started.status_code == 202, started.text
    run_id = started.json()["run_id"]
    assert started.json()["status_url"] == f"/api/sync/runs/{run_id}"
    seen: list[dict[str, Any]] = []

    def finished() -> bool:
        run = c.get(f"/api/sync/runs/{run_id}", headers={"X-API-Key": key}).json()
        seen.append(run)
        return bool(run["status"] != "running")

    wait_until(finished, timeout=120, interval=0.05)
    return seen[-1]


@pytest.mark.parametrize("store_url", ["sqlite", "postgresql"], indirect=True)
def test_a_sync_runs_in_the_background(
    anonymous: httpx.Client, admin_key: str, store: Store
) -> None:
    run = synced(anonymous, admin_key)
    assert run["status"] == "success", run
    assert run["triggered_by"].startswith("apikey:obk_")
    assert run["progress"]["phase"] == "done"
    for entity, count in facts.COUNTS[18].items():
        assert run["stats"][entity]["count"] == count
    with store.session() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "sync_started")).one()
    assert (event.target, event.detail) == ("odoo_postgres:PREPROD", {"run_id": run["id"]})


def test_a_second_trigger_gets_409_with_the_running_run(
    anonymous: httpx.Client, admin_key: str, store: Store
) -> None:
    holder = acquire_run(
        store, "odoo_postgres", "PREPROD", triggered_by="other process", lock_timeout=600
    )
    answer = anonymous.post(
        "/api/sync/odoo-db", json={"environment": "preprod"}, headers={"X-API-Key": admin_key}
    )
    assert answer.status_code == 409
    assert answer.json() == {
        "detail": f"the odoo_postgres sync for PREPROD is already running (run {holder})",
        "run_id": holder,
    }
    status = anonymous.get(
        "/api/sync/status?sync_type=odoo_postgres", headers={"X-API-Key": admin_key}
    ).json()
    assert [s["status"] for s in status] == ["syncing", "not_configured"]
    fail_run(store, holder, "stopped by the test")
    status = anonymous.get("/api/sync/status", headers={"X-API-Key": admin_key}).json()
    assert status[0]["status"] == "error"
    assert status[0]["latest"]["error"] == "stopped by the test"


def test_an_unconfigured_environment_answers_400(anonymous: httpx.Client, admin_key: str) -> None:
    answer = anonymous.post(
        "/api/sync/odoo-db", json={"environment": "PROD"}, headers={"X-API-Key": admin_key}
    )
    assert answer.status_code == 400
    assert answer.json()["detail"].startswith(
        "ODOO_PROD_DSN is not set: set it to postgresql+psycopg://user:password@host:5432/db"
    )
    bad = anonymous.post(
        "/api/sync/odoo-db", json={"environment": "staging"}, headers={"X-API-Key": admin_key}
    )
    assert bad.status_code == 422
    assert bad.json() == {"detail": "environment: Value error, use preprod or prod"}


def test_status_runs_and_stats(anonymous: httpx.Client, admin_key: str, make_key: Any) -> None:
    viewer = {"X-API-Key": make_key(Role.VIEWER)}
    empty = anonymous.get("/api/stats", headers=viewer).json()
    assert [e["run"] for e in empty["environments"]] == [None, None]
    before = anonymous.get("/api/sync/status?sync_type=odoo_postgres", headers=viewer).json()
    assert [(s["label"], s["status"]) for s in before] == [
        ("Odoo (Pre-Production)", "needs_refresh"),
        ("Odoo (Production)", "not_configured"),
    ]
    first = synced(anonymous, admin_key)
    second = synced(anonymous, admin_key)
    status = anonymous.get("/api/sync/status", headers=viewer).json()
    assert status[0]["status"] == "connected" and status[0]["stale"] is False
    assert status[0]["last_success"]["id"] == second["id"]
    assert status[0]["counts"]["users"] == 7 and status[0]["counts"]["groups"] == 68
    assert status[1]["setting"] == "ODOO_PROD_DSN"
    page = anonymous.get("/api/sync/runs?limit=1", headers=viewer).json()
    assert (page["total"], [r["id"] for r in page["items"]]) == (2, [second["id"]])
    page = anonymous.get(
        "/api/sync/runs?limit=1&offset=1&environment=preprod&status=success", headers=viewer
    ).json()
    assert [r["id"] for r in page["items"]] == [first["id"]]
    assert second["stats"]["users"] == {"count": 7, "added": 0, "changed": 0, "removed": 0}

    def latest_in_stats() -> bool:  # the latest runs are looked up at most once a second
        stats = anonymous.get("/api/stats", headers=viewer).json()
        return bool(stats["environments"][0]["run"]["id"] == second["id"])

    wait_until(latest_in_stats, timeout=10)
    stats = anonymous.get("/api/stats", headers=viewer).json()
    preprod = stats["environments"][0]
    assert preprod["run"]["id"] == second["id"] and preprod["odoo_version"].startswith("18.0")
    assert preprod["counts"]["internal users (active)"] == 2
    assert preprod["counts"]["portal/public users (active)"] == 1
    assert preprod["counts"]["archived users"] == 4
    assert preprod["counts"]["groups"] == 68 and preprod["counts"]["memberships"] == 100
    assert preprod["counts"]["access rights (ACL rows)"] == 847
    missing = anonymous.get("/api/sync/runs/4242", headers=viewer)
    assert missing.status_code == 404
    assert missing.json() == {"detail": "there is no sync run 4242: `odoobridge runs` lists them"}


def test_exports_in_three_formats(
    anonymous: httpx.Client, admin_key: str, make_key: Any, store: Store
) -> None:
    auditor = {"X-API-Key": make_key(Role.AUDITOR)}
    none_yet = anonymous.get("/api/export/users", headers=auditor)
    assert none_yet.status_code == 404
    assert none_yet.json()["detail"].startswith("no successful Odoo sync for Odoo (Pre-Production)")
    run = synced(anonymous, admin_key)

    answer = anonymous.get("/api/export/users?format=csv", headers=auditor)
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"] == (
        f'attachment; filename="odoo-users-preprod-run{run["id"]}.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert len(rows) == 7
    admin = next(r for r in rows if r["login"] == "admin")
    assert (admin["name"], admin["active"], admin["kind"], admin["groups"]) == (
        "Mitchell Admin",
        "true",
        "internal",
        "28",
    )
    assert next(r for r in rows if r["login"] == "portal")["kind"] == "portal/public"

    answer = anonymous.get("/api/export/groups?format=xlsx", headers=auditor)
    book = load_workbook(io.BytesIO(answer.content))
    sheet = book.active
    assert sheet is not None and sheet.freeze_panes == "A2"
    header = [c.value for c in sheet[1]]
    assert header == [
        "odoo_id",
        "name",
        "application",
        "share",
        "users",
        "implies",
        "implied_by",
        "comment",
    ]
    assert sheet[1][0].font.bold and sheet.auto_filter.ref == "A1:H69"
    by_id = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert len(by_id) == 68
    internal = by_id[1]
    assert internal[1:3] == ("Internal User", "User types")
    assert internal[5] == 5  # implies 5 groups (fixture README)

    answer = anonymous.get("/api/export/memberships?format=json", headers=auditor)
    memberships = json.loads(answer.content)
    assert len(memberships) == 100
    assert {
        "user_id": 2,
        "login": "admin",
        "user": "Mitchell Admin",
        "active": True,
        "group_id": 1,
        "group": "User types / Internal User",
    } in memberships

    refused = anonymous.get("/api/export/users", headers={"X-API-Key": make_key(Role.VIEWER)})
    assert refused.status_code == 403
    with store.session() as session:
        exported = session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert [(e.target, e.detail["format"], e.detail["rows"]) for e in exported] == [
        ("users", "csv", 7),
        ("groups", "xlsx", 68),
        ("memberships", "json", 100),
    ]
