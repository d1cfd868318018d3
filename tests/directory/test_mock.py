"""Mock mode (ALLOW_SYNC_MOCKS=1 + AZURE_USER_SYNC_MOCK_FILE): the bundled Entra demo file, and
every way a mock file can be wrong — each named, each leaving the store as it was."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from odoobridge.demo import ENTRA_USERS
from odoobridge.directory.state import entra_users
from odoobridge.directory.sync import sync_azure
from odoobridge.errors import ConfigError
from odoobridge.settings import Settings
from odoobridge.store.engine import Store
from odoobridge.sync.models import RunStatus, SyncRun
from tests.fakes.identity_fixtures import ADMIN, DEMO, DEMO_USERS, GUEST, PAUL


def settings_for(store_url: str, tmp_path: Path, **values: Any) -> Settings:
    return Settings(
        _env_file=None, DATABASE_URL=store_url, ODOOBRIDGE_DATA_DIR=str(tmp_path), **values
    )


def test_the_bundled_demo_file_syncs(store: Store, store_url: str, tmp_path: Path) -> None:
    settings = settings_for(store_url, tmp_path, AZURE_USER_SYNC_MOCK_FILE=str(ENTRA_USERS))
    run = sync_azure(store, settings)
    assert run.status == RunStatus.SUCCESS
    assert (run.stats["mode"], run.stats["source"], run.stats["users"]) == ("full", "mock", 12)
    assert run.stats["full_reason"] == "mock file entra_users.json"
    assert run.stats["sign_ins"]["with_activity"] == 12 and run.stats["delta_link"] is None
    with store.session() as session:
        users = {u.azure_id: u for u in entra_users(session)}
    assert users[DEMO].account_enabled is False and users[DEMO].mail == "Mark.Brown23@example.com"
    assert users[GUEST].user_type == "Guest" and users[ADMIN].mail is None
    assert users[PAUL].last_sign_in is not None
    assert users[PAUL].last_sign_in.isoformat() == "2026-03-04T09:00:00+00:00"
    again = sync_azure(store, settings)
    assert (again.stats["added"], again.stats["changed"]) == (0, 0)


def _write(tmp_path: Path, document: Any) -> Path:
    path = tmp_path / "entra.json"
    path.write_text(json.dumps(document) if not isinstance(document, str) else document)
    return path


def _with(index: int, **changes: Any) -> dict[str, Any]:
    users = [dict(u) for u in DEMO_USERS]
    users[index].update(changes)
    return {"value": users}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (_with(1, accountEnabled="no"), "value[1].accountEnabled: Input should be a valid boolean"),
        (_with(0, acountEnabled=True), "value[0].acountEnabled: Extra inputs are not permitted"),
        (_with(2, id=""), "value[2].id: String should have at least 1 character"),
        (
            _with(3, lastPasswordChangeDateTime="last tuesday"),
            "value[3].lastPasswordChangeDateTime: 'last tuesday' is not an ISO 8601 timestamp",
        ),
        (_with(4, id=DEMO_USERS[0]["id"]), f"value[4].id: duplicate id '{DEMO_USERS[0]['id']}'"),
        ({"users": []}, "value: Field required"),
        ([], "must hold a JSON object with a 'value' list of users"),
        ('{"value": [', "is not valid JSON: Expecting value at line 1"),
    ],
)
def test_a_bad_mock_file_fails_the_run_and_names_the_field(
    sqlite_store_url: str, tmp_path: Path, document: Any, message: str
) -> None:
    store = Store(sqlite_store_url)
    path = _write(tmp_path, document)
    settings = settings_for(sqlite_store_url, tmp_path, AZURE_USER_SYNC_MOCK_FILE=str(path))
    with pytest.raises(ConfigError) as error:
        sync_azure(store, settings)
    assert error.value.message.startswith(f"AZURE_USER_SYNC_MOCK_FILE {path} ")
    assert message in error.value.message
    with store.session() as session:
        run = session.scalars(select(SyncRun)).one()
        assert run.status == RunStatus.FAILED and run.error == error.value.message


def test_a_missing_mock_file(sqlite_store_url: str, tmp_path: Path) -> None:
    path = tmp_path / "nope.json"
    settings = settings_for(sqlite_store_url, tmp_path, AZURE_USER_SYNC_MOCK_FILE=str(path))
    with pytest.raises(ConfigError, match="does not exist"):
        sync_azure(Store(sqlite_store_url), settings)


def test_allow_sync_mocks_0_forces_live_calls(sqlite_store_url: str, tmp_path: Path) -> None:
    store = Store(sqlite_store_url)
    settings = settings_for(
        sqlite_store_url, tmp_path, ALLOW_SYNC_MOCKS="0", AZURE_USER_SYNC_MOCK_FILE=str(ENTRA_USERS)
    )
    with pytest.raises(ConfigError) as error:
        sync_azure(store, settings)
    assert error.value.message == (
        "AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET (or "
        "ODOOBRIDGE_AZURE_CLIENT_CERT_PATH) not set: the Entra sync needs an app registration "
        "with the User.Read.All application permission (ALLOW_SYNC_MOCKS=0 forces live calls)"
    )
    with store.session() as session:
        assert session.scalars(select(SyncRun)).all() == []  # no run for a missing setting


def test_without_mock_file_or_configuration(sqlite_store_url: str, tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError, match="or use ALLOW_SYNC_MOCKS=1 with AZURE_USER_SYNC_MOCK_FILE"
    ):
        sync_azure(Store(sqlite_store_url), settings_for(sqlite_store_url, tmp_path))
