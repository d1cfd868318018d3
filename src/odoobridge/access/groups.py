"""Groups of a run for the pages: the list with applications and member counts, and one group
with its inheritance chains (what it implies, what implies it), members and the rights it
grants directly."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from odoobridge.access.runview import GroupInfo, RunView, UserRow
from odoobridge.access.state import table_of
from odoobridge.errors import NotFound
from odoobridge.store.temporal import alive_at


@dataclass(frozen=True)
class GroupRow:
    group: GroupInfo
    members: int
    implies: int
    implied_by: int


def list_groups(
    view: RunView, *, search: str = "", application: str = "", sort: str = "label"
) -> list[GroupRow]:
    needle = search.strip().lower()
    rows = [
        GroupRow(
            g,
            view.members[g.odoo_id],
            len(view.implies.get(g.odoo_id, ())),
            len(view.implied_by.get(g.odoo_id, ())),
        )
        for g in view.groups.values()
        if (not needle or needle in g.label.lower() or needle in (g.xml_id or ""))
        and (not application or (g.category or "") == application)
    ]
    keys = {
        "label": lambda r: r.group.label.lower(),
        "members": lambda r: (-r.members, r.group.label.lower()),
        "application": lambda r: ((r.group.category or "~").lower(), r.group.name.lower()),
    }
    return sorted(rows, key=keys.get(sort, keys["label"]))


def applications(view: RunView) -> list[str]:
    return sorted({g.category for g in view.groups.values() if g.category})


def chains(view: RunView, group_id: int, *, upward: bool) -> list[list[GroupInfo]]:
    """Every path from the group to the end of its inheritance, down (what it implies) or up
    (what implies it); each path lists the group's neighbours first."""
    edges = view.implied_by if upward else view.implies
    found: list[list[GroupInfo]] = []

    def walk(current: int, path: list[int]) -> None:
        following = sorted(edges.get(current, ()))
        if not following and path:
            found.append([view.groups[g] for g in path if g in view.groups])
        for nxt in following:
            if nxt not in path and nxt != group_id:
                walk(nxt, [*path, nxt])
            if len(found) >= 50:  # enough to read; the counts say the rest
                return

    walk(group_id, [])
    return found


@dataclass
class GroupDetail:
    group: GroupInfo
    members: list[UserRow]
    implies: list[list[GroupInfo]]
    implied_by: list[list[GroupInfo]]
    effective_members: int
    acls: list[Any]
    rules: list[Any]


def group_detail(session: Session, view: RunView, group_id: int) -> GroupDetail:
    group = view.groups.get(group_id)
    if group is None:
        raise NotFound(
            f"there is no Odoo group {group_id} in {view.environment.label} "
            f"(run {view.run_id}): the Groups page lists them"
        )
    env = view.environment.value
    memberships = table_of("memberships")
    member_ids = set(
        session.scalars(
            select(memberships.c.user_id).where(
                alive_at(memberships, env, view.run_id), memberships.c.group_id == group_id
            )
        )
    )
    holders = {group_id} | {g for g in view.groups if group_id in view.closure(g)}
    all_ids = set(
        session.scalars(
            select(memberships.c.user_id).where(
                alive_at(memberships, env, view.run_id), memberships.c.group_id.in_(holders)
            )
        )
    )
    users = {u.odoo_id: u for u in view.users}
    members = sorted((users[u] for u in member_ids if u in users), key=lambda u: u.name.lower())
    acls_table = table_of("acls")
    acls = list(
        session.execute(
            select(acls_table)
            .where(alive_at(acls_table, env, view.run_id), acls_table.c.group_id == group_id)
            .order_by(acls_table.c.model)
        )
    )
    rules_table, links = table_of("rules"), table_of("rule_groups")
    rule_ids = select(links.c.rule_id).where(
        alive_at(links, env, view.run_id), links.c.group_id == group_id
    )
    rules = list(
        session.execute(
            select(rules_table)
            .where(alive_at(rules_table, env, view.run_id), rules_table.c.odoo_id.in_(rule_ids))
            .order_by(rules_table.c.model)
        )
    )
    return GroupDetail(
        group,
        members,
        chains(view, group_id, upward=False),
        chains(view, group_id, upward=True),
        len([u for u in all_ids if u in users and users[u].active]),
        acls,
        rules,
    )
