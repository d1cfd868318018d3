"""What the CRM sync reads from Odoo and how each Odoo value becomes a store column.

One :class:`Entity` per serving table: the Odoo model, the module that brings it (a model that is
not installed is skipped and said so), the domain (posted customer invoices only …), whether
archived records are read too, and the columns. A column names its Odoo field and how the value
converts (``m2o``: the id of ``[id, name]``; ``ids``: "3,7" from an x2many; dates and datetimes
from Odoo's strings, as UTC). A field this Odoo lacks (versions differ) reads as empty.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from odoobridge.errors import ConfigError


def _text(value: Any) -> str | None:
    return None if value is False or value is None or value == "" else str(value)


def _int(value: Any) -> int | None:
    return None if value is False or value is None else int(value)


def _m2o(value: Any) -> int | None:
    if isinstance(value, list | tuple) and value:
        return int(value[0])
    return _int(value)


def _m2o_name(value: Any) -> str | None:
    if isinstance(value, list | tuple) and len(value) == 2:
        return _text(value[1])
    return None


def _bool(value: Any) -> bool:
    return bool(value)


def _float(value: Any) -> float | None:
    return None if value is None or value is False else float(value)


def _date(value: Any) -> date | None:
    if not value:
        return None
    return date.fromisoformat(str(value)[:10])


def _datetime(value: Any) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def _ids(value: Any) -> str | None:
    if not isinstance(value, list | tuple) or not value:
        return None
    return ",".join(str(i) for i in sorted(int(v) for v in value))


CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "str": _text,
    "int": _int,
    "m2o": _m2o,
    "m2o_name": _m2o_name,
    "bool": _bool,
    "float": _float,
    "date": _date,
    "datetime": _datetime,
    "ids": _ids,
}


@dataclass(frozen=True)
class Column:
    name: str  # the store's column
    field: str  # Odoo's field
    kind: str  # a key of CONVERTERS


def col(name: str, kind: str = "str", field: str | None = None) -> Column:
    return Column(name, field or name, kind)


@dataclass(frozen=True)
class Entity:
    name: str
    model: str
    module: str
    columns: tuple[Column, ...]
    domain: tuple[tuple[str, str, Any], ...] = ()
    archived: bool = True  # read archived records too (context active_test False)

    @property
    def fields(self) -> tuple[str, ...]:
        """The store's columns in row order (``odoo_id`` first)."""
        return ("odoo_id", *(c.name for c in self.columns))

    def odoo_fields(self, available: set[str]) -> list[str]:
        wanted = {c.field for c in self.columns if c.field in available}
        if "write_date" in available:
            wanted.add("write_date")
        return sorted(wanted)

    def row(self, record: dict[str, Any]) -> tuple[Any, ...]:
        """A record as Odoo sends it → a row in :attr:`fields` order."""
        values: list[Any] = [int(record["id"])]
        for c in self.columns:
            values.append(CONVERTERS[c.kind](record.get(c.field, False)))
        return tuple(values)


