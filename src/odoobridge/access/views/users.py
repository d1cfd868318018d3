"""Users of a run for the pages: the filtered, sorted, paged list, and one user in detail —
Odoo's own view first (level per application), then what Odoo does not show (effective groups
with the path that grants each). The answers come from the run's :class:`AccessIndex`
(``levels.application_levels``, ``own_groups``, ``path_to_group``); this module only arranges
them for the page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from odoobridge.access.analysis.levels import AppLevel, application_levels
from odoobridge.access.views.runview import GroupInfo, RunView, UserRow
from odoobridge.errors import NotFound
from odoobridge.sources.odoo_records import EmployeeRecord

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
    own: bool  # assigned in its own right (``AccessIndex.own_groups``), not only implied
    path: tuple[GroupInfo, ...]  # from one of the user's own groups down to this one


@dataclass
class UserDetail:
    user: UserRow
    levels: list[AppLevel]
    groups: list[EffectiveGroup]
    employee: EmployeeRecord | None
    companies: list[str]  # the companies the user may switch to, by name


def user_detail(view: RunView, user_id: int) -> UserDetail:
    """Odoo's view of a user (level per application) and every group they hold with the chain
    that brings it, as :class:`AccessIndex` computes them."""
    user = view.user(user_id)
    if user is None:
        raise NotFound(
            f"there is no Odoo user {user_id} in {view.environment.label} "
            f"(run {view.run_id}): the Users page lists them"
        )
    index = view.index
    own = set(index.own_groups(user_id))
    groups = [
        EffectiveGroup(
            view.groups[g],
            g in own,
            tuple(view.groups[p] for p in index.path_to_group(user_id, g) if p in view.groups),
        )
        for g in index.effective.get(user_id, frozenset())
        if g in view.groups
    ]
    groups.sort(key=lambda e: (not e.own, e.group.label.lower()))
    snap = index.snap
    companies = sorted(
        snap.companies[c].name for c in snap.user_companies.get(user_id, ()) if c in snap.companies
    )
    return UserDetail(
        user,
        application_levels(index, user_id),
        groups,
        snap.employees.get(user_id),
        companies,
    )


def filter_rights(rights: list[Any], text: str, writes_only: bool) -> list[Any]:
    """Rights per model whose model (or its name) contains ``text``; only those granting write
    or delete when asked."""
    needle = text.strip().lower()
    return [
        r
        for r in rights
        if (not needle or needle in r.model.lower() or needle in (r.model_name or "").lower())
        and (not writes_only or "write" in r.paths or "unlink" in r.paths)
    ]
