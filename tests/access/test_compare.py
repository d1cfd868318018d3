"""Merge & Compare: every matching edge case and every category, on the real Odoo 18 fixture and
Entra data written by the tests (Graph's /users shape, synced through the mock path)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from odoobridge.access.compare import match_accounts
from odoobridge.access.comparisons import latest_comparison, run_compare
from odoobridge.access.findings.reports import findings_for
from odoobridge.directory.state import entra_users
from odoobridge.directory.sync import sync_azure
from odoobridge.environment import Environment
from odoobridge.errors import ConfigError, NotFound
from tests.access.conftest import Synced

PREPROD = Environment.PREPROD


def person(number: int, name: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": f"00000000-0000-0000-0000-{number:012d}",
        "displayName": name,
        "mail": None,
        "userPrincipalName": f"{name.lower().replace(' ', '.')}@corp.example.com",
        "department": None,
        "jobTitle": None,
        "employeeId": None,
        "accountEnabled": True,
        "lastPasswordChangeDateTime": "2026-01-01T00:00:00Z",
        "userType": "Member",
        **fields,
    }


ADMIN = person(
    1, "Mitchell Admin", userPrincipalName="Admin@YourCompany.Example.com", department="Management"
)
DEMO = person(3, "Marc Demo", mail="MARK.BROWN23@example.com", department="Research & Development")
PORTAL = person(
    7,
    "Joel Willis",
    userPrincipalName="joel.willis63_example.com#EXT#@corp.onmicrosoft.com",
    userType="Guest",
)
JEFFREY = person(20, "Jeffrey Kelly", mail="jeffrey.kelly@corp.example.com", department="Sales")
DORIS = person(21, "Doris Cole", accountEnabled=False, department="Sales")


class Directory:
    def __init__(self, synced: Synced, tmp_path: Path) -> None:
        self.synced = synced
        self.file = tmp_path / "entra.json"
        self.settings = synced.settings.model_copy(
            update={"allow_sync_mocks": True, "azure_user_sync_mock_file": self.file}
        )

    def sync(self, *people: dict[str, Any]) -> int:
        self.file.write_text(json.dumps({"value": list(people)}))
        return sync_azure(self.synced.store, self.settings, full=True).id

    def compare(self, **settings: Any) -> list[dict[str, Any]]:
        chosen = self.settings.model_copy(update=settings)
        with self.synced.store.session() as session:
            result = run_compare(session, chosen, PREPROD, actor="test")
            return [i for i in result.items]


@pytest.fixture
def directory(synced18: Synced, tmp_path: Path) -> Directory:
    return Directory(synced18, tmp_path)


def categories(items: list[dict[str, Any]]) -> set[tuple[str, str | None]]:
    return {(i["category"], i["login"] or i["entra_name"]) for i in items}


def test_matching_edge_cases(directory: Directory) -> None:
    directory.sync(ADMIN, DEMO, PORTAL, JEFFREY, DORIS)
    with directory.synced.store.session() as session:
        users = entra_users(session)
    index = directory.synced.index()
    matching = match_accounts(index.snap.users, users, {})
    matched = {
        index.snap.users[u].login: (p.display_name, matching.how[u])
        for u, p in matching.by_odoo.items()
    }
    assert matched == {
        "admin": ("Mitchell Admin", "email"),  # mail null, UPN in another case
        "demo": ("Marc Demo", "email"),  # mail in capitals
        "portal": ("Joel Willis", "email"),  # a guest: the home address inside #EXT#
    }


def test_clean_directory_reports_only_entra_only_users(directory: Directory) -> None:
    directory.sync(ADMIN, DEMO, PORTAL, JEFFREY, DORIS)
    items = directory.compare()
    assert categories(items) == {("entra_only", "Jeffrey Kelly")}  # Doris is disabled: not listed


def test_leavers_disabled_and_removed(directory: Directory) -> None:
    directory.sync(ADMIN, {**DEMO, "accountEnabled": False}, PORTAL)
    (leaver,) = [i for i in directory.compare() if i["category"] == "leaver"]
    assert (leaver["login"], leaver["severity"], leaver["detail"]) == (
        "demo",
        "critical",
        "disabled in Entra; still active in Odoo",
    )
    directory.sync(ADMIN, PORTAL)  # demo vanished from the listing
    (leaver,) = [i for i in directory.compare() if i["category"] == "leaver"]
    assert leaver["login"] == "demo"
    assert leaver["detail"].startswith("removed from Entra (missing) on 20")
    assert leaver["detail"].endswith("; still active in Odoo")


def test_orphans_share_internal_and_archived_users(directory: Directory) -> None:
    db = directory.synced.db
    db.execute(
        "INSERT INTO res_partner (id, name, email, active, autopost_bills) "
        "VALUES (900, 'Nobody Known', 'nobody@elsewhere.example', true, 'ask')"
    )
    db.execute(
        "INSERT INTO res_users (id, login, partner_id, company_id, active, share, notification_type) "
        "VALUES (900, 'nobody', 900, 1, true, false, 'email')"
    )
    db.execute(
        "INSERT INTO res_groups_users_rel (gid, uid) VALUES (1, 900), (21, 7)"
    )  # portal gets Sales
    db.execute("UPDATE res_users SET active = false WHERE login = 'demo'")
    directory.synced.sync()
    directory.sync(ADMIN, {**DEMO, "accountEnabled": False}, PORTAL)
    items = directory.compare()
    assert categories(items) == {("orphan", "nobody"), ("share_internal", "portal")}
    share = next(i for i in items if i["category"] == "share_internal")
    assert share["detail"] == (
        "portal user holding internal groups: portal → Sales / User: Own Documents Only "
        "→ implies User types / Internal User"
    )
    assert share["severity"] == "high"


def test_departments(directory: Directory, tmp_path: Path) -> None:
    directory.sync(ADMIN, {**DEMO, "department": "Sales"}, PORTAL)
    (mismatch,) = directory.compare()
    assert (mismatch["category"], mismatch["login"], mismatch["detail"]) == (
        "department_mismatch",
        "demo",
        "Entra: Sales; Odoo employee: Research & Development",
    )
    expected = tmp_path / "departments.yaml"
    expected.write_text(
        'Sales: ["Sales / User: All Documents"]\nManagement: [base.group_system, Sales / Administrator]\n'
    )
    items = directory.compare(department_groups=expected)
    assert [i["detail"] for i in items if i["category"] == "department_mismatch"] == [
        "Entra: Sales; Odoo employee: Research & Development",
        "Sales is expected to hold Sales / User: All Documents; demo does not",
    ]
    expected.write_text("Sales: [Sales / User: All Documents]\n")  # unquoted: YAML reads a mapping
    with pytest.raises(ConfigError, match="quote group names that contain"):
        directory.compare(department_groups=expected)
    expected.write_text("Sales: [No Such Group]\n")
    with pytest.raises(ConfigError, match="names group 'No Such Group', unknown in Odoo"):
        directory.compare(department_groups=expected)


def test_identity_map_and_ambiguity(directory: Directory, tmp_path: Path) -> None:
    marc = {**DEMO, "mail": None, "userPrincipalName": "m.demo@corp.example.com"}
    twin_a = person(30, "Twin A", mail="admin@yourcompany.example.com")
    twin_b = person(31, "Twin B", mail="ADMIN@yourcompany.example.com")
    directory.sync(marc, twin_a, twin_b, PORTAL)
    items = directory.compare()
    assert ("orphan", "demo") in categories(items)
    assert ("orphan", "admin") in categories(items)  # two Entra users claim its address
    mapping = tmp_path / "identities.yaml"
    mapping.write_text(
        "demo: M.Demo@corp.example.com\nadmin: 00000000-0000-0000-0000-000000000030\n"
    )
    items = directory.compare(identity_map=mapping)
    assert ("orphan", "demo") not in categories(items)
    assert ("orphan", "admin") not in categories(items)
    assert ("entra_only", "Twin B") in categories(items)
    mapping.write_text("- not a mapping\n")
    with pytest.raises(ConfigError, match=r"ODOOBRIDGE_IDENTITY_MAP .* must map each Odoo login"):
        directory.compare(identity_map=mapping)
    mapping.write_text("demo: [unclosed\n")
    with pytest.raises(ConfigError, match="is not valid YAML"):
        directory.compare(identity_map=mapping)


def test_results_are_kept_per_pair_of_runs(directory: Directory) -> None:
    with (
        directory.synced.store.session() as session,
        pytest.raises(NotFound, match="no Merge & Compare yet"),
    ):
        latest_comparison(session)
    first_azure = directory.sync(ADMIN, DEMO, PORTAL)
    directory.compare()
    second_azure = directory.sync(ADMIN, {**DEMO, "accountEnabled": False}, PORTAL)
    directory.compare()
    with directory.synced.store.session() as session:
        latest = latest_comparison(session, PREPROD)
        assert (
            latest.azure_run_id == second_azure
            and latest.odoo_run_id == directory.synced.index().snap.run_id
        )
        assert latest.summary == {
            "leaver": 1,
            "share_internal": 0,
            "orphan": 0,
            "department_mismatch": 0,
            "entra_only": 0,
        }
        assert latest.created_by == "test"
        earlier = run_compare(
            session, directory.settings, PREPROD, actor="test", azure_run_id=first_azure
        )
        assert earlier.summary["leaver"] == 0
        with pytest.raises(NotFound, match="is not an Entra"):
            run_compare(session, directory.settings, PREPROD, actor="test", azure_run_id=10_000)


def test_findings_use_the_directory(
    directory: Directory, make_synced: Callable[..., Synced]
) -> None:
    # Peers by Entra department: 40 colleagues in Sales, only demo holds Inventory / Administrator.
    db = directory.synced.db
    db.execute(
        "INSERT INTO res_partner (id, name, email, active, autopost_bills) "
        "SELECT 1000 + i, 'Peer ' || i, 'peer' || i || '@corp.example.com', true, 'ask' "
        "FROM generate_series(1, 40) i"
    )
    db.execute(
        "INSERT INTO res_users (id, login, partner_id, company_id, active, share, notification_type) "
        "SELECT 1000 + i, 'peer' || i || '@corp.example.com', 1000 + i, 1, true, false, 'email' "
        "FROM generate_series(1, 40) i"
    )
    db.execute(
        "INSERT INTO res_groups_users_rel (gid, uid) SELECT g, u FROM (SELECT 1000 + i AS u "
        "FROM generate_series(1, 40) i UNION SELECT 6) AS us, (VALUES (1), (21)) AS v(g) "
        "ON CONFLICT DO NOTHING"
    )
    db.execute("INSERT INTO res_groups_users_rel (gid, uid) VALUES (39, 6) ON CONFLICT DO NOTHING")
    directory.synced.sync()
    peers = [
        person(100 + i, f"Peer {i}", mail=f"peer{i}@corp.example.com", department="Sales")
        for i in range(1, 41)
    ]
    directory.sync(ADMIN, {**DEMO, "department": "Sales"}, PORTAL, *peers)
    with directory.synced.store.session() as session:
        index, found = findings_for(session, directory.settings, PREPROD)
    outliers = {(f.subject["login"], f.subject["group"]) for f in found if f.kind == "peer_outlier"}
    assert index.snap.group_name(39) == "Employees / Administrator"
    assert ("demo", "Employees / Administrator") in outliers
    assert all(login == "demo" for login, _ in outliers)
