"""Findings over HTTP on the real Odoo 18 fixture: the Findings page (filter, sort, page, links)
and a finding's page with its lifecycle forms (post, then redirect), the JSON API of the
lifecycle, the export with status and owner — and every export link on every page answering for
both environments."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from urllib.parse import unquote

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
def prod18(make_odoo_db: Callable[[int], pg.OdooDatabase]) -> pg.OdooDatabase:
    return make_odoo_db(18)


@pytest.fixture
def web_settings(
    make_settings: Callable[..., Settings], odoo18: pg.OdooDatabase, prod18: pg.OdooDatabase
) -> Settings:
    return make_settings(
        ODOOBRIDGE_SECRET_KEY=SECRET_KEY,
        ODOO_PREPROD_DSN=odoo18.reader_dsn,
        ODOO_PROD_DSN=prod18.reader_dsn,
    )


@pytest.fixture
def synced(store: Store, web_settings: Settings) -> None:
    sync_odoo(store, web_settings, Environment.PREPROD)
    sync_odoo(store, web_settings, Environment.PROD)


def rows(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r'href="/findings/([^"]+)"', body)


def test_the_findings_page_and_a_findings_lifecycle(
    synced: None, signed_in: Callable[[Role], SignedIn]
) -> None:
    auditor = signed_in(Role.AUDITOR)
    page = auditor.client.get("/findings").text
    listed = [unquote(i) for i in rows(page)]
    assert listed and all(":" in i for i in listed)
    assert re.search(r'class="chip chip-high" href="[^"]*severity=high[^"]*">high \d+', page)
    by_title = auditor.client.get("/findings?sort=title").text
    titles = re.findall(r'href="/findings/[^"]+">([^<]+)</a>', by_title)
    assert titles == sorted(titles, key=str.lower)
    sod = auditor.client.get("/findings?kind=sod_conflict").text
    assert all(i.startswith("sod_conflict") for i in map(unquote, rows(sod)))
    target = next(i for i in listed if i.startswith("admin_access"))
    detail = auditor.client.get(f"/findings/{target}").text
    assert 'href="/users/2?env=PREPROD"' in detail  # the user it is about
    # the forms post, then redirect to the finding (a refresh repeats nothing)
    done = auditor.post(f"/findings/{target}/acknowledge", data={"comment": "on it"})
    assert (
        done.status_code == 303
        and done.headers["location"] == f"/findings/{target.replace(':', '%3A')}"
    )
    shown = auditor.client.get(f"/findings/{target}").text
    assert 'chip chip-acknowledged">acknowledged' in shown and "on it" in shown
    refused = auditor.post(
        f"/findings/{target}/accept", data={"reason": "short", "until": "2999-01-01"}
    )
    assert refused.status_code == 422 and "reason: say why" in refused.text
    accepted = auditor.post(
        f"/findings/{target}/accept",
        data={"reason": "break-glass account, reviewed each quarter", "until": "2999-01-01"},
    )
    assert accepted.status_code == 303
    assert "accepted risk" in auditor.client.get("/findings?status=accepted_risk").text
    # no CSRF token: refused
    assert auditor.client.post(f"/findings/{target}/reopen", data={}).status_code == 403
    # viewers see neither the page nor the API
    viewer = signed_in(Role.VIEWER).client
    assert viewer.get("/findings").status_code == 403
    assert viewer.get(f"/findings/{target}").status_code == 403


def test_the_lifecycle_over_the_api(
    synced: None, make_key: Callable[..., str], base_url: str
) -> None:
    key = make_key(Role.AUDITOR)
    with httpx.Client(base_url=base_url, headers={"X-API-Key": key}) as api:
        found = api.get("/api/analysis/findings", params={"severity": "high"}).json()
        assert found["status_counts"]["open"] == len(found["findings"]) or found["findings"]
        target = next(f["id"] for f in found["findings"] if f["kind"] == "sensitive_write")
        answer = api.post(f"/api/findings/{target}/acknowledge", json={"comment": "ticket 42"})
        assert answer.status_code == 200 and answer.json()["status"] == "acknowledged"
        owner = api.put(f"/api/findings/{target}/owner", json={"owner": "nobody@x.example"})
        assert owner.status_code == 422 and "owner: no OdooBridge account" in owner.json()["detail"]
        bad = api.post(
            f"/api/findings/{target}/accept", json={"reason": "x" * 12, "until": "2000-01-01"}
        )
        assert bad.status_code == 422 and "in the future" in bad.json()["detail"]
        ok = api.post(
            f"/api/findings/{target}/accept", json={"reason": "x" * 12, "until": "2999-12-31"}
        )
        assert ok.json()["status"] == "accepted_risk"
        assert ok.json()["accepted_until"].startswith("2999-12-31T23:59:59")
        listed = api.get("/api/analysis/findings", params={"status": "accepted_risk"}).json()
        assert [f["id"] for f in listed["findings"]] == [target]
        detail = api.get(f"/api/findings/{target}").json()
        assert [e["action"] for e in detail["events"]] == ["found", "acknowledged", "accepted"]
        assert api.get("/api/findings/nope:1").status_code == 404
        export = api.get(
            "/api/export/findings", params={"format": "csv", "status": "accepted_risk"}
        )
        (row,) = list(csv.DictReader(io.StringIO(export.text.lstrip("\ufeff"))))
        assert (row["id"], row["status"], row["reason"]) == (target, "accepted_risk", "x" * 12)
    viewer = make_key(Role.VIEWER)
    with httpx.Client(base_url=base_url, headers={"X-API-Key": viewer}) as api:
        assert api.get("/api/analysis/findings").status_code == 403


PAGES = ["/", "/users", "/groups", "/users/6", "/groups/23", "/analysis", "/findings"]


@pytest.mark.parametrize("environment", ["PREPROD", "PROD"])
def test_every_export_link_on_every_page_answers(
    synced: None, signed_in: Callable[[Role], SignedIn], environment: str
) -> None:
    """Each download link the pages show, followed as a browser would, answers a file of the
    environment the page shows (the pages once sent env= where the API read environment=)."""
    auditor = signed_in(Role.AUDITOR).client
    followed = 0
    for page in PAGES:
        html = auditor.get(f"{page}?env={environment}").text
        for link in re.findall(r'href="(/api/export/[^"]+)"', html):
            url = link.replace("&amp;", "&")
            answer = auditor.get(url)
            assert answer.status_code == 200, (page, url, answer.text[:200])
            disposition = answer.headers["content-disposition"]
            assert environment.lower() in disposition or "compare" in disposition, (
                url,
                disposition,
            )
            followed += 1
    assert followed >= 9
