"""Users of a run for the pages: the filtered, sorted, paged list, and one user in detail —
Odoo's own view first (level per application), then what Odoo does not show (effective groups
with the path that grants each, companies)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from odoobridge.access.levels import AppLevel, application_levels
from odoobridge.access.runview import GroupInfo, RunView, UserRow
from odoobridge.access.state import read_entity, table_of
from odoobridge.errors import NotFound
from odoobridge.store.temporal import alive_at

SORTS = {
    "name": lambda u: (u.name.lower(), u.odoo_id),
    "login": lambda u: (u.login.lower(), u.odoo_id),
    "department": lambda u: ((u.department or "~").lower(), u.name.lower()),
    "groups": lambda u: (u.groups, u.odoo_id),
    "last_login": lambda u: (u.last_login or datetime.min.replace(tzinfo=UTC), u.odoo_id),
}


@dataclass(frozen=True)
class UserFilter:
    search: str = ""
    active: str = "active"  # active | archived | all
    kind: str = "all"  # internal | portal | all
    department: str = ""
    sort: str = "name"
    descending: bool = False


def filter_users(view: RunView, f: UserFilter) -> list[UserRow]:
    needle = f.search.strip().lower()
    rows = view.users
    if f.active == "active":
        rows = [u for u in rows if u.active]
    elif f.active == "archived":
        rows = [u for u in rows if not u.active]
    if f.kind == "internal":
        rows = [u for u in rows if not u.share]
    elif f.kind == "portal":
        rows = [u for u in rows if u.share]
    if f.department:
        rows = [u for u in rows if u.department == f.department]
    if needle:
        rows = [
            u
            for u in rows
            if needle in u.name.lower()
            or needle in u.login.lower()
            or (u.email and needle in u.email.lower())
        ]
    return sorted(rows, key=SORTS.get(f.sort, SORTS["name"]), reverse=f.descending)


@dataclass(frozen=True)
class EffectiveGroup:
    group: GroupInfo
    direct: bool
    path: tuple[GroupInfo, ...]  # from a group the user holds directly down to this one


@dataclass
class UserDetail:
    user: UserRow
    levels: list[AppLevel]
    groups: list[EffectiveGroup]
    companies: list[str]
    employee: Any | None


def direct_groups(session: Session, view: RunView, user_id: int) -> set[int]:
    table = table_of("memberships")
    query = select(table.c.group_id).where(
        alive_at(table, view.environment.value, view.run_id), table.c.user_id == user_id
    )
    return set(session.scalars(query))


def effective_paths(view: RunView, direct: set[int]) -> dict[int, tuple[int, ...]]:
    """Each group the user has, with the shortest chain from a directly held group to it."""
    paths: dict[int, tuple[int, ...]] = {g: (g,) for g in sorted(direct)}
    queue = deque(sorted(direct))
    while queue:
        current = queue.popleft()
        for implied in sorted(view.implies.get(current, ())):
            if implied not in paths:
                paths[implied] = (*paths[current], implied)
                queue.append(implied)
    return paths


def user_detail(session: Session, view: RunView, user_id: int) -> UserDetail:
    user = view.user(user_id)
    if user is None:
        raise NotFound(
            f"there is no Odoo user {user_id} in {view.environment.label} "
            f"(run {view.run_id}): the Users page lists them"
        )
    direct = direct_groups(session, view, user_id)
    paths = effective_paths(view, direct)
    groups = [
        EffectiveGroup(
            view.groups[g], g in direct, tuple(view.groups[p] for p in path if p in view.groups)
        )
        for g, path in paths.items()
        if g in view.groups
    ]
    groups.sort(key=lambda e: (not e.direct, e.group.label.lower()))
    companies = sorted(
        view.companies.get(c.company_id, f"company {c.company_id}")
        for c in read_entity(session, "user_companies", view.environment, view.run_id)
        if c.user_id == user_id
    )
    employee = next(
        (
            e
            for e in read_entity(session, "employees", view.environment, view.run_id)
            if e.user_id == user_id
        ),
        None,
    )
    return UserDetail(user, application_levels(view, set(paths)), groups, companies, employee)
