"""Merge & Compare over HTTP: run, latest, export, the page's button; roles and audit."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import httpx
import pytest

from odoobridge.access.sync import sync_odoo
from odoobridge.auth.roles import Role
from odoobridge.demo import ENTRA_USERS, ODOO_PREPROD
from odoobridge.directory.reading import MockSource
from odoobridge.directory.sync import sync_azure
from odoobridge.environment import Environment
from odoobridge.settings import Settings
from odoobridge.sources.odoo_mock import OdooMockReader
from odoobridge.store.engine import Store
from tests.web.conftest import SignedIn


@pytest.fixture
def synced(store: Store, web_settings: Settings) -> None:
    sync_odoo(store, web_settings, Environment.PREPROD, source=OdooMockReader(ODOO_PREPROD))
    sync_azure(store, web_settings, source=MockSource(ENTRA_USERS))


def test_compare_run_latest_and_export(
    synced: None, anonymous: httpx.Client, make_key: Callable[..., str]
) -> None:
    auditor = {"X-API-Key": make_key(Role.AUDITOR)}
    missing = anonymous.get("/api/sync/compare/latest", headers=auditor)
    assert missing.status_code == 404
    assert missing.json() == {"detail": "no Merge & Compare yet: run `odoobridge compare`"}
    ran = anonymous.post("/api/sync/compare", headers=auditor, json={"environment": "PREPROD"})
    assert ran.status_code == 200
    result = ran.json()
    assert result["summary"]["leaver"] == 1 and result["summary"]["entra_only"] == 8
    assert (result["odoo_run_id"], result["azure_run_id"]) == (1, 2)
    latest = anonymous.get("/api/sync/compare/latest?category=leaver", headers=auditor).json()
    assert latest["id"] == result["id"] and [i["login"] for i in latest["items"]] == ["demo"]
    export = anonymous.get("/api/export/compare?format=csv&category=entra_only", headers=auditor)
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert len(rows) == 8 and {r["category"] for r in rows} == {"entra_only"}
    assert "attachment" in export.headers["content-disposition"]
    viewer = anonymous.post("/api/sync/compare", headers={"X-API-Key": make_key(Role.VIEWER)})
    assert viewer.status_code == 403
    bad = anonymous.post("/api/sync/compare", headers=auditor, json={"azure_run_id": 99})
    assert (
        bad.status_code == 404
        and bad.json()["detail"] == "run 99 is not an Entra (azure_users) sync"
    )
    audit = anonymous.get("/api/admin/audit", headers={"X-API-Key": make_key(Role.ADMIN)})
    actions = [e["action"] for e in audit.json()["items"]]
    assert "compare" in actions and "export" in actions


def test_compare_button_on_the_analysis_page(
    synced: None, signed_in: Callable[[Role], SignedIn]
) -> None:
    auditor = signed_in(Role.AUDITOR)
    page = auditor.client.get("/analysis?env=PREPROD")
    assert "No comparison yet" in page.text
    refused = auditor.client.post("/analysis/compare", data={"environment": "PREPROD"})
    assert refused.status_code == 403  # no CSRF token
    done = auditor.client.post(
        "/analysis/compare", data={"environment": "PREPROD", "csrf_token": auditor.csrf}
    )
    assert done.status_code == 303 and done.headers["location"] == "/analysis?env=PREPROD#compare"
    page = auditor.client.get("/analysis?env=PREPROD")
    assert "leaver 1" in page.text and "disabled in Entra; still active in Odoo" in page.text
