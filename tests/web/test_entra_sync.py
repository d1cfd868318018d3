"""The Entra directory sync wired into the app: POST /api/sync/azure-users in the background, the
Microsoft Entra ID data source, the Integrations card and the schedule entry (bundled demo
directory as the mock file)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from odoobridge.auth.roles import Role
from odoobridge.demo import ENTRA_USERS
from odoobridge.settings import Settings
from odoobridge.sync.scheduler import ScheduledSync, parse_schedule
from tests.web.conftest import SECRET_KEY, SignedIn
from tests.web.live import wait_until


@pytest.fixture
def web_settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings(
        ODOOBRIDGE_SECRET_KEY=SECRET_KEY,
        ALLOW_SYNC_MOCKS="1",
        AZURE_USER_SYNC_MOCK_FILE=str(ENTRA_USERS),
    )


def test_entra_sync_in_the_background(
    anonymous: httpx.Client, make_key: Callable[..., str], signed_in: Callable[[Role], SignedIn]
) -> None:
    admin = {"X-API-Key": make_key(Role.ADMIN)}
    before = anonymous.get("/api/sync/status?sync_type=azure_users", headers=admin).json()
    assert [(s["label"], s["status"]) for s in before] == [("Microsoft Entra ID", "needs_refresh")]
    started = anonymous.post("/api/sync/azure-users", headers=admin)
    assert started.status_code == 202
    run_id = started.json()["run_id"]
    seen: list[dict[str, Any]] = []

    def done() -> bool:
        seen.append(anonymous.get(f"/api/sync/runs/{run_id}", headers=admin).json())
        return bool(seen[-1]["status"] != "running")

    wait_until(done, timeout=60)
    assert seen[-1]["status"] == "success" and seen[-1]["sync_type"] == "azure_users"
    status = anonymous.get("/api/sync/status?sync_type=azure_users", headers=admin).json()
    assert status[0]["status"] == "connected"
    refused = anonymous.post("/api/sync/azure-users", headers={"X-API-Key": make_key(Role.AUDITOR)})
    assert refused.status_code == 403
    page = signed_in(Role.ADMIN).client.get("/integrations").text
    assert 'id="entra-title">Azure Directory Sync' in page and 'id="sync-entra"' in page
    assert f"<tr><td>{run_id}</td>" in page


def test_entra_unconfigured_says_what_to_set(
    make_settings: Callable[..., Settings],
) -> None:
    from odoobridge.directory.reading import open_source
    from odoobridge.errors import ConfigError

    with pytest.raises(ConfigError, match="AZURE_TENANT_ID, AZURE_CLIENT_ID"):
        open_source(make_settings())


def test_entra_can_be_scheduled() -> None:
    assert parse_schedule("azure_users=0 1 * * *") == [
        ScheduledSync("azure_users", None, "0 1 * * *")
    ]
