"""Groups of a run for the pages: the list with applications and member counts, and one group
with its inheritance chains (what it implies, what implies it) and what
:func:`access.answers.group_grants` answers for it — its members with how each holds it, the
access rights and record rules it grants directly and through the groups it implies."""

from __future__ import annotations

from dataclasses import dataclass

from odoobridge.access.analysis.answers import GroupGrants, group_grants
from odoobridge.access.views.runview import GroupInfo, RunView, UserRow
from odoobridge.errors import NotFound


@dataclass(frozen=True)
class GroupRow:
    group: GroupInfo
    members: int
    implies: int
    implied_by: int


GROUP_SORTS = ("application", "label", "xml_id", "members", "implies", "implied_by")


def list_groups(
    view: RunView,
    *,
    search: str = "",
    application: str = "",
    sort: str = "label",
    descending: bool = False,
) -> list[GroupRow]:
    needle = search.strip().lower()
    rows = [
        GroupRow(
            g,
            view.members(g.odoo_id),
            len(view.children(g.odoo_id)),
            len(view.parents.get(g.odoo_id, ())),
        )
        for g in view.groups.values()
        if (not needle or needle in g.label.lower() or needle in (g.xml_id or ""))
        and (not application or (g.application or "") == application)
    ]
    keys = {
        "label": lambda r: r.group.label.lower(),
        "xml_id": lambda r: (r.group.xml_id or "~", r.group.label.lower()),
        "members": lambda r: (-r.members, r.group.label.lower()),
        "implies": lambda r: (-r.implies, r.group.label.lower()),
        "implied_by": lambda r: (-r.implied_by, r.group.label.lower()),
        "application": lambda r: ((r.group.application or "~").lower(), r.group.name.lower()),
    }
    return sorted(rows, key=keys.get(sort, keys["label"]), reverse=descending)


def applications(view: RunView) -> list[str]:
    return sorted({g.application for g in view.groups.values() if g.application})


def chains(view: RunView, group_id: int, *, upward: bool) -> list[list[GroupInfo]]:
    """Every path from the group to the end of its inheritance, down (what it implies) or up
    (what implies it); each path lists the group's neighbours first."""
    found: list[list[GroupInfo]] = []

    def following(current: int) -> list[int]:
        return sorted(view.parents.get(current, ()) if upward else view.children(current))

    def walk(current: int, path: list[int]) -> None:
        nexts = following(current)
        if not nexts and path:
            found.append([view.groups[g] for g in path if g in view.groups])
        for nxt in nexts:
            if nxt not in path and nxt != group_id:
                walk(nxt, [*path, nxt])
            if len(found) >= 50:  # enough to read; the counts say the rest
                return

    walk(group_id, [])
    return found


@dataclass(frozen=True)
class GroupMember:
    user: UserRow
    own: bool  # assigned in their own right, not only through a group that implies this one
    path: str  # how they hold it: "login → Own Group → implies … → this group"


@dataclass
class GroupDetail:
    group: GroupInfo
    grants: GroupGrants  # access rights and record rules with their paths; a page of members
    members: list[GroupMember]  # that page, in login order
    own_members: int  # users assigned the group in their own right
    effective_members: int  # active users holding it, directly or through implied groups
    implies: list[list[GroupInfo]]
    implied_by: list[list[GroupInfo]]


def group_detail(
    view: RunView, group_id: int, *, offset: int = 0, limit: int = 50, active_only: bool = True
) -> GroupDetail:
    """One group as :func:`group_grants` answers it, with the page ``offset``/``limit`` of its
    members (the active ones, or all), and its inheritance chains."""
    group = view.groups.get(group_id)
    if group is None:
        raise NotFound(
            f"there is no Odoo group {group_id} in {view.environment.label} "
            f"(run {view.run_id}): the Groups page lists them"
        )
    index = view.index
    grants = group_grants(index, group_id, offset=offset, limit=limit, active_only=active_only)
    members = [
        GroupMember(user, m["own"], m["path"])
        for m in grants.members
        if (user := view.user(m["odoo_user_id"])) is not None
    ]
    holders = index.group_bits.get(group_id, 0)
    own = view.part(
        ("group-own", group_id),
        lambda: sum(group_id in index.own_groups(u) for u in index.users_in(holders)),
    )
    return GroupDetail(
        group,
        grants,
        members,
        own,
        (holders & index.active_bits).bit_count(),
        chains(view, group_id, upward=False),
        chains(view, group_id, upward=True),
    )
