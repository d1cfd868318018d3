"""The pages' view of a run (runview, users, groups, levels) on the real fixtures: every figure
and path a page shows is the analysis' own answer (``AccessIndex``, ``answers``), and where the
pages used to compute their own, the Odoo semantics they now follow are pinned here."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from odoobridge.access.analysis.answers import group_grants, user_access
from odoobridge.access.analysis.levels import application_levels
from odoobridge.access.views.groups import applications, group_detail, list_groups
from odoobridge.access.views.runview import RunView, build_view
from odoobridge.access.views.tables import groups_table, memberships_table, users_table
from odoobridge.access.views.users import UserFilter, filter_users, user_detail
from odoobridge.errors import NotFound
from tests.access.conftest import Synced


def view_of(synced: Synced) -> RunView:
    return build_view(synced.index())


@pytest.mark.parametrize("version", [16, 18, 19])
def test_the_pages_show_the_analysis_answers(
    make_synced: Callable[[int], Synced], version: int
) -> None:
    view = view_of(make_synced(version))
    index = view.index
    for row in view.users:
        access = user_access(index, row.odoo_id)
        detail = user_detail(view, row.odoo_id)
        assert row.groups == len(access.groups) == len(detail.groups)
        page = {e.group.odoo_id: (e.group.label, e.own) for e in detail.groups}
        assert page == {g.group_id: (g.name, g.own) for g in access.groups}
        for e in detail.groups:  # the chain the page prints is the path the API prints
            chain = " → ".join(
                p.label if i == 0 else f"implies {p.label}" for i, p in enumerate(e.path)
            )
            held = next(g for g in access.groups if g.group_id == e.group.odoo_id)
            assert held.path == f"{row.login} → {chain}"
        held_levels = [lv.as_dict() for lv in detail.levels if lv.holds]
        assert sorted(held_levels, key=lambda a: a["application"]) == access.applications
    for group in list_groups(view):
        grants = group_grants(index, group.group.odoo_id)
        assert group.group.label == grants.name
        assert group.members == len(grants.members)


def test_a_user_on_odoo18(synced18: Synced) -> None:
    view = view_of(synced18)
    demo = user_detail(view, 6)
    assert (demo.user.login, demo.user.department, demo.user.groups) == (
        "demo",
        "Research & Development",
        15,
    )
    levels = {lv.application: lv for lv in demo.levels}
    assert levels["Sales"].text == "Sales: User: Own Documents Only"
    assert levels["Administration"].text == "Administration: No access"
    # Odoo 18 stores Technical Features for demo only because Internal User implies it: the
    # page says how it came, as the API does (it used to say "member").
    technical = next(e for e in demo.groups if e.group.odoo_id == 7)
    assert not technical.own
    assert [p.label for p in technical.path] == [
        "Sales / User: Own Documents Only",
        "User types / Internal User",
        "Extra Rights / Technical Features",
    ]
    own = [e.group.label for e in demo.groups if e.own]
    assert "Sales / User: Own Documents Only" in own and len(own) == 9
    with pytest.raises(
        NotFound, match=r"there is no Odoo user 4242 in Odoo \(Pre-Production\) \(run \d+\)"
    ):
        user_detail(view, 4242)


def test_a_group_on_odoo18(synced18: Synced) -> None:
    view = view_of(synced18)
    detail = group_detail(view, 22, active_only=False)  # Sales / User: All Documents
    assert detail.group.label == "Sales / User: All Documents"
    members = {m.user.login: m for m in detail.members}
    assert list(members) == ["__system__", "admin", "default"]  # login order
    active = group_detail(view, 22)  # the page shows the active members unless asked
    assert [m.user.login for m in active.members] == ["admin"]
    assert active.grants.members_total == 1 and detail.grants.members_total == 3
    assert members["admin"].path == (
        "admin → Sales / Administrator → implies Sales / User: All Documents"
    )
    # all three hold it through Sales / Administrator; admin is the one active
    assert (detail.own_members, detail.effective_members) == (0, 1)
    lead = [a for a in detail.grants.acls if a["model"] == "crm.lead"]
    assert [(a["acl_id"], a["direct"], a["model_name"]) for a in lead] == [
        (520, False, "Lead/Opportunity")
    ]
    assert [[g.label for g in chain] for chain in detail.implied_by] == [["Sales / Administrator"]]
    assert ["Sales / User: Own Documents Only", "User types / Internal User"] in [
        [g.label for g in chain][:2] for chain in detail.implies
    ]
    page = group_detail(view, 22, offset=1, limit=1, active_only=False)  # members are paged
    assert [m.user.login for m in page.members] == ["admin"]
    assert (page.grants.members_total, page.own_members, page.effective_members) == (3, 0, 1)
    with pytest.raises(NotFound, match="there is no Odoo group 4242"):
        group_detail(view, 4242)


def test_inactive_rows_grant_nothing_on_a_groups_page(synced18: Synced) -> None:
    # Portal's ACL row project_sharing_task_portal (614) and the record rule 154 are archived in
    # the fixture; Odoo ignores archived rows, and so does the page now (it listed both).
    detail = group_detail(view_of(synced18), 10)
    assert detail.group.label == "User types / Portal"
    assert 614 not in {a["acl_id"] for a in detail.grants.acls}
    assert 154 not in {r.rule_id for r in detail.grants.rules}
    assert {a["acl_id"] for a in detail.grants.acls if a["direct"]}  # its active rows remain


def test_odoo19_names_counts_and_levels(make_synced: Callable[[int], Synced]) -> None:
    view = view_of(make_synced(19))
    # Odoo 19 names a group after its privilege ("Project / User"), not the privilege's
    # category ("Services"): the pages used the category.
    project_user = view.groups[27]
    assert (project_user.label, project_user.application, project_user.category) == (
        "Project / User",
        "Project",
        "Services",
    )
    assert "Project" in applications(view) and "Services" not in applications(view)
    assert [r.group.label for r in list_groups(view, application="Project", sort="label")] == [
        "Project / Administrator",
        "Project / User",
    ]
    # Odoo 19 stores direct memberships only: the users list counts the groups a user holds
    # in effect, as their page lists them (it counted the stored rows: 6 for admin).
    rows = {u.login: u.groups for u in filter_users(view, UserFilter(active="all"))}
    assert rows == {
        "__system__": 25,
        "admin": 24,
        "public": 1,
        "portaltemplate": 3,
        "demo": 13,
        "portal": 3,
    }
    assert [r.members for r in list_groups(view, search="Project / User")] == [3]
    levels = [lv.text for lv in application_levels(view.index, 5) if lv.kind == "selection"]
    assert levels == ["Inventory: User", "Project: User", "Sales: User: Own Documents Only"]


def test_the_exports_list_what_the_pages_list(make_synced: Callable[[int], Synced]) -> None:
    view = view_of(make_synced(19))
    columns, rows = users_table(view)
    users = {r[columns.index("login")]: dict(zip(columns, r, strict=True)) for r in rows}
    assert {login: u["groups"] for login, u in users.items()} == {
        u.login: u.groups for u in view.users
    }
    assert users["admin"]["groups"] == 24 and users["admin"]["name"] == "Mitchell Admin"
    columns, rows = groups_table(view)
    project_user = dict(zip(columns, next(r for r in rows if r[0] == 27), strict=True))
    assert (project_user["application"], project_user["users"]) == ("Project", 3)
    columns, rows = memberships_table(view)
    assert len(rows) == 26  # stored rows: Odoo 19 keeps the direct memberships only
    assert [5, "demo", "Marc Demo", True, 27, "Project / User"] in rows
