"""The pages on the real Odoo 18 fixture, read as a person's browser gets them (no JavaScript):
dashboard, Data & Integrations, Users (filters, sorting, paging) and a user as Odoo's Access
Rights tab shows them, Groups and a group's inheritance chains; untrusted names render inert."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import update

from odoobridge.access.sync import sync_odoo
from odoobridge.auth.roles import Role
from odoobridge.environment import Environment
from odoobridge.settings import Settings
from odoobridge.store.base import utcnow
from odoobridge.store.engine import Store
from odoobridge.sync.models import SyncRun
from tests import pg
from tests.web.conftest import SECRET_KEY, SignedIn
from tests.web.live import wait_until

XSS = "<script>alert(1)</script>"


@pytest.fixture
def web_settings(make_settings: Callable[..., Settings], odoo18: pg.OdooDatabase) -> Settings:
    # A hostile name in Odoo: the Internal User group renamed to a script.
    odoo18.execute(
        "UPDATE res_groups SET name = %s::jsonb WHERE id = 1", ('{"en_US": "' + XSS + '"}',)
    )
    return make_settings(ODOOBRIDGE_SECRET_KEY=SECRET_KEY, ODOO_PREPROD_DSN=odoo18.reader_dsn)


@pytest.fixture
def synced(store: Store, web_settings: Settings) -> int:
    return sync_odoo(store, web_settings, Environment.PREPROD, triggered_by="test").id


def rows_of(page: str, table_id: str | None = None) -> list[list[str]]:
    """The text of each body row's cells."""
    body = page if table_id is None else page.split(f'id="{table_id}"', 1)[1]
    body = body.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    return [
        [
            html.unescape(re.sub(r"<[^>]+>|\s+", " ", c)).strip()
            for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r, re.S)
        ]
        for r in rows
    ]


def test_users_list_filters_sorts_and_pages(
    synced: int, signed_in: Callable[[Role], SignedIn]
) -> None:
    viewer = signed_in(Role.VIEWER).client
    page = viewer.get("/users").text
    assert "3 users" in page  # active by default: admin, demo, portal
    assert [r[0] for r in rows_of(page)] == ["Joel Willis", "Marc Demo", "Mitchell Admin"]
    page = viewer.get("/users?active=all&sort=groups&desc=true").text
    names = [r[0] for r in rows_of(page)]
    assert len(names) == 7 and names[0].startswith("OdooBot") and names[1] == "Mitchell Admin"
    marc = rows_of(viewer.get("/users?q=MARC").text)
    assert marc == [
        [
            "Marc Demo",
            "demo",
            "Research & Development",
            "Experienced Developer",
            "internal",
            "My Company (San Francisco)",
            "15",
            "never",
        ]
    ]
    assert [r[0] for r in rows_of(viewer.get("/users?kind=portal").text)] == ["Joel Willis"]
    management = rows_of(viewer.get("/users?department=Management").text)
    assert [r[0] for r in management] == ["Mitchell Admin"]
    first = viewer.get("/users?active=all&limit=5").text
    assert len(rows_of(first)) == 5 and "1–5 of 7" in first
    assert 'href="?active=all&amp;limit=5&amp;offset=5"' in first
    second = viewer.get("/users?active=all&limit=5&offset=5").text
    assert len(rows_of(second)) == 2 and "6–7 of 7" in second
    bad = viewer.get("/users?sort=password")
    assert bad.status_code == 422 and "sort: String should match pattern" in bad.text


