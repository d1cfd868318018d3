"""The BI routes in the app: the guest-token API (session and API key) against the Superset stub,
and the Analytics page, over real HTTP and in a real browser (Debian's chromium)."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from typing import Any

import httpx
from playwright.sync_api import sync_playwright
from sqlalchemy import select

from odoobridge.auth.roles import Role
from odoobridge.bi.models import GuestTokenAudit
from odoobridge.store.engine import Store
from tests.bi.conftest import B_PARTNER_NAME
from tests.bi.web.conftest import AUDITOR, VIEWER
from tests.fakes.superset import FakeSuperset, decode_jwt
from tests.web.conftest import PASSWORD, SignedIn

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"  # Debian's, as ./run installs
DASHBOARD = "7d1c1b1e-3f4a-4b7e-9c1d-2a5e8f0b6c3d"


def test_guest_token_for_the_signed_in_person(
    access: None, signed_in: Callable[[Role], SignedIn], store: Store, superset: FakeSuperset
) -> None:
    viewer = signed_in(Role.VIEWER)
    answer = viewer.client.get("/api/bi/guest-token", params={"dashboard": DASHBOARD})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["user_email"] == VIEWER and body["company_ids"] == [1]
    assert body["rls"] == [{"clause": "company_id IN (1)"}]
    claims = decode_jwt(body["token"])
    assert claims["rls_rules"] == [{"clause": "company_id IN (1)"}]
    assert claims["user"]["username"] == VIEWER
    assert claims["resources"] == [{"type": "dashboard", "id": DASHBOARD}]
    other = viewer.client.get("/api/bi/guest-token",
                              params={"dashboard": DASHBOARD, "user": AUDITOR})  # fmt: skip
    assert other.status_code == 403 and "for themselves only" in other.json()["detail"]
    bad = viewer.client.get("/api/bi/guest-token", params={"dashboard": "x/../y"})
    assert bad.status_code == 400 and "not an embedded dashboard id" in bad.json()["detail"]
    missing = viewer.client.get("/api/bi/guest-token")
    assert missing.status_code == 422 and "dashboard" in missing.json()["detail"]
    with store.session() as session:
        logged = [(a.user_email, a.dashboard_id, a.rls_clauses, a.issued_via)
                  for a in session.scalars(select(GuestTokenAudit))]  # fmt: skip
    assert logged == [(VIEWER, DASHBOARD, ["company_id IN (1)"], "session")]


def test_guest_token_for_an_api_key_needs_the_scope_and_a_user(
    access: None, base_url: str, make_key: Callable[..., str], store: Store
) -> None:
    plain = make_key(Role.VIEWER)
    scoped = make_key(Role.VIEWER, scopes=["bi:guest_token"])
    with httpx.Client(base_url=base_url, timeout=30) as c:
        anonymous = c.get("/api/bi/guest-token", params={"dashboard": DASHBOARD})
        assert anonymous.status_code == 401
        refused = c.get("/api/bi/guest-token", params={"dashboard": DASHBOARD},
                        headers={"X-API-Key": plain})  # fmt: skip
        assert refused.status_code == 403 and "bi:guest_token" in refused.json()["detail"]
        no_user = c.get("/api/bi/guest-token", params={"dashboard": DASHBOARD},
                        headers={"X-API-Key": scoped})  # fmt: skip
        assert no_user.status_code == 400 and "user=" in no_user.json()["detail"]
        ok = c.get("/api/bi/guest-token", params={"dashboard": DASHBOARD, "user": AUDITOR},
                   headers={"X-API-Key": scoped})  # fmt: skip
        assert ok.status_code == 200
        assert ok.json()["rls"] == [{"clause": "company_id IN (1, 2)"}]
        nobody = c.get("/api/bi/guest-token",
                       params={"dashboard": DASHBOARD, "user": "stranger@example.com"},
                       headers={"X-API-Key": scoped})  # fmt: skip
        assert nobody.status_code == 403 and "may see no company" in nobody.json()["detail"]
    with store.session() as session:
        (entry,) = session.scalars(select(GuestTokenAudit)).all()
    assert entry.user_email == AUDITOR and entry.issued_via.startswith("api_key:obk_")


def _figures(html: str) -> dict[str, Any]:
    found = re.findall(r'<script type="application/json" id="chart-(\w+)-figure">(.*?)</script>',
                       html, re.S)  # fmt: skip
    return {name: json.loads(body) for name, body in found}


def test_the_page_shows_only_the_viewers_companies(
    access: None, signed_in: Callable[[Role], SignedIn]
) -> None:
    viewer = signed_in(Role.VIEWER).client.get("/analytics")
    assert viewer.status_code == 200, viewer.text
    figures = _figures(viewer.text)
    assert set(figures) == {"sales", "revenue", "aging", "products", "stock", "headcount"}
    names = {trace["name"] for f in figures.values() for trace in f["data"]}
    assert "My Company (Chicago)" not in names and B_PARTNER_NAME not in viewer.text
    assert {t["name"] for t in figures["sales"]["data"]} == {"My Company (San Francisco)"}
    assert sum(figures["headcount"]["data"][0]["y"]) == 20
    aging = {t["name"]: t["y"] for t in figures["aging"]["data"]}
    # Company A's four open invoices (124,500.00) are offset by as much in open credit notes.
    assert sum(v[0] for v in aging.values()) == 0.0
    auditor = signed_in(Role.AUDITOR).client.get("/analytics")
    names = {t["name"] for t in _figures(auditor.text)["sales"]["data"]}
    assert names == {"My Company (San Francisco)", "My Company (Chicago)"}
    only_b = signed_in(Role.AUDITOR).client.get("/analytics", params={"company": 2})
    assert {t["name"] for t in _figures(only_b.text)["sales"]["data"]} == {"My Company (Chicago)"}
    aging_b = {t["name"]: t["y"] for t in _figures(only_b.text)["aging"]["data"]}
    assert sum(v[0] for v in aging_b.values()) == 1050.0  # see tests/bi/test_views.py
    not_yours = signed_in(Role.VIEWER).client.get("/analytics", params={"company": 2})
    assert "Company 2 is not one you may see" in not_yours.text and not _figures(not_yours.text)


def test_the_page_without_access_or_configuration_says_what_to_do(
    signed_in: Callable[[Role], SignedIn], store: Store
) -> None:
    page = signed_in(Role.VIEWER).client.get("/analytics")
    assert page.status_code == 200 and "may see no company" in page.text


def test_the_page_draws_its_charts_in_a_browser(
    access: None, base_url: str, people: dict[Role, str]
) -> None:
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.on("console", lambda m: errors.append(f"{m.text} {m.location.get('url')}")
                    if m.type == "error" else None)  # fmt: skip
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"{base_url}/login?next=/analytics")
            page.fill("input[name=email]", VIEWER)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base_url}/analytics")
            page.wait_for_selector("section.chart[data-drawn=true]", timeout=20_000)
            page.wait_for_function(
                "document.querySelectorAll('section.chart[data-drawn=true]').length === 6",
                timeout=20_000,
            )
            assert page.locator(".plot .main-svg").count() >= 6
            traces = page.evaluate("document.getElementById('chart-sales').data.map(t => t.name)")
            assert traces == ["My Company (San Francisco)"]
            requested = page.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
            assert all(url.startswith(base_url) for url in requested), requested  # no CDN
        finally:
            browser.close()
    # Chromium asks for /favicon.ico by itself (the layout has none): the only error allowed.
    assert [e for e in errors if not e.endswith("/favicon.ico")] == []
