"""Reading the directory back: runs, records and the keys later matching relies on."""

from __future__ import annotations

from pathlib import Path

import pytest

from odoobridge.demo import ENTRA_USERS
from odoobridge.directory.state import (
    entra_users,
    guest_home_address,
    latest_directory_run,
    match_keys,
    resolve_directory_run,
)
from odoobridge.directory.sync import sync_azure
from odoobridge.errors import NotFound
from odoobridge.settings import Settings
from odoobridge.store.engine import Store
from odoobridge.sync.runs import start_run
from tests.fakes.identity_fixtures import ADMIN, DEMO, GUEST


@pytest.fixture
def synced(sqlite_store_url: str, tmp_path: Path) -> Store:
    store = Store(sqlite_store_url)
    settings = Settings(
        _env_file=None, DATABASE_URL=sqlite_store_url, AZURE_USER_SYNC_MOCK_FILE=str(ENTRA_USERS)
    )
    sync_azure(store, settings)
    return store


def test_match_keys_cover_null_mail_mixed_case_and_guests(synced: Store) -> None:
    with synced.session() as session:
        users = {u.azure_id: u for u in entra_users(session)}
    assert match_keys(users[ADMIN]) == {"admin@yourcompany.example.com"}  # mail null: the UPN
    assert match_keys(users[DEMO]) == {
        "mark.brown23@example.com",  # Odoo's demo user has this e-mail, in lower case
        "marc.demo@yourcompany.example.com",
    }
    assert match_keys(users[GUEST]) == {
        "joel.willis63@example.com",
        "joel.willis63_example.com#ext#@yourcompany.onmicrosoft.com",
    }
    assert users[GUEST].is_guest and not users[DEMO].is_guest


def test_guest_home_address() -> None:
    assert guest_home_address("a.b_c.example.org#EXT#@t.onmicrosoft.com") == "a.b@c.example.org"
    assert guest_home_address("first_last_example.com#EXT#@t.onmicrosoft.com") == (
        "first_last@example.com"
    )
    assert guest_home_address("member@contoso.example") is None
    assert guest_home_address("nounderscore#EXT#@t.onmicrosoft.com") is None


def test_runs_are_resolved_or_refused_with_what_to_do(synced: Store, tmp_path: Path) -> None:
    with synced.session() as session:
        latest = latest_directory_run(session)
        assert latest is not None and resolve_directory_run(session).id == latest.id
        with pytest.raises(NotFound, match="run 999 is not an Entra"):
            resolve_directory_run(session, 999)
    settings = Settings(_env_file=None, DATABASE_URL=synced.url)
    with pytest.raises(RuntimeError), start_run(synced, "azure_users", None, settings=settings):
        pass  # ends without succeed(): recorded failed
    with synced.session() as session:
        failed = latest.id + 1
        with pytest.raises(NotFound, match=f"run {failed} did not succeed"):
            entra_users(session, failed)


def test_before_the_first_sync(sqlite_store_url: str) -> None:
    store = Store(sqlite_store_url)
    with store.session() as session:
        assert latest_directory_run(session) is None
        with pytest.raises(NotFound, match="run `odoobridge sync azure`"):
            entra_users(session)
