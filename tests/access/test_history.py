"""Diffs between two runs and timelines, exact on known edits of the real fixture."""

from __future__ import annotations

import pytest

from odoobridge.access.analysis.history import diff_runs, group_timeline, user_timeline
from odoobridge.environment import Environment
from odoobridge.errors import NotFound
from odoobridge.exports import ExportFormat, render
from tests.access.conftest import Synced

PREPROD = Environment.PREPROD


def edited(synced: Synced) -> tuple[int, int]:
    first = synced.index().snap.run_id
    db = synced.db
    db.execute("INSERT INTO res_groups_users_rel (gid, uid) VALUES (23, 6)")  # demo → Sales admin
    db.execute("DELETE FROM res_groups_users_rel WHERE gid = 7 AND uid = 6")
    db.execute("""UPDATE res_groups SET name = '{"en_US": "Boss"}' WHERE id = 23""")
    db.execute("DELETE FROM res_groups_implied_rel WHERE gid = 22 AND hid = 21")
    db.execute("UPDATE ir_model_access SET perm_unlink = true WHERE id = 520")
    db.execute("DELETE FROM ir_rule WHERE id = 120")  # Personal Leads
    db.execute("DELETE FROM rule_group_rel WHERE rule_group_id = 120")
    return first, synced.sync()


def test_diff_is_exact(synced18: Synced) -> None:
    first, second = edited(synced18)
    with synced18.store.session() as session:
        diff = diff_runs(session, PREPROD, first, second)
    counts = {name: c for name, c in diff.counts().items() if any(c.values())}
    assert counts == {
        "groups": {"added": 0, "removed": 0, "changed": 1},
        "memberships": {"added": 1, "removed": 1, "changed": 0},
        "implications": {"added": 0, "removed": 1, "changed": 0},
        "acls": {"added": 0, "removed": 0, "changed": 1},
        "rules": {"added": 0, "removed": 1, "changed": 0},
        "rule_groups": {"added": 0, "removed": 1, "changed": 0},
    }
    (renamed,) = diff.entities["groups"].changed
    assert renamed["odoo_id"] == 23 and renamed["fields"] == ["name"]
    assert (renamed["before"]["name"], renamed["after"]["name"]) == ("Administrator", "Boss")
    (granted,) = diff.entities["memberships"].added
    assert (granted["login"], granted["group"]) == ("demo", "Boss")
    (revoked,) = diff.entities["memberships"].removed
    assert (revoked["login"], revoked["group"], revoked["group_id"]) == (
        "demo",
        "Technical Features",
        7,
    )
    (edge,) = diff.entities["implications"].removed
    assert (edge["group"], edge["implied_group"]) == (
        "User: All Documents",
        "User: Own Documents Only",
    )
    (acl,) = diff.entities["acls"].changed
    assert acl["fields"] == ["perm_unlink"] and acl["after"]["perm_unlink"] is True
    assert diff.entities["rules"].removed[0]["name"] == "Personal Leads"


def test_diff_backwards_and_unknown_runs(synced18: Synced) -> None:
    first, second = edited(synced18)
    with synced18.store.session() as session:
        back = diff_runs(session, PREPROD, second, first)
        assert back.entities["memberships"].added[0]["group_id"] == 7  # the reverse view
        assert diff_runs(session, PREPROD, first, first).counts()["memberships"] == {
            "added": 0,
            "removed": 0,
            "changed": 0,
        }
        with pytest.raises(NotFound, match="run 99 is not an Odoo sync of Odoo"):
            diff_runs(session, PREPROD, first, 99)


def test_timelines(synced18: Synced) -> None:
    first, second = edited(synced18)
    snap = synced18.index().snap
    with synced18.store.session() as session:
        demo = user_timeline(session, PREPROD, 6, snap)
        boss = group_timeline(session, PREPROD, 23, snap)
        unnamed = user_timeline(session, PREPROD, 6)  # without a run: the stored short names
    # what happened, with the group's full name as Odoo shows it
    assert [(e.run_id, e.kind, e.detail) for e in demo if e.run_id == second] == [
        (second, "granted", "Sales / Boss"),
        (second, "removed", "Extra Rights / Technical Features"),
    ]
    assert [(e.kind, e.detail) for e in unnamed if e.run_id == second] == [
        ("granted", "Boss"),
        ("removed", "Technical Features"),
    ]
    assert (
        first,
        "account found (first sync)",
        "login demo, name Marc Demo, e-mail mark.brown23@example.com, active yes, portal no",
    ) in [(e.run_id, e.kind, e.detail) for e in demo]
    # a rename is one "changed" event saying from what to what, not an end and a start
    assert [(e.kind, e.detail) for e in boss if e.run_id == second] == [
        ("changed", "name: Administrator → Boss"),
        ("member added", "demo"),
    ]
    assert (first, "member added (first sync)", "admin") in [
        (e.run_id, e.kind, e.detail) for e in boss
    ]
    assert (first, "now implies (first sync)", "Sales / User: All Documents") in [
        (e.run_id, e.kind, e.detail) for e in boss
    ]
    # an account archived in Odoo shows as a change of its state
    synced18.db.execute("UPDATE res_users SET active = false WHERE id = 6")
    third = synced18.sync()
    with synced18.store.session() as session:
        later = user_timeline(session, PREPROD, 6, synced18.index().snap)
    assert [(e.kind, e.detail) for e in later if e.run_id == third] == [
        ("changed", "active: yes → no")
    ]


def test_exports_in_three_formats() -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    columns = ["login", "group"]
    rows = [["admin", '=HYPERLINK("http://evil")'], ["demo", "Sales / User"]]
    csv_body = render("t", ExportFormat.CSV, columns, rows).decode("utf-8-sig")
    assert csv_body.splitlines() == [
        "login,group",
        'admin,"\'=HYPERLINK(""http://evil"")"',
        "demo,Sales / User",
    ]
    assert render("t", ExportFormat.JSON, columns, rows).startswith(b'[\n {\n  "login": "admin"')
    book = load_workbook(BytesIO(render("sheet", ExportFormat.XLSX, columns, rows)))
    sheet = book.active
    assert sheet is not None
    assert [c.value for c in sheet[1]] == columns and sheet["A1"].font.b
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:B3"
    assert sheet["B2"].value == '\'=HYPERLINK("http://evil")'