def test_a_user_reads_like_odoos_access_rights_tab(
    synced: int, signed_in: Callable[[Role], SignedIn]
) -> None:
    page = signed_in(Role.VIEWER).client.get("/users/6").text
    assert "<h1>Marc Demo" in page
    levels = dict(tuple(r) for r in rows_of(page.split('id="levels-title"', 1)[1]))
    assert levels["Sales"] == "User: Own Documents Only"
    assert levels["Project"] == "User" and levels["Inventory"] == "User"
    assert levels["Administration"] == "No access"
    assert levels["User types"] == XSS  # the renamed Internal User group, shown as text
    effective = rows_of(page.split('id="groups-title"', 1)[1])
    assert len(effective) == 15
    assert [
        "Sales / User: Own Documents Only",
        "member",
        "sales_team.group_sale_salesman",
    ] in effective
    assert "My Company (Chicago)" in page and "My Company (San Francisco)" in page
    assert XSS not in page and html.escape(XSS) in page
    missing = signed_in(Role.VIEWER).client.get("/users/4242")
    assert missing.status_code == 404 and "there is no Odoo user 4242" in missing.text
    # tabs: a viewer sees Access and Entra; rights, rules, timeline and findings are an
    # auditor's, as the API has them (access/sights.py)
    tabs = re.findall(r'href="/users/6\?env=PREPROD&amp;tab=(\w+)"', page)
    assert tabs == ["access", "entra"]
    refused = signed_in(Role.VIEWER).client.get("/users/6?tab=rights")
    assert refused.status_code == 403 and "needs the auditor role" in refused.text
    auditor = signed_in(Role.AUDITOR).client
    full = auditor.get("/users/6").text
    assert re.findall(r'href="/users/6\?env=PREPROD&amp;tab=(\w+)"', full) == [
        "access",
        "rights",
        "rules",
        "timeline",
        "findings",
        "entra",
    ]
    rights = auditor.get("/users/6?tab=rights").text
    models = [r[0].split()[0] for r in rows_of(rights, "rights-table")]
    assert "crm.lead" in models and len(models) > 100
    writes = auditor.get("/users/6?tab=rights&q=crm.lead&only=write").text
    assert [r[0].split()[0] for r in rows_of(writes, "rights-table")][:1] == ["crm.lead"]
    assert all("crm.lead" in r[0] for r in rows_of(writes, "rights-table"))
    assert "Personal Leads" in auditor.get("/users/6?tab=rules").text
    assert auditor.get("/users/6?tab=nope").status_code == 404


def test_groups_and_a_groups_chains(
    synced: int, signed_in: Callable[[Role], SignedIn], store: Store
) -> None:
    viewer = signed_in(Role.VIEWER).client
    page = viewer.get("/groups").text
    assert "68 groups" in page and "stale" not in page
    by_members = rows_of(viewer.get("/groups?sort=members").text)
    counts = [int(r[3]) for r in by_members]
    assert counts == sorted(counts, reverse=True) and counts[0] > counts[-1]
    fewest = [int(r[3]) for r in rows_of(viewer.get("/groups?sort=members&desc=true").text)]
    assert fewest == sorted(fewest)  # the header link flips the order
    sales = rows_of(viewer.get("/groups?application=Sales&sort=label").text)
    assert [r[1] for r in sales] == [
        "Administrator",
        "User: All Documents",
        "User: Own Documents Only",
    ]
    page = viewer.get("/groups/1").text  # the renamed Internal User
    assert XSS not in page and html.escape(XSS) in page
    admin_id = _group_id(viewer, "Sales", "Administrator")
    admin = viewer.get(f"/groups/{admin_id}?tab=inheritance").text
    implies = admin.split('id="implies-title"', 1)[1].split("</ul>", 1)[0]
    assert "User: All Documents" in implies and "User: Own Documents Only" in implies
    with store.session() as session:
        session.execute(update(SyncRun).values(completed_at=utcnow() - timedelta(days=2)))
    # the latest runs are looked up at most once a second
    wait_until(lambda: 'class="chip chip-stale"' in viewer.get("/groups").text, timeout=10)


