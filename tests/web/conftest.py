"""Fixtures of the web tests: the app on a PostgreSQL store (``store_url`` is overridden here;
parametrise it indirectly to add SQLite), a live server, accounts and API keys per role, and
signed-in clients."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from odoobridge.auth.accounts import create_local_account
from odoobridge.auth.apikeys import create_api_key
from odoobridge.auth.audit import Origin
from odoobridge.auth.roles import Role
from odoobridge.settings import Settings
from odoobridge.store.engine import Store
from odoobridge.web.app import create_app
from tests import pg
from tests.auth.quick_hashes import _quick_password_hashes  # noqa: F401 (autouse fixture)
from tests.conftest import _postgres_store_template
from tests.fakes.identity_fixtures import fake  # noqa: F401 (the fake identity platform)
from tests.web.live import client, live_server

SECRET_KEY = "test-secret-key-0123456789-abcdefghijklmnop"
PASSWORD = "correct horse battery staple"


@pytest.fixture(params=["postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty store: PostgreSQL unless a test parametrises ``sqlite`` indirectly."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.sqlite'}"
        return
    name = f"obt_store_{uuid.uuid4().hex[:10]}"
    pg.create_database(name, _postgres_store_template())
    try:
        yield pg.url_for(name)
    finally:
        pg.drop_database(name)


@pytest.fixture
def web_settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings(ODOOBRIDGE_SECRET_KEY=SECRET_KEY)


@pytest.fixture
def app(web_settings: Settings, store: Store) -> FastAPI:
    return create_app(web_settings, store)


@pytest.fixture
def base_url(app: FastAPI) -> Iterator[str]:
    with live_server(app) as base:
        yield base


@pytest.fixture
def anonymous(base_url: str) -> Iterator[httpx.Client]:
    with client(base_url) as c:
        yield c


def email_for(role: Role) -> str:
    return f"{role.value.replace('_', '-')}@example.com"


@pytest.fixture
def people(store: Store) -> dict[Role, str]:
    """One active local account per role (password ``PASSWORD``): role → email."""
    made: dict[Role, str] = {}
    with store.session() as session:
        for role in Role:
            account = create_local_account(
                session,
                email=email_for(role),
                name=role.label,
                password=PASSWORD,
                role=role,
                by="test",
                origin=Origin(),
            )
            made[role] = account.email
    return made


def login_token(c: httpx.Client) -> str:
    page = c.get("/login")
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def sign_in(c: httpx.Client, email: str, password: str = PASSWORD) -> httpx.Response:
    token = login_token(c)
    return c.post(
        "/login", data={"email": email, "password": password, "csrf_token": token, "next": "/"}
    )


@dataclass
class SignedIn:
    client: httpx.Client
    csrf: str

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        headers = {"X-CSRF-Token": self.csrf, **kwargs.pop("headers", {})}
        return self.client.post(url, headers=headers, **kwargs)


@pytest.fixture
def signed_in(base_url: str, people: dict[Role, str]) -> Iterator[Callable[[Role], SignedIn]]:
    """``signed_in(Role.ADMIN)``: a client with that role's session cookie and CSRF token."""
    opened: list[httpx.Client] = []

    def make(role: Role) -> SignedIn:
        c = client(base_url)
        opened.append(c)
        answer = sign_in(c, people[role])
        assert answer.status_code == 303, answer.text
        csrf = c.get("/api/auth/me").json()["csrf_token"]
        return SignedIn(c, csrf)

    yield make
    for c in opened:
        c.close()


@pytest.fixture
def make_key(store: Store) -> Callable[..., str]:
    """``make_key(Role.AUDITOR, scopes=[…])``: the plain text of a new API key."""

    def make(role: Role, scopes: list[str] | None = None, **kwargs: Any) -> str:
        with store.session() as session:
            _key, raw = create_api_key(
                session,
                name=f"test {role.value}",
                role=role,
                scopes=scopes or [],
                by=kwargs.pop("by", "test"),
                origin=Origin(),
                by_role=Role.SUPER_ADMIN,
                **kwargs,
            )
        return raw

    return make
