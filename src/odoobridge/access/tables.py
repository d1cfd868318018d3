"""Tabular views of Odoo's security model as of a run, for downloads (CSV, XLSX, JSON): groups,
users and memberships. Each function returns the column names and the rows."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy.orm import Session

from odoobridge.access.state import read_entity
from odoobridge.settings import Environment

Table = tuple[list[str], list[list[Any]]]


def _names(session: Session, entity: str, environment: Environment, run_id: int) -> dict[int, str]:
    return {r.odoo_id: r.name for r in read_entity(session, entity, environment, run_id)}


def group_labels(session: Session, environment: Environment, run_id: int) -> dict[int, str]:
    """Each group's name as Odoo shows it: "Application / Group" (e.g. "Sales / Administrator")."""
    categories = _names(session, "categories", environment, run_id)
    return {
        g.odoo_id: f"{categories[g.category_id]} / {g.name}"
        if g.category_id in categories
        else g.name
        for g in read_entity(session, "groups", environment, run_id)
    }


def groups_table(session: Session, environment: Environment, run_id: int) -> Table:
    categories = _names(session, "categories", environment, run_id)
    members = Counter(m.group_id for m in read_entity(session, "memberships", environment, run_id))
    implications = read_entity(session, "implications", environment, run_id)
    implies = Counter(i.group_id for i in implications)
    implied_by = Counter(i.implied_group_id for i in implications)
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
            categories.get(g.category_id or -1),
            bool(g.share),
            members[g.odoo_id],
            implies[g.odoo_id],
            implied_by[g.odoo_id],
            g.comment,
        ]
        for g in read_entity(session, "groups", environment, run_id)
    ]
    return columns, rows


def users_table(session: Session, environment: Environment, run_id: int) -> Table:
    companies = _names(session, "companies", environment, run_id)
    logins = {r.user_id: r.last_login for r in read_entity(session, "logins", environment, run_id)}
    groups = Counter(m.user_id for m in read_entity(session, "memberships", environment, run_id))
    employees = {
        e.user_id: e for e in read_entity(session, "employees", environment, run_id) if e.user_id
    }
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
    rows: list[list[Any]] = []
    for u in read_entity(session, "users", environment, run_id):
        employee = employees.get(u.odoo_id)
        rows.append(
            [
                u.odoo_id,
                u.login,
                u.name,
                u.email,
                u.active,
                "portal/public" if u.share else "internal",
                companies.get(u.company_id or -1),
                employee.department_name if employee else None,
                employee.job_title if employee else None,
                groups[u.odoo_id],
                logins.get(u.odoo_id),
                u.create_date,
            ]
        )
    return columns, rows


def memberships_table(session: Session, environment: Environment, run_id: int) -> Table:
    users = {u.odoo_id: u for u in read_entity(session, "users", environment, run_id)}
    labels = group_labels(session, environment, run_id)
    columns = ["user_id", "login", "user", "active", "group_id", "group"]
    rows = []
    for m in read_entity(session, "memberships", environment, run_id):
        user = users.get(m.user_id)
        rows.append(
            [
                m.user_id,
                user.login if user else None,
                user.name if user else None,
                user.active if user else None,
                m.group_id,
                labels.get(m.group_id),
            ]
        )
    return columns, rows


EXPORTS = {"groups": groups_table, "users": users_table, "memberships": memberships_table}
