"""One environment's Odoo security model as of one run, in memory, for the analysis.

A successful run never changes, so the index built from a snapshot is cached per (store,
environment, run) by :func:`access.analysis.effective.index_for`: the first question about a run
pays for reading it, later ones are answered from memory.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from odoobridge.access.analysis.state import read_entity, read_pairs, resolve_run
from odoobridge.environment import Environment
from odoobridge.errors import NotFound
from odoobridge.sources.odoo_records import (
    AclRecord,
    CategoryRecord,
    CompanyRecord,
    EmployeeRecord,
    GroupRecord,
    PrivilegeRecord,
    RuleRecord,
    UserRecord,
)

# Base groups recognised by external id, with their English labels as a fallback where a database
# has no ir_model_data (the 16.0 and 19.0 fixtures, for one).
BASE_GROUPS: dict[str, tuple[str, ...]] = {
    "base.group_user": ("Internal User", "Role / User"),
    "base.group_portal": ("Portal", "Role / Portal"),
    "base.group_public": ("Public", "Role / Public"),
    "base.group_erp_manager": ("Access Rights",),
    "base.group_system": ("Settings", "Role / Administrator"),
    "base.group_no_one": ("Technical Features",),
}


@dataclass
class Snapshot:
    """Everything the analysis reads about one run of one environment."""

    environment: Environment
    run_id: int
    completed_at: datetime | None
    odoo_major: int | None
    users: dict[int, UserRecord] = field(default_factory=dict)
    groups: dict[int, GroupRecord] = field(default_factory=dict)
    categories: dict[int, CategoryRecord] = field(default_factory=dict)
    privileges: dict[int, PrivilegeRecord] = field(default_factory=dict)
    companies: dict[int, CompanyRecord] = field(default_factory=dict)
    memberships: dict[int, set[int]] = field(default_factory=dict)  # user → stored groups
    implied: dict[int, set[int]] = field(default_factory=dict)  # group → groups it implies
    acls: list[AclRecord] = field(default_factory=list)
    rules: dict[int, RuleRecord] = field(default_factory=dict)
    rule_groups: dict[int, set[int]] = field(default_factory=dict)  # rule → groups
    user_companies: dict[int, set[int]] = field(default_factory=dict)
    last_login: dict[int, datetime] = field(default_factory=dict)
    employees: dict[int, EmployeeRecord] = field(default_factory=dict)  # by user id
    xml_ids: dict[tuple[str, int], str] = field(default_factory=dict)  # (model, id) → module.name

    # -- names ------------------------------------------------------------------------------------
    def application(self, group_id: int) -> str | None:
        """The application (category) a group belongs to, e.g. "Sales"; through the privilege
        on Odoo 19, which is what its user form shows."""
        group = self.groups[group_id]
        if group.privilege_id is not None and group.privilege_id in self.privileges:
            return self.privileges[group.privilege_id].name
        if group.category_id is not None and group.category_id in self.categories:
            return self.categories[group.category_id].name
        return None

    def group_name(self, group_id: int) -> str:
        """Odoo's full name of a group: "Sales / Administrator"."""
        group = self.groups.get(group_id)
        if group is None:
            return f"group {group_id} (deleted)"
        application = self.application(group_id)
        return f"{application} / {group.name}" if application else group.name

    def xml_id(self, model: str, record_id: int) -> str | None:
        return self.xml_ids.get((model, record_id))

    def base_group(self, xml_id: str) -> int | None:
        """The id of a base group by external id, else by its English label."""
        for (model, record_id), name in self.xml_ids.items():
            if model == "res.groups" and name == xml_id:
                return record_id
        labels = BASE_GROUPS.get(xml_id, ())
        matches = [g.odoo_id for g in self.groups.values() if g.name in labels]
        return matches[0] if len(matches) == 1 else None

    def group_by_ref(self, ref: str) -> int | None:
        """A group by external id (``account.group_account_manager``) or unique full name
        ("Invoicing / Administrator"); None when nothing (or more than one group) matches."""
        ref = ref.strip()
        if "." in ref and " " not in ref:
            return self.base_group(ref)
        lowered = ref.lower()
        matches = [g for g in self.groups if self.group_name(g).lower() == lowered]
        return matches[0] if len(matches) == 1 else None

    def find_user(self, ref: str | int) -> UserRecord:
        """A user by id or login (case-insensitive)."""
        if isinstance(ref, int) or (isinstance(ref, str) and ref.isascii() and ref.isdigit()):
            user = self.users.get(int(ref))
            if user is not None:
                return user
        wanted = str(ref).strip().lower()
        for user in self.users.values():
            if user.login.lower() == wanted:
                return user
        raise NotFound(f"no Odoo user {ref!r} in {self.environment.label} at run {self.run_id}")

    def find_group(self, ref: str | int) -> GroupRecord:
        """A group by id, external id (``base.group_system``) or full/short name."""
        if isinstance(ref, int) or (isinstance(ref, str) and ref.isascii() and ref.isdigit()):
            group = self.groups.get(int(ref))
            if group is not None:
                return group
        wanted = str(ref).strip()
        by_xml = self.base_group(wanted) if "." in wanted else None
        if by_xml is not None:
            return self.groups[by_xml]
        lowered = wanted.lower()
        full = [g for g in self.groups.values() if self.group_name(g.odoo_id).lower() == lowered]
        short = [g for g in self.groups.values() if g.name.lower() == lowered]
        for candidates in (full, short):
            if len(candidates) == 1:
                return candidates[0]
            if len(candidates) > 1:
                names = ", ".join(f"{self.group_name(g.odoo_id)} ({g.odoo_id})" for g in candidates)
                raise NotFound(f"{ref!r} names several groups: {names} — use the id or full name")
        raise NotFound(f"no group {ref!r} in {self.environment.label} at run {self.run_id}")


