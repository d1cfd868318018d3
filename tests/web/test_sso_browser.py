"""Microsoft sign-in in a real browser (Debian's chromium via Playwright): the button on the
sign-in page, the round trip through the fake identity platform, the "waiting for approval" page,
a super admin approving on the Admin page, and the person landing signed in. Screenshots go to
artifacts/screenshots/."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from odoobridge.auth.roles import Role
from odoobridge.settings import Settings
from tests.fakes.identity import FakeIdentityPlatform
from tests.fakes.identity_fixtures import KELLY
from tests.web.browser import chromium, screenshot_path
from tests.web.conftest import PASSWORD, SECRET_KEY


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def web_settings(make_settings: Callable[..., Settings], fake: FakeIdentityPlatform) -> Settings:
    return make_settings(
        ODOOBRIDGE_SECRET_KEY=SECRET_KEY, **fake.settings(ODOOBRIDGE_SSO_ENABLED="1")
    )


@pytest.fixture
def contexts(browser: Browser, base_url: str) -> Iterator[Callable[[], Page]]:
    """``open_page()``: a page in a browser context of its own (its own cookies)."""
    opened: list[tuple[BrowserContext, list[str]]] = []

    def open_page() -> Page:
        # The fake identity platform's certificate comes from a CA made for the test, which the
        # product trusts through ODOOBRIDGE_AZURE_CA_BUNDLE; the browser is told to accept it.
        context = browser.new_context(
            base_url=base_url, viewport={"width": 1280, "height": 900}, ignore_https_errors=True
        )
        errors: list[str] = []
        page = context.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        opened.append((context, errors))
        return page

    yield open_page
    for context, errors in opened:
        context.close()
        assert not errors, f"script errors on the pages: {errors}"


def shot(page: Page, name: str) -> None:
    page.screenshot(path=screenshot_path(name), full_page=True)


def test_sign_in_with_microsoft_after_approval(
    contexts: Callable[[], Page],
    fake: FakeIdentityPlatform,
    people: dict[Role, str],
) -> None:
    fake.signin.user = KELLY  # who signs in at "Microsoft"
    person = contexts()
    person.goto("/")
    expect(person.get_by_role("link", name="Sign in with Microsoft")).to_be_visible()
    shot(person, "sso-01-sign-in")
    person.get_by_role("link", name="Sign in with Microsoft").click()
    expect(person.get_by_role("heading", name="Waiting for approval")).to_be_visible()
    expect(person.locator("#pending-notice")).to_contain_text("jeffrey.kelly72@example.com")
    shot(person, "sso-02-waiting-for-approval")
    assert [r.route for r in fake.requests if r.route in ("authorize", "me")] == [
        "authorize",
        "me",
    ]

    boss = contexts()
    boss.goto("/login")
    boss.get_by_label("Email").fill(people[Role.SUPER_ADMIN])
    boss.get_by_label("Password").fill(PASSWORD)
    boss.get_by_role("button", name="Sign in").click()
    expect(boss.get_by_role("heading", name="Dashboard")).to_be_visible()
    boss.goto("/admin")
    row = boss.locator("#accounts tr", has_text="jeffrey.kelly72@example.com")
    expect(row).to_contain_text("pending approval")
    expect(row).to_contain_text("Marketing and Community Manager")
    row.get_by_label("Role for jeffrey.kelly72@example.com").select_option("auditor")
    shot(boss, "sso-03-approval")
    row.get_by_role("button", name="Approve").click()
    expect(boss.locator(".notice")).to_have_text("Approved jeffrey.kelly72@example.com as auditor.")

    person.goto("/login?next=/users")
    person.get_by_role("link", name="Sign in with Microsoft").click()
    expect(person.get_by_role("heading", name="Users", exact=True)).to_be_visible()
    expect(person.locator(".who")).to_contain_text("Jeffrey Kelly")
    expect(person.locator(".who .chip-role")).to_have_text(Role.AUDITOR.label)
    shot(person, "sso-04-signed-in")
