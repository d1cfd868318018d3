"""Mock files: the bundled demo data, validation with the bad field named, ALLOW_SYNC_MOCKS."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from odoobridge.access.sync import open_source, sync_odoo
from odoobridge.demo import ODOO_PREPROD
from odoobridge.demo.export import snapshot_document
from odoobridge.environment import Environment
from odoobridge.errors import ConfigError
from odoobridge.settings import Settings
from odoobridge.sources.odoo_db import OdooDbReader, OdooDbTarget
from odoobridge.sources.odoo_mock import OdooMockReader, load_mock
from odoobridge.store.engine import Store
from tests import facts, pg


def test_bundled_demo_data_is_the_real_odoo18_fixture(odoo18: pg.OdooDatabase) -> None:
    live = snapshot_document(OdooDbReader(OdooDbTarget(dsn=odoo18.reader_dsn)))
    bundled = json.loads(ODOO_PREPROD.read_text())
    assert bundled == json.loads(json.dumps(live, default=str))


def test_demo_data_syncs_like_the_database(
    store: Store, make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    settings = make_settings(ALLOW_SYNC_MOCKS="1", ODOO_SYNC_MOCK_FILE=str(ODOO_PREPROD))
    run = sync_odoo(store, settings, Environment.PREPROD)
    assert run.stats["odoo"]["source"] == "mock"
    assert run.stats["odoo"]["odoo_version"] == "18.0.1.3"
    for entity, count in facts.COUNTS[18].items():
        assert run.stats[entity]["count"] == count


def test_allow_sync_mocks_zero_forces_live_reads(
    make_settings: Callable[..., Settings], odoo18: pg.OdooDatabase
) -> None:
    settings = make_settings(
        ALLOW_SYNC_MOCKS="0",
        ODOO_SYNC_MOCK_FILE=str(ODOO_PREPROD),
        ODOO_PREPROD_DSN=odoo18.reader_dsn,
    )
    assert isinstance(open_source(settings, Environment.PREPROD), OdooDbReader)
    settings = make_settings(ALLOW_SYNC_MOCKS="1", ODOO_SYNC_MOCK_FILE=str(ODOO_PREPROD))
    assert isinstance(open_source(settings, Environment.PREPROD), OdooMockReader)


def write(tmp_path: Path, document: Any) -> Path:
    path = tmp_path / "mock.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return path


MINIMAL = {
    "groups": [{"odoo_id": 1, "name": "Internal User"}],
    "users": [{"odoo_id": 2, "login": "admin"}],
}


def test_minimal_file_defaults(tmp_path: Path) -> None:
    version, rows = load_mock(write(tmp_path, MINIMAL))
    assert version is None
    assert rows["groups"] == [(1, "Internal User", None, None, False, None)]
    assert rows["users"][0][:4] == (2, "admin", True, False)
    assert rows["memberships"] == [] and rows["employees"] == []


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            "{not json",
            "is not valid JSON: Expecting property name enclosed in double quotes at line 1",
        ),
        ("[1, 2]", "must hold a JSON object with one list per entity"),
        ({"users": []}, "is malformed: groups: Field required"),
        (
            {**MINIMAL, "groups": [{"odoo_id": 1}]},
            "is malformed: groups[0].name: Field required",
        ),
        (
            {**MINIMAL, "memberships": [{"user_id": "two", "group_id": 1}]},
            "is malformed: memberships[0].user_id: Input should be a valid integer",
        ),
        (
            {**MINIMAL, "users": [{"odoo_id": 2, "login": "admin", "pasword": "x"}]},
            "is malformed: users[0].pasword: Extra inputs are not permitted",
        ),
        ({**MINIMAL, "grops": []}, "is malformed: grops: Extra inputs are not permitted"),
        (
            {
                **MINIMAL,
                "memberships": [{"user_id": 2, "group_id": 1}, {"user_id": 2, "group_id": 1}],
            },
            "is malformed: memberships[1]: duplicate user_id/group_id (2, 1)",
        ),
        (
            {**MINIMAL, "logins": [{"user_id": 2, "last_login": "yesterday"}]},
            "is malformed: logins[0].last_login: Input should be a valid datetime",
        ),
    ],
)
def test_malformed_files_name_the_bad_field(tmp_path: Path, document: Any, message: str) -> None:
    path = write(tmp_path, document)
    with pytest.raises(ConfigError) as caught:
        load_mock(path)
    assert str(caught.value).startswith(f"ODOO_SYNC_MOCK_FILE {path} {message}")
    assert "\n" not in str(caught.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_mock(tmp_path / "nope.json")


def test_timestamps_without_offset_are_utc(tmp_path: Path) -> None:
    document = {**MINIMAL, "logins": [{"user_id": 2, "last_login": "2026-11-20T08:00:00"}]}
    _, rows = load_mock(write(tmp_path, document))
    (login,) = rows["logins"]
    assert login[1].isoformat() == "2026-11-20T08:00:00+00:00"
