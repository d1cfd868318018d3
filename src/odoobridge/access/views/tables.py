"""Tabular views of Odoo's security model as of a run, for downloads (CSV, XLSX, JSON): groups,
users and memberships. Each function takes the run's :class:`RunView` — the rows the Groups and
Users pages list, with the same names and counts — and returns the column names and the rows."""

from __future__ import annotations

from typing import Any

from odoobridge.access.views.runview import RunView

Table = tuple[list[str], list[list[Any]]]


def groups_table(view: RunView) -> Table:
    columns = [
        "odoo_id",
        "name",
        "application",
        "share",
        "users",
        "implies",
        "implied_by",
        "comment",
    ]
    rows = [
        [
            g.odoo_id,
            g.name,
            g.application,
            g.share,
            view.members(g.odoo_id),
            len(view.children(g.odoo_id)),
            len(view.parents.get(g.odoo_id, ())),
            g.comment,
        ]
        for g in view.groups.values()
    ]
    return columns, rows


def users_table(view: RunView) -> Table:
    columns = [
        "odoo_id",
        "login",
        "name",
        "email",
        "active",
        "kind",
        "company",
        "department",
        "job_title",
        "groups",
        "last_login",
        "created",
    ]
    users = view.index.snap.users
    rows = [
        [
            u.odoo_id,
            u.login,
            users[u.odoo_id].name,
            u.email,
            u.active,
            u.kind,
            u.company,
            u.department,
            u.job_title,
            u.groups,
            u.last_login,
            users[u.odoo_id].create_date,
        ]
        for u in view.users
    ]
    return columns, rows


def memberships_table(view: RunView) -> Table:
    """The memberships Odoo stores (on 16–18 the implied ones too, on 19 the direct ones)."""
    snap = view.index.snap
    columns = ["user_id", "login", "user", "active", "group_id", "group"]
    rows = []
    for user_id in sorted(snap.memberships):
        user = snap.users.get(user_id)
        for group_id in sorted(snap.memberships[user_id]):
            rows.append(
                [
                    user_id,
                    user.login if user else None,
                    user.name if user else None,
                    user.active if user else None,
                    group_id,
                    snap.group_name(group_id) if group_id in snap.groups else None,
                ]
            )
    return columns, rows


EXPORTS = {"groups": groups_table, "users": users_table, "memberships": memberships_table}
