"""Posted customer invoices and credit notes as a person sees them (amounts signed: a credit
note is negative), and the sales orders of an account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Session

from odoobridge.errors import Unprocessable
from odoobridge.sales.serving import (
    Paging,
    contains,
    count,
    iso,
    names,
    order_by,
    ref,
    remembered,
    seen,
    table,
    today,
    within,
)
from odoobridge.sales.visibility import Visibility

SORTS = (
    "invoice_date",
    "invoice_date_due",
    "name",
    "amount_total_signed",
    "amount_residual_signed",
    "write_date",
)
MOVE_TYPES = ("out_invoice", "out_refund")
PAYMENT_STATES = (
    "not_paid",
    "in_payment",
    "paid",
    "partial",
    "reversed",
    "invoicing_legacy",
    "blocked",
)


@dataclass(frozen=True)
class InvoiceFilters:
    search: str | None = None
    move_type: str | None = None
    payment_state: str | None = None
    partner_id: int | None = None  # the commercial partner (the account)
    user_id: int | None = None  # the salesperson
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "-invoice_date"

    def __post_init__(self) -> None:
        if self.move_type not in (None, *MOVE_TYPES):
            raise Unprocessable(f"move_type: use {' or '.join(MOVE_TYPES)}")
        if self.payment_state not in (None, *PAYMENT_STATES):
            raise Unprocessable(f"payment_state: use one of {', '.join(PAYMENT_STATES)}")


def invoice_items(session: Session, vis: Visibility, found: list[RowMapping]) -> list[Any]:
    partners = names(
        session, vis, "partners", (r["commercial_partner_id"] for r in found), "complete_name"
    )
    users = names(session, vis, "users", (r["invoice_user_id"] for r in found))
    teams = names(session, vis, "teams", (r["team_id"] for r in found))
    companies = names(session, vis, "companies", (r["company_id"] for r in found))
    today = datetime.now(UTC).date()
    return [
        {
            "id": r["odoo_id"],
            "name": r["name"],
            "move_type": r["move_type"],
            "state": r["state"],
            "payment_state": r["payment_state"],
            "partner": ref(r["commercial_partner_id"], partners),
            "salesperson": ref(r["invoice_user_id"], users),
            "team": ref(r["team_id"], teams),
            "company": ref(r["company_id"], companies),
            "invoice_date": iso(r["invoice_date"]),
            "invoice_date_due": iso(r["invoice_date_due"]),
            "amount_untaxed_signed": r["amount_untaxed_signed"],
            "amount_total_signed": r["amount_total_signed"],
            "amount_residual_signed": r["amount_residual_signed"],
            "currency": r["currency"],
            "overdue": bool(r["amount_residual_signed"])
            and r["invoice_date_due"] is not None
            and r["invoice_date_due"] < today,
        }
        for r in found
    ]


def _list_invoices(
    session: Session, vis: Visibility, filters: InvoiceFilters, paging: Paging
) -> dict[str, Any]:
    if not vis.visible:
        return {"total": 0, "limit": paging.limit, "offset": paging.offset, "items": []}
    t = table("invoices")
    conditions: list[Any] = [seen(vis, "invoices")]
    if filters.search:
        conditions.append(contains([t.c.name], filters.search))
    for column, value in (
        ("move_type", filters.move_type),
        ("payment_state", filters.payment_state),
        ("commercial_partner_id", filters.partner_id),
        ("invoice_user_id", filters.user_id),
    ):
        if value is not None:
            conditions.append(t.c[column] == value)
    conditions += within(t.c.invoice_date, filters.date_from, filters.date_to)
    total = remembered(
        vis, ("invoices", filters), lambda: count(session, select(t.c.id).where(*conditions))
    )
    query = select(t).where(*conditions).order_by(*order_by(t, filters.sort, SORTS))
    found = list(session.execute(query.limit(paging.limit).offset(paging.offset)).mappings())
    return {
        "total": total,
        "limit": paging.limit,
        "offset": paging.offset,
        "items": invoice_items(session, vis, found),
    }


def list_invoices(
    session: Session, vis: Visibility, filters: InvoiceFilters, paging: Paging
) -> dict[str, Any]:
    """A page of what the person sees (kept per view and day: it cannot change until a new
    run)."""
    return remembered(
        vis,
        ("invoices-page", filters, paging, today()),
        lambda: _list_invoices(session, vis, filters, paging),
    )


def orders_of(session: Session, vis: Visibility, partner_ids: list[int]) -> list[dict[str, Any]]:
    """The sales orders of these partners the person may read, newest first."""
    t = table("orders")
    query = (
        select(t)
        .where(seen(vis, "orders"), t.c.partner_id.in_(partner_ids))
        .order_by(t.c.date_order.desc().nulls_last(), t.c.odoo_id.desc())
    )
    found = list(session.execute(query).mappings())
    users = names(session, vis, "users", (r["user_id"] for r in found))
    return [
        {
            "id": r["odoo_id"],
            "name": r["name"],
            "state": r["state"],
            "salesperson": ref(r["user_id"], users),
            "opportunity_id": r["opportunity_id"],
            "date_order": iso(r["date_order"]),
            "amount_untaxed": r["amount_untaxed"],
            "amount_total": r["amount_total"],
            "currency": r["currency"],
        }
        for r in found
    ]
