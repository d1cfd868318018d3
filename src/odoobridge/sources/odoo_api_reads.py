"""What the API source reads from Odoo, model by model, and how Odoo's answers become the very
records the PostgreSQL source yields (:mod:`.odoo_records`), value for value.

The version differences come from the PostgreSQL adapters (:mod:`.odoo_schema`): the chosen
adapter names the fields that hold memberships and a group's application (``groups_id`` and
``category_id`` on 16–18; ``group_ids`` and ``privilege_id`` → ``res.groups.privilege`` on 19),
its optional tables name the optional entities (employees where hr is installed, external ids),
and ``XML_ID_MODELS`` the external ids worth keeping. Memberships are read from the users' side,
as Odoo stores them (16–18 with the implied groups, 19 the direct ones only).

How values map: a many2one ``[id, name]`` is its id, ``False`` on a text field is ``None``,
Odoo's ``"YYYY-MM-DD HH:MM:SS"`` (UTC) an aware datetime; rows are sorted by the record's key,
as the PostgreSQL source orders them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from odoobridge.sources.odoo_records import (
    ENTITY_BY_NAME,
    AclRecord,
    CategoryRecord,
    CompanyRecord,
    EmployeeRecord,
    GroupRecord,
    LoginRecord,
    PrivilegeRecord,
    RuleRecord,
    UserRecord,
    XmlIdRecord,
)
from odoobridge.sources.odoo_schema import XML_ID_MODELS, PrivilegeAdapter, SchemaAdapter

Raw = dict[str, dict[int, dict[str, Any]]]  # model → id → the record as Odoo answered it
PERMS = ("perm_read", "perm_write", "perm_create", "perm_unlink")
# Read again by id and write_date at the end of a read, and re-read where they changed.
TRACKED = ("res.users", "res.groups", "ir.model.access", "ir.rule")


@dataclass(frozen=True)
class ModelRead:
    model: str
    fields: tuple[str, ...]
    entity: str = ""  # for optional reads: the entity skipped or absent without it
    module: str = ""  # for optional reads: the Odoo module that brings the model
    domain: tuple[tuple[str, str, Any], ...] = ()


class ReadPlan:
    """The reads for one Odoo generation, given by the PostgreSQL adapter chosen for it."""

    def __init__(self, adapter: SchemaAdapter) -> None:
        self.adapter = adapter
        self.privileges = isinstance(adapter, PrivilegeAdapter)

    def required(self) -> list[ModelRead]:
        a = self.adapter
        reads = [
            ModelRead("res.company", ("name", "parent_id", "active")),
            ModelRead("ir.module.category", ("name", "parent_id")),
            ModelRead(
                "res.groups",
                ("name", a.api_group_application, "share", "comment", "implied_ids", "write_date"),
            ),
            ModelRead(
                "res.users",
                (
                    "login",
                    "active",
                    "share",
                    "partner_id",
                    "name",
                    "email",
                    "company_id",
                    "create_date",
                    "write_date",
                    "login_date",
                    "company_ids",
                    a.api_user_groups,
                ),
            ),
            ModelRead("ir.model", ("model", "name")),
            ModelRead(
                "ir.model.access", ("name", "model_id", "group_id", *PERMS, "active", "write_date")
            ),
            ModelRead(
                "ir.rule",
                (
                    "name",
                    "model_id",
                    "domain_force",
                    *PERMS,
                    "global",
                    "active",
                    "groups",
                    "write_date",
                ),
            ),
        ]
        if self.privileges:
            reads.insert(2, ModelRead("res.groups.privilege", ("name", "category_id")))
        return reads

    def optional(self) -> list[ModelRead]:
        """Employees and departments (where hr is installed), external ids — the adapter's
        optional tables, read as the models of the same names."""
        fields = {
            "hr.employee": (
                "user_id",
                "name",
                "department_id",
                "job_title",
                "parent_id",
                "work_email",
                "company_id",
                "active",
            ),
            "hr.department": ("name",),
            "ir.model.data": ("module", "name", "model", "res_id"),
        }
        domains = {"ir.model.data": (("model", "in", list(XML_ID_MODELS)),)}
        reads = []
        for need in self.adapter.needs():
            model = need.table.replace("_", ".")
            if need.optional and model in fields:
                reads.append(
                    ModelRead(
                        model, fields[model], need.entity, need.module, domains.get(model, ())
                    )
                )
        return reads

    def fields(self, model: str) -> list[str]:
        return list(next(r.fields for r in self.required() if r.model == model))

    @property
    def members(self) -> str:
        """The res.groups field listing a group's members (the other side of memberships)."""
        return self.adapter.api_group_users


def _id(value: Any) -> int | None:
    return int(value[0]) if value else None


def _text(value: Any) -> Any:
    return None if value is False or value is None else value


def _utc(value: Any) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)  # "YYYY-MM-DD HH:MM:SS"


