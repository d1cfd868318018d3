"""Fixtures around the fake identity platform + Graph, loaded with the bundled Entra demo users:
settings pointing at it, and a clock that makes retries instant. Conftests import them."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from odoobridge.demo import ENTRA_USERS
from odoobridge.settings import Settings
from odoobridge.sources.graph import Clock, GraphClient, GraphConfig
from tests.fakes.identity import FakeIdentityPlatform

DEMO_USERS: list[dict[str, Any]] = json.loads(ENTRA_USERS.read_text(encoding="utf-8"))["value"]


def demo_id(number: int) -> str:
    """The demo file's ids end in the Odoo hr.employee id (100: the guest)."""
    return f"5f0c2a4e-8d1b-4c3a-9e7f-{number:012d}"


ADMIN, DEMO, GUEST, KELLY, DORIS, PAUL = (demo_id(n) for n in (1, 3, 100, 2, 11, 18))


def generated_users(count: int, start: int = 0) -> list[dict[str, Any]]:
    """Deterministic Graph users for paging tests (``u-000001`` …)."""
    return [
        {
            "id": f"u-{n:06d}",
            "displayName": f"User {n}",
            "mail": f"user{n}@example.com",
            "userPrincipalName": f"user{n}@contoso.example",
            "department": ("Sales", "Research & Development", "Management")[n % 3],
            "jobTitle": "Consultant",
            "employeeId": f"G-{n}",
            "accountEnabled": n % 10 != 0,
            "lastPasswordChangeDateTime": "2026-10-01T08:00:00Z",
            "userType": "Member",
        }
        for n in range(start, start + count)
    ]


class FakeClock(Clock):
    """Time that moves only when the client sleeps: retries cost no real time."""

    def __init__(self) -> None:
        self.current = 1000.0
        self.sleeps: list[float] = []
        super().__init__(now=lambda: self.current, sleep=self._sleep, random=lambda: 0.5)

    def _sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.current += seconds


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeIdentityPlatform]:
    """The fake, serving the demo users. The environment points the usual CA variables at a
    file that does not exist: the product must trust only ODOOBRIDGE_AZURE_CA_BUNDLE."""
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"):
        monkeypatch.setenv(name, str(tmp_path / "no-such-ca.pem"))
    for name in (
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    with FakeIdentityPlatform(tmp_path / "fake") as platform:
        platform.directory.load(DEMO_USERS)
        yield platform


@pytest.fixture
def live_settings(
    fake: FakeIdentityPlatform, sqlite_store_url: str, tmp_path: Path
) -> Callable[..., Settings]:
    """``live_settings(**overrides)``: live (ALLOW_SYNC_MOCKS=0) settings on the fake."""

    def make(**overrides: Any) -> Settings:
        values = {"DATABASE_URL": sqlite_store_url, "ODOOBRIDGE_DATA_DIR": str(tmp_path)}
        values.update(fake.settings(**overrides))
        return Settings(_env_file=None, **values)

    return make


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def graph(live_settings: Callable[..., Settings], clock: FakeClock) -> Callable[..., GraphClient]:
    """``graph(**setting_overrides)``: a client of the fake on the instant clock."""
    made: list[GraphClient] = []

    def make(**overrides: Any) -> GraphClient:
        client = GraphClient(GraphConfig.from_settings(live_settings(**overrides)), clock=clock)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()
