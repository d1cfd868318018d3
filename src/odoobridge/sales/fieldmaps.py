"""Where each Odoo field of the served models lives in the sales tables, for compiling record
rules into SQL (:class:`odoobridge.sales.domain_sql.FieldMap`).

A map is made for one environment and one CRM run: a row counts (the root table's, or one reached
through a relation) when it is alive at that run. Relations point at each other's maps (a user's
partner, a partner's salesperson …), so the maps are built together. A field a rule uses that is
not here (``message_partner_ids``, the followers, for one) makes that rule deny.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from sqlalchemy import ColumnElement, FromClause

from odoobridge.sales.domain_sql import FieldMap, Hierarchy, Many2one, X2many
from odoobridge.sales.models import FACT_TABLES
from odoobridge.store.temporal import alive_at, alive_now

# The Odoo model each served entity is, and the entity each served model is stored as.
MODEL_OF = {
    "companies": "res.company",
    "users": "res.users",
    "teams": "crm.team",
    "stages": "crm.stage",
    "partners": "res.partner",
    "leads": "crm.lead",
    "invoices": "account.move",
    "orders": "sale.order",
    "departments": "hr.department",
}
ENTITY_OF = {model: entity for entity, model in MODEL_OF.items()}
SERVED_MODELS = tuple(MODEL_OF.values())

_SCALARS: dict[str, tuple[str, ...]] = {
    "companies": ("name",),
    "users": ("login", "email", "active", "share"),
    "teams": ("name", "active"),
    "stages": ("name", "sequence", "is_won", "fold"),
    "partners": (
        "name",
        "complete_name",
        "is_company",
        "type",
        "email",
        "phone",
        "city",
        "partner_share",
        "active",
    ),
    "leads": (
        "name",
        "type",
        "active",
        "probability",
        "expected_revenue",
        "prorated_revenue",
        "date_deadline",
        "date_closed",
        "date_last_stage_update",
        "email_from",
        "phone",
        "partner_name",
        "contact_name",
        "priority",
        "create_date",
        "write_date",
    ),
    "invoices": (
        "name",
        "move_type",
        "state",
        "payment_state",
        "invoice_date",
        "invoice_date_due",
        "amount_untaxed_signed",
        "amount_total_signed",
        "amount_residual_signed",
        "write_date",
    ),
    "orders": ("name", "state", "date_order", "amount_untaxed", "amount_total", "write_date"),
    "departments": ("name", "complete_name", "active"),
}

# many2one fields: entity → {odoo field: (column, target entity or "self")}
_MANY2ONE: dict[str, dict[str, tuple[str, str | None]]] = {
    "companies": {"parent_id": ("parent_id", "self")},
    "users": {
        "company_id": ("company_id", "companies"),
        "partner_id": ("partner_id", "partners"),
        "sale_team_id": ("team_id", "teams"),
    },
    "teams": {"user_id": ("leader_id", "users"), "company_id": ("company_id", "companies")},
    "stages": {"team_id": ("team_id", "teams")},
    "partners": {
        "parent_id": ("parent_id", "self"),
        "commercial_partner_id": ("commercial_partner_id", "self"),
        "company_id": ("company_id", "companies"),
        "user_id": ("user_id", "users"),
    },
    "leads": {
        "stage_id": ("stage_id", "stages"),
        "user_id": ("user_id", "users"),
        "team_id": ("team_id", "teams"),
        "partner_id": ("partner_id", "partners"),
        "company_id": ("company_id", "companies"),
        "lost_reason_id": ("lost_reason_id", None),
    },
    "invoices": {
        "partner_id": ("partner_id", "partners"),
        "commercial_partner_id": ("commercial_partner_id", "partners"),
        "invoice_user_id": ("invoice_user_id", "users"),
        "team_id": ("team_id", "teams"),
        "company_id": ("company_id", "companies"),
    },
    "orders": {
        "partner_id": ("partner_id", "partners"),
        "user_id": ("user_id", "users"),
        "team_id": ("team_id", "teams"),
        "company_id": ("company_id", "companies"),
        "opportunity_id": ("opportunity_id", "leads"),
    },
    "departments": {"parent_id": ("parent_id", "self"), "company_id": ("company_id", "companies")},
}
_HIERARCHIES = {"companies", "partners", "departments"}  # child_of / parent_of through parent_id


def alive(table: Any, environment: str, run_id: int | None) -> ColumnElement[bool]:
    """Rows alive at ``run_id``, or now (the latest run's state, fewer conditions) for None."""
    if run_id is None:
        return alive_now(table, environment)
    return alive_at(table, environment, run_id)


def _alive(entity: str, environment: str, run_id: int | None) -> Callable[[FromClause], Any]:
    def where(table: FromClause) -> ColumnElement[bool]:
        return alive(table, environment, run_id)

    where.__name__ = f"alive_{entity}"
    return where


def field_maps(environment: str, run_id: int | None) -> dict[str, FieldMap]:
    """Model → FieldMap over the sales tables as of ``run_id`` (None: now) in ``environment``."""
    specs: dict[str, dict[str, Any]] = {entity: {} for entity in MODEL_OF}
    maps = {
        entity: FieldMap(
            model=model,
            table=FACT_TABLES[entity],
            fields=specs[entity],
            id="odoo_id",
            hierarchy=Hierarchy(parent="parent_id") if entity in _HIERARCHIES else None,
            where=_alive(entity, environment, run_id),
        )
        for entity, model in MODEL_OF.items()
    }
    for entity, scalars in _SCALARS.items():
        specs[entity].update({name: name for name in scalars})
    for entity, relations in _MANY2ONE.items():
        for name, (column, target) in relations.items():
            to: FieldMap | Literal["self"] | None = None
            if target == "self":
                to = "self"
            elif target is not None:
                to = maps[target]
            specs[entity][name] = Many2one(column, to)
    user_companies = FACT_TABLES["user_companies"]
    specs["users"]["company_ids"] = X2many(
        link=user_companies,
        source="user_id",
        member="company_id",
        target=maps["companies"],
        where=_alive("user_companies", environment, run_id),
    )
    members = FACT_TABLES["team_members"]
    specs["teams"]["member_ids"] = X2many(
        link=members,
        source="team_id",
        member="user_id",
        target=maps["users"],
        where=_alive("team_members", environment, run_id),
    )
    return {MODEL_OF[entity]: fmap for entity, fmap in maps.items()}
