"""In a real browser (Debian's chromium via Playwright): sign in, sync Odoo and watch it finish,
open a user and a group, download an export and read its rows, and the security checks — CSRF
refused without a token, a hostile group name inert. Every page is saved as a screenshot in
artifacts/screenshots/."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Dialog, Page, expect

from odoobridge.auth.roles import Role
from odoobridge.settings import Settings
from tests import pg
from tests.web.browser import chromium, screenshot_path
from tests.web.conftest import PASSWORD, SECRET_KEY

XSS = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def web_settings(make_settings: Callable[..., Settings], odoo18: pg.OdooDatabase) -> Settings:
    odoo18.execute(
        "UPDATE res_groups SET name = %s::jsonb WHERE id = 1", ('{"en_US": "' + XSS + '"}',)
    )
    return make_settings(ODOOBRIDGE_SECRET_KEY=SECRET_KEY, ODOO_PREPROD_DSN=odoo18.reader_dsn)


@pytest.fixture
def page(browser: Browser, base_url: str, people: dict[Role, str]) -> Iterator[Page]:
    context = browser.new_context(
        base_url=base_url, viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    opened = context.new_page()
    dialogs: list[str] = []
    policy = {"accept": False}

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.accept() if policy["accept"] else dialog.dismiss()

    opened.on("dialog", on_dialog)
    opened.dialog_policy = policy  # type: ignore[attr-defined]
    errors: list[str] = []
    opened.on("pageerror", lambda e: errors.append(str(e)))
    opened.dialogs = dialogs  # type: ignore[attr-defined]
    yield opened
    context.close()
    assert not errors, f"script errors on the pages: {errors}"


def sign_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def shot(page: Page, name: str) -> None:
    page.screenshot(path=screenshot_path(name), full_page=True)


def test_the_whole_round(page: Page, people: dict[Role, str]) -> None:
    page.goto("/")
    assert page.url.endswith("/login?next=/")
    shot(page, "01-sign-in")
    sign_in(page, people[Role.SUPER_ADMIN])
    expect(page.locator('[data-environment="PREPROD"] [data-status]')).to_have_text("needs refresh")
    shot(page, "02-dashboard-before-sync")

    page.get_by_role("link", name="Data & Integrations").click()
    page.get_by_role("button", name="Sync Odoo (Pre-Production) now").click()
    expect(page.locator(".notice")).to_contain_text("Started sync run")
    # the page's script follows the run and reloads when it ends
    expect(page.locator("#runs tbody tr").first.locator(".chip")).to_have_text(
        "success", timeout=120_000
    )
    expect(page.locator("#runs tbody tr").first).to_contain_text("68")
    shot(page, "03-integrations")
    page.get_by_role("button", name="Check connection and grants").click()
    expect(page.locator("#check-result")).to_contain_text("read-only session")
    shot(page, "04-integrations-check")

    page.get_by_role("link", name="Dashboard").click()
    expect(page.locator('[data-environment="PREPROD"] [data-status]')).to_have_text("connected")
    # plotly (from the installed package, under a script-src 'self' policy) drew the chart
    expect(page.locator("#findings-chart .main-svg").first).to_be_visible()
    shot(page, "05-dashboard")

    page.get_by_role("link", name="Users").click()
    expect(page.locator("#user-count")).to_have_text("3 users")
    shot(page, "06-users")
    page.get_by_role("link", name="Marc Demo").click()
    expect(page.locator('tr[data-application="Sales"] td')).to_have_text("User: Own Documents Only")
    expect(page.locator('tr[data-application="User types"] td')).to_have_text(XSS)
    shot(page, "07-user")

    page.get_by_role("link", name="Sales / User: Own Documents Only").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sales / User: Own Documents Only")
    page.get_by_role("link", name="Inheritance").click()
    expect(page.locator("#implied-title + ul")).to_contain_text("Administrator")
    shot(page, "08-group")
    page.goto("/groups/1")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"User types / {XSS}")
    page.get_by_role("link", name="Groups").first.click()
    expect(page.locator("#group-count")).to_have_text("68 groups")
    shot(page, "09-groups")
    assert page.dialogs == []  # type: ignore[attr-defined]  # the script in the name never ran

    page.goto("/users")
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    path = download.value.path()
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert sorted(r["login"] for r in rows) == [
        "__system__",
        "admin",
        "default",
        "demo",
        "portal",
        "portaltemplate",
        "public",
    ]
    assert download.value.suggested_filename.startswith("odoo-users-preprod-run")

    page.get_by_role("link", name="Admin", exact=True).click()
    expect(page.locator("#audit")).to_contain_text("export")
    shot(page, "10-admin")
    page.get_by_role("link", name="Analysis").click()
    page.get_by_label("Operation").select_option("unlink")
    page.get_by_label("Model").fill("crm.lead")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#holders-count")).to_have_text("1 active user may unlink crm.lead")
    shot(page, "14-analysis")
    page.goto("/docs")
    expect(page.locator(".swagger-ui .title").first).to_contain_text("OdooBridge")
    shot(page, "11-api-docs")
    page.goto("/groups/4242")
    shot(page, "12-error-page")


def test_csrf_is_refused_without_a_token(page: Page, people: dict[Role, str]) -> None:
    sign_in(page, people[Role.ADMIN])
    status = page.evaluate("""async () => {
        const r = await fetch('/api/admin/api-keys', {method: 'POST',
            headers: {'Content-Type': 'application/json'}, body: JSON.stringify({name: 'x'})});
        return [r.status, (await r.json()).detail];
    }""")
    assert status == [403, "the form or call lacks its CSRF token: reload the page and try again"]
    made = page.evaluate("""async () => {
        const me = await (await fetch('/api/auth/me')).json();
        const r = await fetch('/api/admin/api-keys', {method: 'POST', headers: {
            'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token},
            body: JSON.stringify({name: 'from the page'})});
        return r.status;
    }""")
    assert made == 201


def test_keys_made_on_the_admin_page(page: Page, people: dict[Role, str]) -> None:
    sign_in(page, people[Role.ADMIN])
    page.goto("/admin")
    page.get_by_label("What uses it").fill("nightly export")
    page.get_by_label("Role", exact=True).select_option("auditor")
    page.get_by_role("button", name="Make key").click()
    key = page.locator("#new-key").inner_text()
    assert key.startswith("obk_")
    shot(page, "13-admin-new-key")
    answer = page.request.get("/api/auth/me", headers={"X-API-Key": key})
    assert answer.json()["role"] == "auditor"
    page.dialog_policy["accept"] = True  # type: ignore[attr-defined]  # confirm "Revoke …?"
    page.get_by_role("button", name="Revoke nightly export").click()
    expect(page.locator(".notice")).to_contain_text("Revoked the API key")
    answer = page.request.get("/api/auth/me", headers={"X-API-Key": key})
    assert answer.status == 401
