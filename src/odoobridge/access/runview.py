"""One successful Odoo run held in memory for the pages: groups with their applications and
inheritance, member counts, and a summary row per user.

A run's facts never change once it succeeded, so a view is built once per (environment, run)
and kept (the last few runs) by :class:`RunViews`; every page then filters, sorts and pages in
memory. At the scale target (20,000 users) a view takes a few megabytes and about a second to
build, once.
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from odoobridge.access.state import read_entity, table_of
from odoobridge.settings import Environment
from odoobridge.store.temporal import alive_at


@dataclass(frozen=True)
class GroupInfo:
    odoo_id: int
    name: str
    category_id: int | None
    category: str | None
    privilege_id: int | None
    privilege: str | None
    share: bool
    comment: str | None
    xml_id: str | None

    @property
    def label(self) -> str:
        """ "Application / Group", as Odoo names a group."""
        return f"{self.category} / {self.name}" if self.category else self.name


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
    groups: int
    last_login: datetime | None

    @property
    def kind(self) -> str:
        return "portal/public" if self.share else "internal"


@dataclass
class RunView:
    environment: Environment
    run_id: int
    groups: dict[int, GroupInfo]
    implies: dict[int, set[int]]  # group → the groups it implies directly
    implied_by: dict[int, set[int]]  # group → the groups that imply it directly
    members: Counter[int]  # group → direct members
    users: list[UserRow]
    companies: dict[int, str]
    departments: list[str] = field(default_factory=list)
    _closure: dict[int, frozenset[int]] = field(default_factory=dict)
    _parts: OrderedDict[Hashable, Any] = field(default_factory=OrderedDict)
    _parts_lock: threading.Lock = field(default_factory=threading.Lock)
    keep_parts: int = 2000

    def part(self, key: Hashable, build: Callable[[], Any]) -> Any:
        """A computed part of a page (a user's detail …), built once: the run never changes.
        The last ``keep_parts`` parts are kept."""
        with self._parts_lock:
            if key in self._parts:
                self._parts.move_to_end(key)
                return self._parts[key]
        value = build()
        with self._parts_lock:
            self._parts[key] = value
            while len(self._parts) > self.keep_parts:
                self._parts.popitem(last=False)
        return value

    def closure(self, group_id: int) -> frozenset[int]:
        """Every group ``group_id`` implies, directly or through others (not itself)."""
        cached = self._closure.get(group_id)
        if cached is not None:
            return cached
        seen: set[int] = set()
        stack = list(self.implies.get(group_id, ()))
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            stack.extend(self.implies.get(current, ()))
        seen.discard(group_id)
        result = frozenset(seen)
        self._closure[group_id] = result
        return result

    def user(self, odoo_id: int) -> UserRow | None:
        return next((u for u in self.users if u.odoo_id == odoo_id), None)


def _names(session: Session, entity: str, env: Environment, run_id: int) -> dict[int, str]:
    return {r.odoo_id: r.name for r in read_entity(session, entity, env, run_id)}


def _group_member_counts(session: Session, env: Environment, run_id: int) -> Counter[int]:
    table = table_of("memberships")
    query = (
        select(table.c.group_id, func.count())
        .where(alive_at(table, env.value, run_id))
        .group_by(table.c.group_id)
    )
    return Counter({group_id: count for group_id, count in session.execute(query)})


def _user_group_counts(session: Session, env: Environment, run_id: int) -> Counter[int]:
    table = table_of("memberships")
    query = (
        select(table.c.user_id, func.count())
        .where(alive_at(table, env.value, run_id))
        .group_by(table.c.user_id)
    )
    return Counter({user_id: count for user_id, count in session.execute(query)})


def build_view(session: Session, env: Environment, run_id: int) -> RunView:
    categories = _names(session, "categories", env, run_id)
    privileges = _names(session, "privileges", env, run_id)
    companies = _names(session, "companies", env, run_id)
    xml_ids = {
        r.res_id: f"{r.module}.{r.name}"
        for r in read_entity(session, "xml_ids", env, run_id)
        if r.model == "res.groups"
    }
    groups = {
        g.odoo_id: GroupInfo(
            g.odoo_id,
            g.name,
            g.category_id,
            categories.get(g.category_id or -1),
            g.privilege_id,
            privileges.get(g.privilege_id or -1),
            bool(g.share),
            g.comment,
            xml_ids.get(g.odoo_id),
        )
        for g in read_entity(session, "groups", env, run_id)
    }
    implies: dict[int, set[int]] = defaultdict(set)
    implied_by: dict[int, set[int]] = defaultdict(set)
    for edge in read_entity(session, "implications", env, run_id):
        implies[edge.group_id].add(edge.implied_group_id)
        implied_by[edge.implied_group_id].add(edge.group_id)
    logins = {r.user_id: r.last_login for r in read_entity(session, "logins", env, run_id)}
    employees = {e.user_id: e for e in read_entity(session, "employees", env, run_id) if e.user_id}
    counts = _user_group_counts(session, env, run_id)
    users: list[UserRow] = []
    for u in read_entity(session, "users", env, run_id):
        employee = employees.get(u.odoo_id)
        users.append(
            UserRow(
                u.odoo_id,
                u.login,
                u.name or u.login,
                u.email,
                bool(u.active),
                bool(u.share),
                companies.get(u.company_id or -1),
                employee.department_name if employee else None,
                employee.job_title if employee else None,
                counts[u.odoo_id],
                logins.get(u.odoo_id),
            )
        )
    departments = sorted({u.department for u in users if u.department})
    return RunView(
        env,
        run_id,
        groups,
        dict(implies),
        dict(implied_by),
        _group_member_counts(session, env, run_id),
        users,
        companies,
        departments,
    )


class RunViews:
    """The views of the last few runs, built on first use (one per store: the app's)."""

    def __init__(self, keep: int = 4) -> None:
        self._views: OrderedDict[tuple[str, int], RunView] = OrderedDict()
        self._lock = threading.Lock()
        self._building: dict[tuple[str, int], threading.Lock] = {}
        self.keep = keep

    def get(self, session: Session, env: Environment, run_id: int) -> RunView:
        key = (env.value, run_id)
        with self._lock:
            view = self._views.get(key)
            if view is not None:
                self._views.move_to_end(key)
                return view
            building = self._building.setdefault(key, threading.Lock())
        with building:  # one request builds it; the others wait for that one
            with self._lock:
                view = self._views.get(key)
            if view is None:
                view = build_view(session, env, run_id)
                with self._lock:
                    self._views[key] = view
                    while len(self._views) > self.keep:
                        self._views.popitem(last=False)
                    self._building.pop(key, None)
        return view


def page_of(rows: list[Any], offset: int, limit: int) -> list[Any]:
    return rows[offset : offset + limit]
