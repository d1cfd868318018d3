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


def test_the_demo_directory_matches_the_odoo_demo(synced: Store) -> None:
    """The bundled Entra users are the Odoo demo's people: every active Odoo user with an
    e-mail is found by a match key, the leaver is disabled in Entra while active in Odoo, and
    the departments are the Odoo demo's hr departments."""
    import json

    from odoobridge.demo import ODOO_PREPROD

    odoo = json.loads(ODOO_PREPROD.read_text(encoding="utf-8"))
    with synced.session() as session:
        users = entra_users(session)
    by_key = {key: user for user in users for key in match_keys(user)}
    active = {u["login"]: u for u in odoo["users"] if u["active"] and u["email"]}
    assert sorted(active) == ["admin", "demo", "portal"]
    matched = {login: by_key[u["email"].lower()].display_name for login, u in active.items()}
    assert matched == {"admin": "Mitchell Admin", "demo": "Marc Demo", "portal": "Joel Willis"}
    assert by_key["mark.brown23@example.com"].account_enabled is False  # the leaver
    hr_departments = {e["department_name"] for e in odoo["employees"] if e["department_name"]}
    assert {u.department for u in users if u.department} == hr_departments
    without_odoo = [
        u for u in users if not match_keys(u) & {a["email"].lower() for a in active.values()}
    ]
    assert len(without_odoo) == 9