def _sorted(entity: str, rows: Iterable[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """In key order (each entity's key is unique and leads its fields, as in the records)."""
    spec = ENTITY_BY_NAME[entity]
    if spec.key == spec.fields:  # a link (memberships …): the whole row is the key
        return sorted(rows)
    return sorted(rows, key=itemgetter(*range(len(spec.key))))


def build_rows(plan: ReadPlan, raw: Raw) -> dict[str, list[tuple[Any, ...]]]:
    """Every entity's rows from what was read (optional models only where present in ``raw``),
    as plain tuples in the records' field order."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    companies = raw["res.company"].values()
    rows["companies"] = _sorted(
        "companies",
        (
            tuple(CompanyRecord(r["id"], r["name"], _id(r["parent_id"]), r["active"]))
            for r in companies
        ),
    )
    rows["categories"] = _sorted(
        "categories",
        (
            tuple(CategoryRecord(r["id"], _text(r["name"]), _id(r["parent_id"])))
            for r in raw["ir.module.category"].values()
        ),
    )
    privileges: dict[int, int | None] = {}
    if plan.privileges:
        privileges = {i: _id(r["category_id"]) for i, r in raw["res.groups.privilege"].items()}
        rows["privileges"] = _sorted(
            "privileges",
            (
                tuple(PrivilegeRecord(r["id"], _text(r["name"]), _id(r["category_id"])))
                for r in raw["res.groups.privilege"].values()
            ),
        )
    rows.update(_groups(plan, raw, privileges))
    rows.update(_users(plan, raw))
    rows.update(_rights(raw))
    if "hr.employee" in raw and "hr.department" in raw:
        rows["employees"] = _employees(raw)
    if "ir.model.data" in raw:
        rows["xml_ids"] = _xml_ids(raw)
    return rows


def _groups(
    plan: ReadPlan, raw: Raw, privileges: dict[int, int | None]
) -> dict[str, list[tuple[Any, ...]]]:
    application = plan.adapter.api_group_application
    groups, implications = [], []
    for r in raw["res.groups"].values():
        if plan.privileges:
            privilege = _id(r[application])
            category = privileges.get(privilege) if privilege is not None else None
        else:
            privilege, category = None, _id(r[application])
        groups.append(
            tuple(
                GroupRecord(
                    r["id"],
                    _text(r["name"]),
                    category,
                    privilege,
                    bool(r["share"]),
                    _text(r["comment"]),
                )
            )
        )
        implications += [(r["id"], int(h)) for h in r["implied_ids"]]
    return {
        "groups": _sorted("groups", groups),
        "implications": _sorted("implications", implications),
    }


def _users(plan: ReadPlan, raw: Raw) -> dict[str, list[tuple[Any, ...]]]:
    field = plan.adapter.api_user_groups
    users, logins, companies, memberships = [], [], [], []
    for r in raw["res.users"].values():
        uid = r["id"]
        users.append(
            tuple(
                UserRecord(
                    uid,
                    r["login"],
                    r["active"],
                    bool(r["share"]),
                    _id(r["partner_id"]),
                    _text(r["name"]),
                    _text(r["email"]),
                    _id(r["company_id"]),
                    _utc(r["create_date"]),
                    _utc(r["write_date"]),
                )
            )
        )
        if r["login_date"]:
            logins.append(tuple(LoginRecord(uid, _utc(r["login_date"]))))  # type: ignore[arg-type]
        companies += [(uid, int(c)) for c in r["company_ids"]]
        memberships += [(uid, int(g)) for g in r[field]]
    return {
        "users": _sorted("users", users),
        "logins": _sorted("logins", logins),
        "user_companies": _sorted("user_companies", companies),
        "memberships": _sorted("memberships", memberships),
    }


def _rights(raw: Raw) -> dict[str, list[tuple[Any, ...]]]:
    models = raw["ir.model"]
    acls, rules, rule_groups = [], [], []
    for r in raw["ir.model.access"].values():
        model = models.get(_id(r["model_id"]) or 0)
        if model is None:  # as the PostgreSQL source's join: no model, no row
            continue
        read, write, create, unlink = (bool(r[p]) for p in PERMS)
        acls.append(
            tuple(
                AclRecord(
                    r["id"],
                    _text(r["name"]),
                    model["model"],
                    _text(model["name"]),
                    _id(r["group_id"]),
                    read,
                    write,
                    create,
                    unlink,
                    bool(r["active"]),
                )
            )
        )
    for r in raw["ir.rule"].values():
        model = models.get(_id(r["model_id"]) or 0)
        if model is None:
            continue
        read, write, create, unlink = (bool(r[p]) for p in PERMS)
        rules.append(
            tuple(
                RuleRecord(
                    r["id"],
                    model["model"],
                    _text(r["name"]),
                    _text(r["domain_force"]),
                    read,
                    write,
                    create,
                    unlink,
                    bool(r["global"]),
                    bool(r["active"]),
                )
            )
        )
        rule_groups += [(r["id"], int(g)) for g in r["groups"]]
    return {
        "acls": _sorted("acls", acls),
        "rules": _sorted("rules", rules),
        "rule_groups": _sorted("rule_groups", rule_groups),
    }


def _employees(raw: Raw) -> list[tuple[Any, ...]]:
    departments = {i: _text(r["name"]) for i, r in raw["hr.department"].items()}
    return _sorted(
        "employees",
        (
            tuple(
                EmployeeRecord(
                    r["id"],
                    _id(r["user_id"]),
                    _text(r["name"]),
                    _id(r["department_id"]),
                    departments.get(_id(r["department_id"]) or 0),
                    _text(r["job_title"]),
                    _id(r["parent_id"]),
                    _text(r["work_email"]),
                    _id(r["company_id"]),
                    bool(r["active"]),
                )
            )
            for r in raw["hr.employee"].values()
        ),
    )


def _xml_ids(raw: Raw) -> list[tuple[Any, ...]]:
    """One external id per record: the first by module and name, as the PostgreSQL source's
    ``DISTINCT ON``."""
    chosen: dict[tuple[str, int], tuple[str, str]] = {}
    for r in raw["ir.model.data"].values():
        if not r["res_id"] or r["model"] not in XML_ID_MODELS:
            continue
        key, value = (r["model"], int(r["res_id"])), (r["module"], r["name"])
        if key not in chosen or value < chosen[key]:
            chosen[key] = value
    return _sorted(
        "xml_ids",
        (
            tuple(XmlIdRecord(model, res_id, module, name))
            for (model, res_id), (module, name) in chosen.items()
        ),
    )