def load_snapshot(session: Session, environment: Environment, run_id: int) -> Snapshot:
    run = resolve_run(session, environment, run_id)
    stats: dict[str, Any] = run.stats.get("odoo", {}) if isinstance(run.stats, dict) else {}
    snap = Snapshot(
        environment=environment,
        run_id=run.id,
        completed_at=run.completed_at,
        odoo_major=stats.get("major"),
    )

    def read(entity: str) -> list[Any]:
        return read_entity(session, entity, environment, run.id)

    snap.users = {u.odoo_id: u for u in read("users")}
    snap.groups = {g.odoo_id: g for g in read("groups")}
    snap.categories = {c.odoo_id: c for c in read("categories")}
    snap.privileges = {p.odoo_id: p for p in read("privileges")}
    snap.companies = {c.odoo_id: c for c in read("companies")}
    memberships: defaultdict[int, set[int]] = defaultdict(set)
    for user_id, group_id in read_pairs(session, "memberships", environment, run.id):
        memberships[user_id].add(group_id)
    snap.memberships = dict(memberships)
    implied: defaultdict[int, set[int]] = defaultdict(set)
    for i in read("implications"):
        implied[i.group_id].add(i.implied_group_id)
    snap.implied = dict(implied)
    snap.acls = read("acls")
    snap.rules = {r.odoo_id: r for r in read("rules")}
    rule_groups: defaultdict[int, set[int]] = defaultdict(set)
    for rg in read("rule_groups"):
        rule_groups[rg.rule_id].add(rg.group_id)
    snap.rule_groups = dict(rule_groups)
    companies: defaultdict[int, set[int]] = defaultdict(set)
    for user_id, company_id in read_pairs(session, "user_companies", environment, run.id):
        companies[user_id].add(company_id)
    snap.user_companies = dict(companies)
    snap.last_login = {login.user_id: login.last_login for login in read("logins")}
    snap.employees = {e.user_id: e for e in read("employees") if e.user_id is not None}
    snap.xml_ids = {(x.model, x.res_id): f"{x.module}.{x.name}" for x in read("xml_ids")}
    return snap
