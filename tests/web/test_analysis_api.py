"""The access analysis over HTTP on the real Odoo 18 fixture: a user's rights with their paths,
who can, what a group grants, findings, diffs and timelines, the access-matrix and findings
exports, and the Analysis page."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable

import httpx
import pytest

from odoobridge.access.sync import sync_odoo
from odoobridge.auth.roles import Role
from odoobridge.environment import Environment
from odoobridge.settings import Settings
from odoobridge.store.engine import Store
from tests import pg
from tests.web.conftest import SECRET_KEY, SignedIn


@pytest.fixture
def web_settings(make_settings: Callable[..., Settings], odoo18: pg.OdooDatabase) -> Settings:
    return make_settings(ODOOBRIDGE_SECRET_KEY=SECRET_KEY, ODOO_PREPROD_DSN=odoo18.reader_dsn)


@pytest.fixture
def runs(store: Store, web_settings: Settings, odoo18: pg.OdooDatabase) -> tuple[int, int]:
    first = sync_odoo(store, web_settings, Environment.PREPROD).id
    odoo18.execute(
        "DELETE FROM res_groups_users_rel WHERE uid = 6 AND gid = "
        "(SELECT res_id FROM ir_model_data WHERE module = 'project' "
        "AND name = 'group_project_user')"
    )
    second = sync_odoo(store, web_settings, Environment.PREPROD).id
    return first, second


@pytest.fixture
def auditor(make_key: Callable[..., str]) -> dict[str, str]:
    return {"X-API-Key": make_key(Role.AUDITOR)}


def test_user_access_and_who_can(
    runs: tuple[int, int], anonymous: httpx.Client, auditor: dict[str, str]
) -> None:
    demo = anonymous.get("/api/analysis/users/demo", headers=auditor).json()
    assert (demo["odoo_user_id"], demo["name"], demo["run_id"]) == (6, "Marc Demo", runs[1])
    crm = next(r for r in demo["rights"] if r["model"] == "crm.lead")
    assert sorted(crm["paths"]) == ["create", "read", "write"]  # no unlink for a salesman
    assert "User: Own Documents Only" in crm["paths"]["write"][0]
    assert any(r["rule_id"] == 120 for r in demo["rules"])  # Personal Leads
    who = anonymous.get("/api/analysis/who-can?model=crm.lead&perm=unlink", headers=auditor)
    assert [u["login"] for u in who.json()["users"]] == ["admin"]
    missing = anonymous.get("/api/analysis/who-can?model=crm.leads", headers=auditor)
    assert missing.status_code == 404
    assert missing.json()["detail"].startswith("no access rights mention model 'crm.leads'")
    viewer = anonymous.get("/api/analysis/users/demo", headers={"X-API-Key": "x"})
    assert viewer.status_code == 401


def test_group_grants_findings_diff_timeline(
    runs: tuple[int, int], anonymous: httpx.Client, auditor: dict[str, str]
) -> None:
    group = anonymous.get("/api/analysis/groups/1", headers=auditor).json()
    assert group["name"] == "User types / Internal User" and group["xml_id"] == "base.group_user"
    assert len(group["implies"]) == 5
    findings = anonymous.get("/api/analysis/findings?severity=high", headers=auditor).json()
    assert findings["run_id"] == runs[1] and findings["counts"]["high"] >= 1
    assert all(f["severity"] in ("critical", "high") for f in findings["findings"])
    assert any(
        f["kind"] == "admin_access" and f["subject"].get("login") == "admin"
        for f in findings["findings"]
    )
    diff = anonymous.get(
        f"/api/analysis/diff?from_run={runs[0]}&to_run={runs[1]}", headers=auditor
    ).json()
    removed = diff["entities"]["memberships"]["removed"]
    assert [(c["login"], c["group"]) for c in removed] == [("demo", "User")]
    assert diff["counts"]["memberships"] == {"added": 0, "removed": 1, "changed": 0}
    timeline = anonymous.get("/api/analysis/timeline?user_id=6", headers=auditor).json()
    assert any(e["run_id"] == runs[1] for e in timeline["events"])
    both = anonymous.get("/api/analysis/timeline?user_id=6&group_id=1", headers=auditor)
    assert both.status_code == 400
    assert both.json() == {"detail": "give user_id or group_id (one of them)"}


def test_matrix_and_findings_exports(
    runs: tuple[int, int], anonymous: httpx.Client, auditor: dict[str, str]
) -> None:
    answer = anonymous.get("/api/export/access-matrix?format=csv", headers=auditor)
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    demo_crm = next(r for r in rows if r["login"] == "demo" and r["model"] == "crm.lead")
    assert (demo_crm["read"], demo_crm["write"], demo_crm["create"], demo_crm["unlink"]) == (
        "true",
        "true",
        "true",
        "false",
    )
    assert {r["login"] for r in rows} == {"admin", "demo", "portal"}  # active users
    found = json.loads(
        anonymous.get("/api/export/findings?format=json&severity=critical", headers=auditor).content
    )
    assert all(f["severity"] == "critical" for f in found)


def test_the_analysis_page(runs: tuple[int, int], signed_in: Callable[[Role], SignedIn]) -> None:
    auditor = signed_in(Role.AUDITOR).client
    page = auditor.get(
        f"/analysis?model=crm.lead&perm=unlink&from_run={runs[0]}&to_run={runs[1]}"
    ).text
    assert "1 active user may unlink crm.lead" in page
    assert "− demo left User" in page
    assert 'id="findings-table"' in page
    assert signed_in(Role.VIEWER).client.get("/analysis").status_code == 403
    assert "Analysis" not in signed_in(Role.VIEWER).client.get("/").text.split("</nav>")[0]
    rights = auditor.get("/users/6?tab=rights").text
    assert 'data-model="crm.lead"' in rights
    assert "Personal Leads" in auditor.get("/users/6?tab=rules").text
    quiet = auditor.get(f"/analysis?from_run={runs[1]}&to_run={runs[1]}").text
    assert f"Nothing changed between run {runs[1]} and run {runs[1]}" in quiet
    # run pickers tell runs of the same minute apart
    assert re.search(
        rf"run {runs[0]} · Odoo \(Pre-Production\) · \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d UTC", page
    )
