"""Accounts (commercial partners) as a person sees them: a page with each account's open
pipeline and invoicing, and one account in full — contacts, opportunities, invoices, orders,
activities and totals, each part filtered by its own model's rules."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from odoobridge.errors import NotFound
from odoobridge.sales.invoices import invoice_items, orders_of
from odoobridge.sales.opportunities import activities, items, status_clause
from odoobridge.sales.serving import (
    Paging,
    contains,
    count,
    iso,
    names,
    order_by,
    ref,
    remembered,
    rows,
    seen,
    table,
    today,
    won_stages,
)
from odoobridge.sales.visibility import Visibility

SORTS = ("name", "city", "write_date")


@dataclass(frozen=True)
class AccountFilters:
    search: str | None = None
    user_id: int | None = None  # the account's salesperson
    sort: str = "name"


def _partner(session: Session, vis: Visibility, r: Any) -> dict[str, Any]:
    users = names(session, vis, "users", [r["user_id"]])
    companies = names(session, vis, "companies", [r["company_id"]])
    return {
        "id": r["odoo_id"],
        "name": r["name"],
        "complete_name": r["complete_name"],
        "is_company": r["is_company"],
        "type": r["type"],
        "email": r["email"],
        "phone": r["phone"],
        "city": r["city"],
        "country": r["country"],
        "active": r["active"],
        "salesperson": ref(r["user_id"], users),
        "company": ref(r["company_id"], companies),
        "write_date": iso(r["write_date"]),
    }


def _members(session: Session, vis: Visibility, accounts: list[int]) -> dict[int, int]:
    """partner → its account, for every partner of these accounts (visible or not: what they
    link to is filtered by its own rules)."""
    p = table("partners")
    query = select(p.c.odoo_id, p.c.commercial_partner_id).where(
        rows(vis, "partners"), p.c.commercial_partner_id.in_(accounts)
    )
    found = {row[0]: row[1] for row in session.execute(query)}
    found.update({a: a for a in accounts})
    return found


def _figures(session: Session, vis: Visibility, accounts: list[int]) -> dict[int, dict[str, Any]]:
    """Per account: open opportunities (count, value), won value, invoiced net, receivable."""
    figures: dict[int, dict[str, Any]] = defaultdict(
        lambda: {
            "open_opportunities": 0,
            "open_pipeline": 0.0,
            "won": 0.0,
            "invoiced_net": 0.0,
            "receivable": 0.0,
        }
    )
    if not accounts:
        return {}
    members = _members(session, vis, accounts)
    t, won = table("leads"), won_stages(session, vis)
    revenue = func.coalesce(func.sum(t.c.expected_revenue), 0.0)
    for state, column in (("open", "open_pipeline"), ("won", "won")):
        query = (
            select(t.c.partner_id, func.count(), revenue)
            .where(seen(vis, "leads"), t.c.partner_id.in_(list(members)), status_clause(state, won))  # type: ignore[arg-type]
            .group_by(t.c.partner_id)
        )
        for partner_id, n, value in session.execute(query):
            entry = figures[members[partner_id]]
            entry[column] += float(value)
            if state == "open":
                entry["open_opportunities"] += int(n)
    i = table("invoices")
    query = (
        select(
            i.c.commercial_partner_id,
            func.sum(i.c.amount_untaxed_signed),
            func.sum(i.c.amount_residual_signed),
        )
        .where(seen(vis, "invoices"), i.c.commercial_partner_id.in_(accounts))
        .group_by(i.c.commercial_partner_id)
    )
    for account_id, invoiced, receivable in session.execute(query):
        figures[account_id]["invoiced_net"] = round(float(invoiced or 0), 2)
        figures[account_id]["receivable"] = round(float(receivable or 0), 2)
    return {a: dict(figures[a]) for a in accounts}


def _list_accounts(
    session: Session, vis: Visibility, filters: AccountFilters, paging: Paging
) -> dict[str, Any]:
    if not vis.visible:
        return {"total": 0, "limit": paging.limit, "offset": paging.offset, "items": []}
    p = table("partners")
    conditions: list[Any] = [seen(vis, "partners"), p.c.odoo_id == p.c.commercial_partner_id]
    if filters.search:
        conditions.append(contains([p.c.name, p.c.email, p.c.city], filters.search))
    if filters.user_id is not None:
        conditions.append(p.c.user_id == filters.user_id)
    total = remembered(
        vis, ("accounts", filters), lambda: count(session, select(p.c.id).where(*conditions))
    )
    query = select(p).where(*conditions).order_by(*order_by(p, filters.sort, SORTS))
    found = list(session.execute(query.limit(paging.limit).offset(paging.offset)).mappings())
    figures = _figures(session, vis, [r["odoo_id"] for r in found])
    shown = [{**_partner(session, vis, r), **figures[r["odoo_id"]]} for r in found]
    return {"total": total, "limit": paging.limit, "offset": paging.offset, "items": shown}


def list_accounts(
    session: Session, vis: Visibility, filters: AccountFilters, paging: Paging
) -> dict[str, Any]:
    """A page of what the person sees (kept per view and day: it cannot change until a new
    run)."""
    return remembered(
        vis,
        ("accounts-page", filters, paging, today()),
        lambda: _list_accounts(session, vis, filters, paging),
    )


def get_account(session: Session, vis: Visibility, partner_id: int) -> dict[str, Any]:
    """One account with everything the person may see around it."""
    p = table("partners")
    found = list(
        session.execute(
            select(p).where(seen(vis, "partners"), p.c.odoo_id == partner_id)
        ).mappings()
    )
    if not found:
        raise NotFound(
            f"there is no account {partner_id} you may see: `odoobridge sales "
            "accounts` lists those you may"
        )
    account = _partner(session, vis, found[0])
    members = _members(session, vis, [partner_id])
    contacts = session.execute(
        select(p)
        .where(
            seen(vis, "partners"),
            p.c.commercial_partner_id == partner_id,
            p.c.odoo_id != partner_id,
        )
        .order_by(p.c.name, p.c.odoo_id)
    ).mappings()
    account["contacts"] = [_partner(session, vis, c) for c in contacts]
    t, won = table("leads"), won_stages(session, vis)
    leads = list(
        session.execute(
            select(t)
            .where(seen(vis, "leads"), t.c.partner_id.in_(list(members)))
            .order_by(t.c.write_date.desc().nulls_last(), t.c.odoo_id.desc())
        ).mappings()
    )
    account["opportunities"] = items(session, vis, leads, won)
    account["activities"] = activities(session, vis, [r["odoo_id"] for r in leads])
    i = table("invoices")
    invoices = list(
        session.execute(
            select(i)
            .where(seen(vis, "invoices"), i.c.commercial_partner_id == partner_id)
            .order_by(i.c.invoice_date.desc().nulls_last(), i.c.odoo_id.desc())
        ).mappings()
    )
    account["invoices"] = invoice_items(session, vis, invoices)
    account["orders"] = orders_of(session, vis, list(members))
    account["totals"] = _figures(session, vis, [partner_id])[partner_id]
    return account
