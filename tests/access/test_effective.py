"""Effective access on the real fixtures, cross-checked against PostgreSQL and Odoo's own rule."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from odoobridge.access.analysis.answers import group_grants, user_access, who_can
from odoobridge.access.analysis.consistency import missing_memberships
from odoobridge.access.analysis.effective import PERMS, rights_of, rules_for
from odoobridge.access.analysis.levels import application_levels
from odoobridge.errors import ConfigError, NotFound
from tests.access.conftest import Synced

CLOSURE_SQL = """
WITH RECURSIVE implied(gid, hid) AS (
    SELECT gid, hid FROM res_groups_implied_rel
  UNION
    SELECT i.gid, r.hid FROM implied i JOIN res_groups_implied_rel r ON r.gid = i.hid
), direct AS (
    SELECT r.uid, r.gid FROM res_groups_users_rel r JOIN res_users u ON u.id = r.uid WHERE u.active
)
SELECT uid, gid FROM direct UNION SELECT d.uid, i.hid FROM direct d JOIN implied i ON i.gid = d.gid
"""

# Odoo's ir.model.access rule (IrModelAccess._get_allowed_models), with the user's groups as the
# closure above: the models whose active ACL rows with the flag have no group or one of them.
ALLOWED_MODELS_SQL = """
WITH RECURSIVE implied(gid, hid) AS (
    SELECT gid, hid FROM res_groups_implied_rel
  UNION
    SELECT i.gid, r.hid FROM implied i JOIN res_groups_implied_rel r ON r.gid = i.hid
), held AS (
    SELECT gid FROM res_groups_users_rel WHERE uid = %(uid)s
  UNION
    SELECT i.hid FROM res_groups_users_rel r JOIN implied i ON i.gid = r.gid WHERE r.uid = %(uid)s
)
SELECT DISTINCT m.model FROM ir_model_access a JOIN ir_model m ON m.id = a.model_id
WHERE a.perm_{perm} AND a.active AND (a.group_id IS NULL OR a.group_id IN (SELECT gid FROM held))
"""


@pytest.mark.parametrize("version", [16, 18, 19])
def test_closure_equals_the_recursive_sql(
    make_synced: Callable[[int], Synced], version: int
) -> None:
    synced = make_synced(version)
    index = synced.index()
    expected = set(synced.db.execute(CLOSURE_SQL))
    computed = {
        (user_id, group_id)
        for user_id, groups in index.effective.items()
        if index.snap.users[user_id].active
        for group_id in groups
    }
    assert computed == expected
    assert len(computed) == {16: 57, 18: 46, 19: 40}[version]


@pytest.mark.parametrize("version", [16, 18, 19])
def test_rights_follow_odoos_access_rule(
    make_synced: Callable[[int], Synced], version: int
) -> None:
    synced = make_synced(version)
    index = synced.index()
    for login in ("admin", "demo", "portal"):
        user = index.snap.find_user(login)
        held = rights_of(index, user.odoo_id)
        for perm in PERMS:
            rows = synced.db.execute(ALLOWED_MODELS_SQL.format(perm=perm), {"uid": user.odoo_id})
            assert {m for m, p in held if p == perm} == {r[0] for r in rows}, (login, perm)


def test_who_can_unlink_account_move_with_paths(synced18: Synced) -> None:
    answer = who_can(synced18.index(), "account.move", "unlink")
    holders = answer.holders
    assert answer.total == 2
    assert [(h.login, h.odoo_user_id) for h in holders] == [("admin", 2), ("demo", 6)]
    assert holders[0].paths == [
        "admin → Invoicing / Administrator → implies Invoicing / Invoicing → ACL account.move "
        "(account.move: unlink)"
    ]
    assert holders[1].paths == [
        "demo → Invoicing / Invoicing → ACL account.move (account.move: unlink)"
    ]
    assert holders[0].name == "Mitchell Admin"


def test_who_can_through_a_global_acl_includes_portal_users(synced18: Synced) -> None:
    # The fixture's 18 global rows grant nothing; make one grant read, as a crafted case.
    synced18.db.execute("UPDATE ir_model_access SET perm_read = true WHERE id = 96")
    holders = who_can(synced18.index(synced18.sync()), "res.users.settings", "read").holders
    assert {h.login for h in holders} == {"admin", "demo", "portal"}
    portal = next(h for h in holders if h.login == "portal")
    assert portal.paths == ["portal → global ACL res.users.settings (res.users.settings: read)"]


def test_who_can_pages_in_login_order(synced18: Synced) -> None:
    index = synced18.index()
    everyone = who_can(index, "res.partner", "read", include_inactive=True)
    logins = [h.login for h in everyone.holders]
    assert logins == sorted(logins, key=str.lower) and everyone.total == len(logins) == 7
    page = who_can(index, "res.partner", "read", include_inactive=True, offset=2, limit=3)
    assert page.total == 7 and [h.login for h in page.holders] == logins[2:5]
    assert who_can(index, "res.partner", "read").total == 3  # active users only


def test_who_can_errors(synced18: Synced) -> None:
    with pytest.raises(ConfigError, match="unknown operation 'erase'"):
        who_can(synced18.index(), "crm.lead", "erase")
    # "delete" is what pages and people say for unlink
    assert who_can(synced18.index(), "crm.lead", "delete") == who_can(
        synced18.index(), "crm.lead", "unlink"
    )
    with pytest.raises(NotFound, match=r"no access rights mention model 'crm\.leads'"):
        who_can(synced18.index(), "crm.leads", "read")


def test_what_can_demo_do(synced18: Synced) -> None:
    answer = user_access(synced18.index(), "demo")
    assert (answer.odoo_user_id, answer.name, answer.active, answer.share) == (
        6,
        "Marc Demo",
        True,
        False,
    )
    assert len(answer.groups) == 15
    technical = next(g for g in answer.groups if g.group_id == 7)
    assert not technical.own  # stored by Odoo 18, but only because Internal User implies it
    assert technical.path == (
        "demo → Sales / User: Own Documents Only → implies User types / Internal User "
        "→ implies Extra Rights / Technical Features"
    )
    crm = next(r for r in answer.rights if r.model == "crm.lead")
    assert set(crm.paths) == {"read", "write", "create"}  # no unlink for Own Documents Only
    assert crm.paths["write"] == [
        "demo → Sales / User: Own Documents Only → ACL crm.lead (crm.lead: write)"
    ]
    personal = [r for r in answer.rules if r.model == "crm.lead" and r.name == "Personal Leads"]
    assert personal and personal[0].domain == "['|',('user_id','=',user.id),('user_id','=',False)]"
    assert {"application": "Sales", "levels": ["User: Own Documents Only"]} in answer.applications
    assert answer.companies == ["My Company (Chicago)", "My Company (San Francisco)"]


def test_what_can_admin_do_and_last_login(synced18: Synced) -> None:
    index = synced18.index()
    answer = user_access(index, "ADMIN")  # logins match case-insensitively
    assert answer.login == "admin" and len(answer.groups) == 28
    assert answer.last_login is not None
    latest = synced18.db.execute("SELECT max(create_date) FROM res_users_log WHERE create_uid = 2")[
        0
    ][0]
    assert answer.last_login.replace(tzinfo=None) == latest.replace(microsecond=0)  # to the second
    levels = {lv.application: lv for lv in application_levels(index, 2)}
    assert levels["Sales"].as_dict() == {"application": "Sales", "levels": ["Administrator"]}
    assert levels["Sales"].ladder == (
        "User: Own Documents Only",
        "User: All Documents",
        "Administrator",
    )


def test_unknown_user_and_group(synced18: Synced) -> None:
    with pytest.raises(NotFound, match="no Odoo user 'nobody'"):
        user_access(synced18.index(), "nobody")
    with pytest.raises(NotFound, match="'Administrator' names several groups"):
        group_grants(synced18.index(), "Administrator")


def test_what_does_sales_all_documents_grant(synced18: Synced) -> None:
    answer = group_grants(synced18.index(), "Sales / User: All Documents")
    assert answer.group_id == 22 and answer.xml_id == "sales_team.group_sale_salesman_all_leads"
    implied = {g["group_id"]: g["path"] for g in answer.implies}
    assert set(implied) == {21, 1, 7, 19, 46, 52, 68}
    assert implied[1] == (
        "Sales / User: All Documents → implies Sales / User: Own Documents Only → implies User types / Internal User"
    )
    assert {g["group_id"] for g in answer.implied_by} == {23}  # Sales / Administrator
    lead_acls = [a for a in answer.acls if a["model"] == "crm.lead"]
    assert {(a["acl_id"], a["direct"]) for a in lead_acls} == {(520, False)}
    assert [m["login"] for m in answer.members] == ["__system__", "admin", "default"]
    admin = next(m for m in answer.members if m["login"] == "admin")
    assert admin["path"] == "admin → Sales / Administrator → implies Sales / User: All Documents"
    assert not admin["own"]
    assert any(r.name == "All Leads" for r in answer.rules)


def test_groups_found_by_external_id(synced18: Synced) -> None:
    answer = group_grants(synced18.index(), "base.group_system")
    assert answer.group_id == 4 and answer.name == "Administration / Settings"


def test_record_rules_for_a_user(synced18: Synced) -> None:
    index = synced18.index()
    demo = index.snap.find_user("demo").odoo_id
    names = [r.name for r in rules_for(index, demo, "crm.lead", "read")]
    assert names == ["Personal Leads", "CRM Lead Multi-Company"]
    admin_names = [r.name for r in rules_for(index, 2, "crm.lead", "read")]
    assert "All Leads" in admin_names and "CRM Lead Multi-Company" in admin_names


@pytest.mark.parametrize("version", [16, 18])
def test_membership_consistency_fires_on_a_change_behind_odoos_back(
    make_synced: Callable[[int], Synced], version: int
) -> None:
    synced = make_synced(version)
    assert missing_memberships(synced.index()) == []
    # Remove demo's stored Technical Features membership, which Internal User implies.
    synced.db.execute("DELETE FROM res_groups_users_rel WHERE uid = 6 AND gid = 7")
    run = synced.sync()
    (missing,) = missing_memberships(synced.index(run))
    assert (missing.login, missing.group_id, missing.group) == (
        "demo",
        7,
        "Extra Rights / Technical Features",
    )
    assert (
        "implies User types / Internal User → implies Extra Rights / Technical Features"
        in missing.implied_by
    )


def test_membership_consistency_is_silent_on_odoo19(make_synced: Callable[[int], Synced]) -> None:
    index = make_synced(19).index()
    stored = sum(
        len(index.snap.memberships.get(u, ())) for u, r in index.snap.users.items() if r.active
    )
    effective = sum(
        len(index.effective.get(u, ())) for u, r in index.snap.users.items() if r.active
    )
    assert (stored, effective) == (14, 40)  # 19 stores direct memberships only
    assert missing_memberships(index) == []


def test_odoo19_memberships_are_all_assigned(make_synced: Callable[[int], Synced]) -> None:
    # Odoo 19 stores what an admin assigned, nothing implied: demo's Role / User (1) is stored
    # although Sales (22), Project (27) and Inventory (33) imply it — it is demo's own group,
    # reached directly, not "via" one of those.
    index = make_synced(19).index()
    demo = next(u for u, r in index.snap.users.items() if r.login == "demo")
    assert index.own_groups(demo) == [1, 5, 8, 9, 22, 27, 33]
    assert index.path_to_group(demo, 1) == (1,)
    # A group demo holds only through inheritance still shows its chain.
    implied = sorted(index.effective[demo] - set(index.own_groups(demo)))
    assert implied and all(len(index.path_to_group(demo, g)) > 1 for g in implied)


def test_any_past_run_can_be_asked(synced18: Synced) -> None:
    first = synced18.index().snap.run_id
    synced18.db.execute(
        "INSERT INTO res_groups_users_rel (gid, uid) VALUES (39, 6)"
    )  # Inventory admin
    second = synced18.sync()
    assert synced18.index(second).holds(6, 39)
    assert not synced18.index(first).holds(6, 39)