ENTITIES: tuple[Entity, ...] = (
    Entity("companies", "res.company", "base", (col("name"), col("parent_id", "m2o"))),
    Entity(
        "users",
        "res.users",
        "base",
        (
            col("login"),
            col("name"),
            col("email"),
            col("active", "bool"),
            col("share", "bool"),
            col("company_id", "m2o"),
            col("partner_id", "m2o"),
            col("team_id", "m2o", "sale_team_id"),
            col("write_date", "datetime"),
        ),
    ),
    Entity(
        "teams",
        "crm.team",
        "sales_team",
        (
            col("name"),
            col("leader_id", "m2o", "user_id"),
            col("company_id", "m2o"),
            col("active", "bool"),
        ),
    ),
    Entity(
        "team_members",
        "crm.team.member",
        "sales_team",
        (col("team_id", "m2o", "crm_team_id"), col("user_id", "m2o"), col("active", "bool")),
    ),
    Entity(
        "stages",
        "crm.stage",
        "crm",
        (
            col("name"),
            col("sequence", "int"),
            col("is_won", "bool"),
            col("fold", "bool"),
            col("team_id", "m2o"),
        ),
    ),
    Entity("lost_reasons", "crm.lost.reason", "crm", (col("name"), col("active", "bool"))),
    Entity("tags", "crm.tag", "crm", (col("name"),)),
    Entity(
        "partners",
        "res.partner",
        "base",
        (
            col("name"),
            col("complete_name", "str", "display_name"),
            col("is_company", "bool"),
            col("parent_id", "m2o"),
            col("commercial_partner_id", "m2o"),
            col("type"),
            col("email"),
            col("phone"),
            col("city"),
            col("country", "m2o_name", "country_id"),
            col("company_id", "m2o"),
            col("user_id", "m2o"),
            col("partner_share", "bool"),
            col("active", "bool"),
            col("write_date", "datetime"),
        ),
    ),
    Entity(
        "leads",
        "crm.lead",
        "crm",
        (
            col("name"),
            col("type"),
            col("active", "bool"),
            col("stage_id", "m2o"),
            col("probability", "float"),
            col("expected_revenue", "float"),
            col("prorated_revenue", "float"),
            col("date_deadline", "date"),
            col("date_closed", "datetime"),
            col("date_last_stage_update", "datetime"),
            col("user_id", "m2o"),
            col("team_id", "m2o"),
            col("partner_id", "m2o"),
            col("company_id", "m2o"),
            col("lost_reason_id", "m2o"),
            col("tag_ids", "ids"),
            col("email_from"),
            col("phone"),
            col("partner_name"),
            col("contact_name"),
            col("priority"),
            col("create_date", "datetime"),
            col("write_date", "datetime"),
        ),
    ),
    Entity(
        "activities",
        "mail.activity",
        "mail",
        (
            col("lead_id", "int", "res_id"),
            col("activity_type", "m2o_name", "activity_type_id"),
            col("summary"),
            col("date_deadline", "date"),
            col("user_id", "m2o"),
            col("create_date", "datetime"),
            col("write_date", "datetime"),
        ),
        domain=(("res_model", "=", "crm.lead"),),
        archived=False,
    ),
    Entity(
        "invoices",
        "account.move",
        "account",
        (
            col("name"),
            col("move_type"),
            col("state"),
            col("payment_state"),
            col("partner_id", "m2o"),
            col("commercial_partner_id", "m2o"),
            col("invoice_user_id", "m2o"),
            col("team_id", "m2o"),
            col("company_id", "m2o"),
            col("invoice_date", "date"),
            col("invoice_date_due", "date"),
            col("amount_untaxed_signed", "float"),
            col("amount_total_signed", "float"),
            col("amount_residual_signed", "float"),
            col("currency", "m2o_name", "currency_id"),
            col("write_date", "datetime"),
        ),
        domain=(("move_type", "in", ["out_invoice", "out_refund"]), ("state", "=", "posted")),
    ),
    Entity(
        "orders",
        "sale.order",
        "sale",
        (
            col("name"),
            col("state"),
            col("partner_id", "m2o"),
            col("user_id", "m2o"),
            col("team_id", "m2o"),
            col("company_id", "m2o"),
            col("opportunity_id", "m2o"),
            col("date_order", "datetime"),
            col("amount_untaxed", "float"),
            col("amount_total", "float"),
            col("currency", "m2o_name", "currency_id"),
            col("write_date", "datetime"),
        ),
    ),
    Entity(
        "departments",
        "hr.department",
        "hr",
        (
            col("name"),
            col("complete_name"),
            col("parent_id", "m2o"),
            col("company_id", "m2o"),
            col("manager_id", "m2o"),
            col("active", "bool"),
        ),
    ),
    Entity(
        "employees",
        "hr.employee",
        "hr",
        (
            col("name"),
            col("user_id", "m2o"),
            col("department_id", "m2o"),
            col("company_id", "m2o"),
            col("active", "bool"),
        ),
    ),
)

ENTITY_BY_NAME = {e.name: e for e in ENTITIES}

# The seed's partial syncs: what "sync users" and "sync departments" read.
PARTS: dict[str, tuple[str, ...]] = {
    "users": ("companies", "users", "teams", "team_members"),
    "departments": ("departments", "employees"),
}

# A derived fact table: res.users.company_ids as (user, company) rows.
USER_COMPANIES = "user_companies"
USER_COMPANY_FIELDS = ("user_id", "company_id")


def entities_for(only: str | None) -> tuple[Entity, ...]:
    """Every entity, or those of one part (``users``, ``departments``)."""
    if only is None:
        return ENTITIES
    if only not in PARTS:
        raise ConfigError(f"unknown part {only!r}: use {' or '.join(PARTS)} (or nothing for all)")
    return tuple(ENTITY_BY_NAME[name] for name in PARTS[only])


def company_pairs(record: dict[str, Any]) -> list[tuple[int, int]]:
    """``res.users.company_ids`` of one user record as (user, company) rows."""
    values = record.get("company_ids") or []
    return sorted({(int(record["id"]), int(c)) for c in values})
