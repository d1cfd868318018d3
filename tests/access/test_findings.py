"""Every finding type fires on a crafted case and stays silent on a clean one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from odoobridge.access.findings.base import Context, Finding, FindingsConfig, at_least
from odoobridge.access.findings.detectors import (
    admin_access,
    dormant_users,
    empty_groups,
    global_acls,
    inconsistent_memberships,
    sensitive_write,
)
from odoobridge.access.findings.drift import env_drift
from odoobridge.access.findings.engine import compute_findings
from odoobridge.access.findings.peers import peer_outliers, wilson_lower_bound
from odoobridge.access.findings.sod import DEFAULT_RULES, load_rules, sod_conflicts, unresolved
from odoobridge.environment import Environment
from odoobridge.errors import ConfigError
from odoobridge.settings import Settings
from tests.access.conftest import Synced

CONFIG = FindingsConfig.from_settings(Settings(_env_file=None))


def titles(found: list[Finding]) -> list[str]:
    return [f.title for f in found]


def test_admin_access(synced18: Synced) -> None:
    found = admin_access(synced18.index())
    assert sorted((f.subject["login"], f.severity, f.subject["group"]) for f in found) == [
        ("admin", "high", "Administration / Access Rights"),
        ("admin", "high", "Administration / Settings"),
        ("admin", "low", "Extra Rights / Technical Features"),
        ("demo", "low", "Extra Rights / Technical Features"),
    ]
    settings = next(f for f in found if f.subject["group"] == "Administration / Settings")
    assert settings.evidence == ["admin → Administration / Settings"]
    # Stable ids: the same subject gives the same id in a later run.
    again = admin_access(synced18.index(synced18.sync()))
    assert {f.id for f in again} == {f.id for f in found}


def test_admin_access_on_odoo19_without_external_ids(make_synced: Callable[[int], Synced]) -> None:
    found = admin_access(make_synced(19).index())
    assert ("admin", "Role / Administrator") in {
        (f.subject["login"], f.subject["group"]) for f in found
    }


def test_sensitive_write(synced18: Synced) -> None:
    found = sensitive_write(synced18.index(), CONFIG.sensitive_models)
    assert sorted((f.subject["login"], f.subject["model"], f.severity) for f in found) == [
        ("admin", "account.journal", "medium"),
        ("admin", "account.move", "medium"),
        ("admin", "ir.config_parameter", "high"),
        ("admin", "ir.model.access", "high"),
        ("admin", "ir.rule", "high"),
        ("admin", "res.groups", "high"),
        ("admin", "res.users", "high"),
        ("demo", "account.move", "medium"),
    ]
    demo = next(f for f in found if f.subject["login"] == "demo")
    assert demo.subject["operations"] == ["write", "unlink"]
    assert "demo → Invoicing / Invoicing → ACL account.move (account.move: unlink)" in demo.evidence
    assert sensitive_write(synced18.index(), frozenset({"crm.stage"})) != []
    assert sensitive_write(synced18.index(), frozenset({"no.such.model"})) == []


def test_dormant_users(synced18: Synced) -> None:
    assert dormant_users(synced18.index(), 90, {}) == []  # demo is new, admin signed in today
    synced18.db.execute(
        "UPDATE res_users SET create_date = now() - interval '400 days' WHERE login = 'demo'"
    )
    synced18.db.execute(
        "UPDATE res_users_log SET create_date = create_date - interval '120 days' WHERE create_uid = 2"
    )
    index = synced18.index(synced18.sync())
    found = dormant_users(index, 90, {})
    assert sorted(f.subject["login"] for f in found) == ["admin", "demo"]
    demo = next(f for f in found if f.subject["login"] == "demo")
    assert demo.evidence[0] == "last Odoo sign-in: never"
    assert [f.subject["login"] for f in dormant_users(index, 200, {})] == ["demo"]

    @dataclass
    class Person:
        department: str | None = None
        manager_id: str | None = None
        last_sign_in: datetime | None = None
        last_non_interactive_sign_in: datetime | None = None

    assert index.snap.completed_at is not None
    recent = Person(last_sign_in=index.snap.completed_at - timedelta(days=3))
    stale = Person(last_non_interactive_sign_in=index.snap.completed_at - timedelta(days=300))
    found = dormant_users(index, 90, {2: recent, 6: stale})
    assert [f.subject["login"] for f in found] == ["demo"]  # a recent Entra sign-in counts
    assert found[0].evidence[-1].startswith("last Entra sign-in: ")


def test_empty_groups(synced18: Synced) -> None:
    found = empty_groups(synced18.index())
    names = {f.subject["name"] for f in found}
    assert "Sales / User: All Documents" not in names  # admin holds it by implication
    assert "User types / Public" in names  # only the archived public user holds it
    assert all(f.severity == "info" for f in found)
    assert len(found) == 39


def test_global_acls(synced18: Synced) -> None:
    assert global_acls(synced18.index()) == []  # the 18 global rows grant nothing
    synced18.db.execute("UPDATE ir_model_access SET perm_read = true WHERE id = 96")
    synced18.db.execute("UPDATE ir_model_access SET perm_write = true WHERE id = 338")
    found = global_acls(synced18.index(synced18.sync()))
    assert [(f.subject["acl_id"], f.severity) for f in found] == [(96, "low"), (338, "medium")]
    assert found[1].title == "every user, portal and public included, may write crm.team.member"


def test_membership_inconsistency_finding(synced18: Synced) -> None:
    assert inconsistent_memberships(synced18.index()) == []
    synced18.db.execute("DELETE FROM res_groups_users_rel WHERE uid = 2 AND gid = 1")
    (found,) = inconsistent_memberships(synced18.index(synced18.sync()))
    assert (found.severity, found.subject["login"], found.subject["group"]) == (
        "high",
        "admin",
        "User types / Internal User",
    )


def test_sod_conflicts(synced18: Synced) -> None:
    rules = load_rules(None)
    found = sod_conflicts(synced18.index(), rules)
    assert sorted((f.subject["login"], f.subject["rule"]) for f in found) == [
        ("admin", "ap-bills-and-payments"),
        ("admin", "sales-admin-and-accounting-admin"),
        ("admin", "stock-adjustment-and-journal-entries"),
        ("admin", "user-admin-and-accounting-admin"),
        ("demo", "ap-bills-and-payments"),
        ("demo", "stock-adjustment-and-journal-entries"),
    ]
    demo = next(
        f
        for f in found
        if f.subject == {**f.subject, "login": "demo", "rule": "ap-bills-and-payments"}
    )
    assert demo.title == "demo may create vendor bills and register payments"
    assert "demo → Invoicing / Invoicing → ACL account.move (account.move: create)" in demo.evidence
    # Clean: take demo out of Invoicing and Inventory.
    synced18.db.execute(
        "DELETE FROM res_groups_users_rel WHERE uid = 6 AND gid IN "
        "(SELECT id FROM res_groups WHERE name->>'en_US' IN ('Invoicing', 'User') "
        "AND category_id IN (SELECT id FROM ir_module_category WHERE name->>'en_US' IN ('Invoicing', 'Inventory')))"
    )
    found = sod_conflicts(synced18.index(synced18.sync()), rules)
    assert {f.subject["login"] for f in found} == {"admin"}


def test_sod_rule_files(tmp_path: Path, make_synced: Callable[[int], Synced]) -> None:
    custom = tmp_path / "rules.yaml"
    custom.write_text(
        "rules:\n  - id: crm-and-settings\n    title: t\n    first: {label: sell, group: Sales / Administrator}\n"
        "    second: {label: configure, group: base.group_system}\n"
    )
    (rule,) = load_rules(custom)
    assert rule.first.group == ["Sales / Administrator"] and rule.severity == "high"
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "rules:\n  - id: x\n    title: t\n    first: {label: a}\n    second: {label: b, group: g}\n"
    )
    with pytest.raises(
        ConfigError,
        match=r"are malformed: rules\.0\.first: Value error, give either group or right",
    ):
        load_rules(bad)
    bad.write_text("rules: [")
    with pytest.raises(ConfigError, match="are not valid YAML"):
        load_rules(bad)
    with pytest.raises(ConfigError, match="do not exist"):
        load_rules(tmp_path / "none.yaml")
    # Odoo 19 has no accounting in its fixture: the accounting duties cannot be resolved there.
    index = make_synced(19).index()
    assert (
        "user-admin-and-accounting-admin: no group 'account.group_account_manager' in Odoo (Pre-Production)"
        in unresolved(index, load_rules(DEFAULT_RULES))
    )


def test_wilson_lower_bound() -> None:
    assert wilson_lower_bound(0, 0) == 0.0
    assert wilson_lower_bound(2, 2) == pytest.approx(0.342, abs=1e-3)  # tiny groups prove nothing
    assert wilson_lower_bound(40, 40) == pytest.approx(0.912, abs=1e-3)
    assert wilson_lower_bound(97, 100) == pytest.approx(0.915, abs=1e-3)


def test_peer_outliers(synced18: Synced) -> None:
    index = synced18.index()

    @dataclass
    class Person:
        department: str | None
        manager_id: str | None = None
        last_sign_in: datetime | None = None
        last_non_interactive_sign_in: datetime | None = None

    # 40 internal users in one department; only one holds Sales / Administrator.
    synced18.db.execute(
        "INSERT INTO res_partner (id, name, active, autopost_bills) "
        "SELECT 1000 + i, 'Peer ' || i, true, 'ask' FROM generate_series(1, 40) i"
    )
    synced18.db.execute(
        "INSERT INTO res_users (id, login, partner_id, company_id, active, share, notification_type) "
        "SELECT 1000 + i, 'peer' || i || '@example.com', 1000 + i, 1, true, false, 'email' "
        "FROM generate_series(1, 40) i"
    )
    synced18.db.execute(
        "INSERT INTO res_groups_users_rel (gid, uid) SELECT g, 1000 + i FROM generate_series(1, 40) i, "
        "(VALUES (1), (21)) AS v(g)"
    )
    synced18.db.execute("INSERT INTO res_groups_users_rel (gid, uid) VALUES (23, 1001), (22, 1001)")
    index = synced18.index(synced18.sync())
    people = {1000 + i: Person("Sales") for i in range(1, 41)}
    found = peer_outliers(index, people, 0.15)
    # Exactly the groups peer1 holds beyond what every other peer holds.
    extra = index.effective[1001] - index.effective[1002]
    assert {index.snap.group_name(g) for g in extra} == {
        "Sales / Administrator",
        "Sales / User: All Documents",
        "Canned Responses / Canned Response Administrator",
    }
    assert {(f.subject["login"], f.subject["group"]) for f in found} == {
        ("peer1@example.com", index.snap.group_name(g)) for g in extra
    }
    assert found[0].evidence[0].startswith("0 of 39 peers (department Sales) hold it")
    # Five peers: the same pattern is too thin to fire.
    assert peer_outliers(index, {k: v for k, v in people.items() if k <= 1005}, 0.15) == []
    # Peers by manager where there is no department.
    by_manager = {k: Person(None, manager_id="boss-1") for k in people}
    assert len(peer_outliers(index, by_manager, 0.15)) == 3


def test_env_drift(make_synced: Callable[..., Synced]) -> None:
    preprod = make_synced(18)
    prod = make_synced(18, Environment.PROD)
    assert env_drift(preprod.index(), prod.index()) == []
    prod.db.execute("UPDATE ir_model_access SET perm_unlink = true WHERE id = 520")
    prod.db.execute("DELETE FROM res_groups_implied_rel WHERE gid = 22 AND hid = 21")
    prod.db.execute("""UPDATE res_groups SET name = '{"en_US": "Sales Boss"}' WHERE id = 23""")
    found = env_drift(preprod.index(), prod.index(prod.sync()))
    assert sorted((f.subject["type"], f.title) for f in found) == [
        ("acl", "acl crm.access_crm_lead differs: operations"),
        ("group", "group sales_team.group_sale_manager differs: name"),
        (
            "implication",
            "implication sales_team.group_sale_salesman_all_leads → sales_team.group_sale_salesman "
            "exists in PREPROD only",
        ),
    ]
    assert all(f.environment == "PREPROD/PROD" for f in found)
    # The same drift seen from the other side keeps its ids.
    assert {f.id for f in env_drift(prod.index(), preprod.index())} == {f.id for f in found}


def test_compute_findings_orders_by_severity(synced18: Synced) -> None:
    found = compute_findings(synced18.index(), CONFIG, Context())
    severities = [f.severity for f in found]
    assert severities == sorted(severities, key=["critical", "high", "medium", "low", "info"].index)
    assert {f.kind for f in found} == {
        "admin_access",
        "sensitive_write",
        "sod_conflict",
        "empty_group",
    }
    assert at_least("high", "medium") and not at_least("low", "medium")
    with pytest.raises(ConfigError, match="unknown severity 'urgent'"):
        at_least("high", "urgent")
