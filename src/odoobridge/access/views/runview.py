"""One successful Odoo run held in memory for the pages: the run's access index (from
:func:`access.effective.index_for`) plus what the pages list and sort — a row per group and a
row per user.

Nothing here computes access: group names, applications, implications, memberships and member
counts all come from the index and its snapshot, so a page shows what the CLI and the API answer.
A run's facts never change once it succeeded, so a view is built once per (environment, run)
and kept (the last few runs) in a :class:`~odoobridge.runcache.RunCache` (:func:`view_for`);
every page then filters, sorts and pages in memory, and keeps what it renders with
:meth:`RunView.part`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from odoobridge.access.analysis.effective import AccessIndex, index_for
from odoobridge.environment import Environment
from odoobridge.runcache import RunCache


@dataclass(frozen=True)
class GroupInfo:
    odoo_id: int
    name: str
    label: str  # Odoo's full name: "Application / Group" (the privilege's name on Odoo 19)
    application: str | None  # the label's first part: the category (16–18) or privilege (19)
    category: str | None
    privilege: str | None
    share: bool
    comment: str | None
    xml_id: str | None


@dataclass(frozen=True)
class UserRow:
    odoo_id: int
    login: str
    name: str
    email: str | None
    active: bool
    share: bool
    company: str | None
    department: str | None
    job_title: str | None
    groups: int  # effective groups (the closure: what the user's page lists)
    last_login: datetime | None

    @property
    def kind(self) -> str:
        return "portal/public" if self.share else "internal"


@dataclass
class RunView:
    index: AccessIndex
    groups: dict[int, GroupInfo]
    users: list[UserRow]
    departments: list[str]
    parents: dict[int, set[int]]  # group → the groups that imply it directly
    _users_by_id: dict[int, UserRow] = field(default_factory=dict)
    _parts: RunCache[Hashable, Any] = field(default_factory=lambda: RunCache(size=2000))

    def __post_init__(self) -> None:
        self._users_by_id = {u.odoo_id: u for u in self.users}

    @property
    def environment(self) -> Environment:
        return self.index.snap.environment

    @property
    def run_id(self) -> int:
        return self.index.snap.run_id

    def part(self, key: Hashable, build: Callable[[], Any]) -> Any:
        """A computed part of a page (a user's detail …), built once: the run never changes.
        The last 2,000 parts are kept."""
        return self._parts.get(key, build)

    def children(self, group_id: int) -> set[int]:
        """The groups ``group_id`` implies directly."""
        return self.index.snap.implied.get(group_id, set())

    def members(self, group_id: int) -> int:
        """How many users hold the group in effect (directly or through implied groups)."""
        return self.index.group_bits.get(group_id, 0).bit_count()

    def user(self, odoo_id: int) -> UserRow | None:
        return self._users_by_id.get(odoo_id)


def _group_info(index: AccessIndex, group_id: int) -> GroupInfo:
    snap = index.snap
    group = snap.groups[group_id]
    category = snap.categories.get(group.category_id) if group.category_id is not None else None
    privilege = snap.privileges.get(group.privilege_id) if group.privilege_id is not None else None
    return GroupInfo(
        odoo_id=group_id,
        name=group.name,
        label=snap.group_name(group_id),
        application=snap.application(group_id),
        category=category.name if category else None,
        privilege=privilege.name if privilege else None,
        share=bool(group.share),
        comment=group.comment,
        xml_id=snap.xml_id("res.groups", group_id),
    )


def _user_row(index: AccessIndex, user_id: int) -> UserRow:
    snap = index.snap
    user = snap.users[user_id]
    employee = snap.employees.get(user_id)
    company = snap.companies.get(user.company_id) if user.company_id is not None else None
    return UserRow(
        odoo_id=user_id,
        login=user.login,
        name=user.name or user.login,
        email=user.email,
        active=bool(user.active),
        share=bool(user.share),
        company=company.name if company else None,
        department=employee.department_name if employee else None,
        job_title=employee.job_title if employee else None,
        groups=len(index.effective.get(user_id, ())),
        last_login=snap.last_login.get(user_id),
    )


def build_view(index: AccessIndex) -> RunView:
    """The pages' rows of the run the index holds."""
    snap = index.snap
    parents: defaultdict[int, set[int]] = defaultdict(set)
    for group_id, implied in snap.implied.items():
        for child in implied:
            parents[child].add(group_id)
    users = [_user_row(index, user_id) for user_id in snap.users]
    return RunView(
        index=index,
        groups={g: _group_info(index, g) for g in snap.groups},
        users=users,
        departments=sorted({u.department for u in users if u.department}),
        parents=dict(parents),
    )


RunViews = RunCache[tuple[str, int], RunView]


def run_views() -> RunViews:
    """The views of the last few runs (one cache per app)."""
    return RunCache(size=4)


def view_for(views: RunViews, session: Session, env: Environment, run_id: int) -> RunView:
    """The view of a successful run, built on first use and kept."""
    return views.get((env.value, run_id), lambda: build_view(index_for(session, env, run_id)))