def test_a_groups_page_shows_what_the_analysis_answers(
    synced: int, signed_in: Callable[[Role], SignedIn]
) -> None:
    viewer = signed_in(Role.VIEWER).client
    group = _group_id(viewer, "Sales", "User: All Documents")
    page = viewer.get(f"/groups/{group}").text
    assert "0 assigned it directly; 1 active users have it in effect" in page
    assert "1 active member" in page  # the count says which members it counts
    assert [m[1] for m in rows_of(page, "members-table")] == ["admin"]
    everyone = viewer.get(f"/groups/{group}?members=all").text
    assert "3 members" in everyone
    members = rows_of(everyone, "members-table")
    assert [m[1] for m in members] == ["__system__", "admin", "default"]
    assert members[1][2] == "admin → Sales / Administrator → implies Sales / User: All Documents"
    assert viewer.get(f"/groups/{group}?tab=rights").status_code == 403
    auditor = signed_in(Role.AUDITOR).client
    page = auditor.get(f"/groups/{group}?tab=rights").text
    lead = next(r for r in rows_of(page, "acl-table") if r[1] == "crm.lead")
    assert lead == [
        "crm.lead   Lead/Opportunity",
        "crm.lead",
        "✓ yes",
        "✓ yes",
        "✓ yes",
        "— no",
        "Sales / User: All Documents → implies Sales / User: Own Documents Only → ACL crm.lead "
        "(crm.lead)",
    ]
    portal = auditor.get("/groups/10?tab=rights").text  # its archived ACL row grants nothing
    assert "project_sharing_task_portal" not in portal
    internal = rows_of(viewer.get("/groups/1?members=all").text, "members-table")  # renamed one
    assert [m[1] for m in internal] == ["__system__", "admin", "default", "demo"]
    paged = rows_of(viewer.get("/groups/1?members=all&offset=2").text, "members-table")
    assert paged == internal[2:]


def _group_id(c: httpx.Client, application: str, name: str) -> int:
    page = c.get(f"/groups?application={application}").text
    found = re.search(r'href="/groups/(\d+)\?env=PREPROD">' + re.escape(name) + "<", page)
    assert found, page
    return int(found.group(1))


def test_dashboard_and_integrations(synced: int, signed_in: Callable[[Role], SignedIn]) -> None:
    viewer = signed_in(Role.VIEWER).client
    page = viewer.get("/").text
    assert 'data-sync-type="odoo_postgres" data-environment="PREPROD"' in page
    assert 'chip chip-connected" data-status>connected' in page
    assert 'chip chip-not_configured" data-status>not configured' in page
    assert "Set <code>ODOO_PROD_DSN</code> to connect it." in page
    assert "Sync now" not in page  # viewers see no sync buttons
    integrations = viewer.get("/integrations").text
    runs = rows_of(integrations, "runs")
    assert runs[0][:2] == [str(synced), "success"] and runs[0][5:8] == ["7", "68", "100"]
    assert "CREATE ROLE odoo_security_reader LOGIN" in integrations
    assert 'id="sync-odoo"' not in integrations
    admin = signed_in(Role.ADMIN)
    assert "Sync now" in admin.client.get("/").text
    checked = admin.client.post(
        "/integrations/check/odoo", data={"environment": "PREPROD", "csrf_token": admin.csrf}
    )
    result = checked.text.split('id="check-result"', 1)[1]
    assert '<span class="chip chip-ok">ok</span>' in result and "read-only session" in result
    assert "obtest_reader" in result and "PostgreSQL 1" in result


def test_sync_from_the_page(synced: int, signed_in: Callable[[Role], SignedIn]) -> None:
    admin = signed_in(Role.ADMIN)
    refused = admin.client.post("/integrations/sync/odoo", data={"environment": "PREPROD"})
    assert refused.status_code == 403  # no CSRF token
    answer = admin.client.post(
        "/integrations/sync/odoo", data={"environment": "PREPROD", "csrf_token": admin.csrf}
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/integrations?env=PREPROD"
    assert re.search(
        r"Started sync run \d+ for Odoo \(Pre-Production\)", admin.client.get("/integrations").text
    )

    def second_run_done() -> bool:
        runs = rows_of(admin.client.get("/integrations").text, "runs")
        return len(runs) == 2 and runs[0][1] == "success"

    wait_until(second_run_done, timeout=120, interval=0.2)
