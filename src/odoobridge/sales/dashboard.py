"""The seed's dashboard KPIs (``GET /api/dashboard/real``) over what one person sees.

- open pipeline: active opportunities not in a won stage (count, expected revenue), and weighted
  by their probability;
- won / lost in the period (closed then; won = active in a won stage, lost = archived with
  probability 0, as Odoo marks them): counts, values, win rate by count and by value, average
  deal size, average sales cycle (days from creation to closing of the won ones);
- forecast: open opportunities by expected closing month;
- overdue activities on the leads the person sees;
- invoiced revenue net of credit notes (untaxed, signed: a credit note counts negative) dated in
  the period, and open receivables (what customers still owe on the posted invoices and credit
  notes the person sees: Odoo's residual, the receivable lines' residual of each move).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from odoobridge.errors import Unprocessable
from odoobridge.sales.opportunities import status_clause
from odoobridge.sales.serving import remembered, rows, seen, table, within, won_stages
from odoobridge.sales.visibility import Visibility


def default_period(today: date | None = None) -> tuple[date, date]:
    """This calendar year so far."""
    today = today or datetime.now(UTC).date()
    return date(today.year, 1, 1), today


def _sum(condition: Any, value: Any) -> Any:
    return func.coalesce(func.sum(case((condition, value), else_=0)), 0)


def _days(session: Session, start: Any, end: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", end - start) / 86400.0
    return func.julianday(end) - func.julianday(start)


def _month(session: Session, day: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(day, "YYYY-MM")
    return func.strftime("%Y-%m", day)


def _ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def dashboard(
    session: Session, vis: Visibility, start: date | None = None, end: date | None = None
) -> dict[str, Any]:
    """Every KPI for the period ``start``–``end`` (both included; default: this year so far)."""
    if start is None or end is None:
        default_start, default_end = default_period()
        start, end = start or default_start, end or default_end
    if start > end:
        raise Unprocessable("date_from must not be after date_to")
    answer: dict[str, Any] = {"period": {"from": start.isoformat(), "to": end.isoformat()}}
    if not vis.visible:
        return {**answer, **_empty()}
    today = datetime.now(UTC).date()  # overdue is relative to today
    figures = remembered(
        vis, ("dashboard", start, end, today), lambda: _figures(session, vis, start, end)
    )
    return {**answer, **figures}


def _figures(session: Session, vis: Visibility, start: date, end: date) -> dict[str, Any]:
    answer: dict[str, Any] = {}
    t = table("leads")
    won = won_stages(session, vis)
    revenue = func.coalesce(t.c.expected_revenue, 0.0)
    weighted = revenue * func.coalesce(t.c.probability, 0.0) / 100.0
    is_open = and_(t.c.type == "opportunity", status_clause("open", won))  # type: ignore[arg-type]
    closed = and_(*within(t.c.date_closed, start, end))
    is_won = and_(status_clause("won", won), closed)  # type: ignore[arg-type]
    is_lost = and_(status_clause("lost", won), closed)  # type: ignore[arg-type]
    cycle = _days(session, t.c.create_date, t.c.date_closed)
    leads = session.execute(
        select(
            _sum(is_open, 1),
            _sum(is_open, revenue),
            _sum(is_open, weighted),
            _sum(is_won, 1),
            _sum(is_won, revenue),
            _sum(is_lost, 1),
            _sum(is_lost, revenue),
            func.avg(case((is_won, cycle), else_=None)),
        ).where(seen(vis, "leads"))
    ).one()
    open_count, open_value, weighted_value, won_count, won_value, lost_count, lost_value = (
        float(v) for v in leads[:7]
    )
    answer["open_pipeline"] = {"count": int(open_count), "value": round(open_value, 2)}
    answer["weighted_pipeline"] = round(weighted_value, 2)
    answer["won"] = {"count": int(won_count), "value": round(won_value, 2)}
    answer["lost"] = {"count": int(lost_count), "value": round(lost_value, 2)}
    answer["win_rate"] = {
        "by_count": _ratio(won_count, won_count + lost_count),
        "by_value": _ratio(won_value, won_value + lost_value),
    }
    answer["average_deal_size"] = round(won_value / won_count, 2) if won_count else None
    answer["average_sales_cycle_days"] = round(float(leads[7]), 1) if leads[7] is not None else None
    answer["forecast"] = _forecast(session, vis, is_open, revenue, weighted)
    answer["overdue_activities"] = _overdue(session, vis)
    answer.update(_invoicing(session, vis, start, end))
    return answer


def _forecast(
    session: Session, vis: Visibility, is_open: Any, revenue: Any, weighted: Any
) -> list[dict[str, Any]]:
    t = table("leads")
    month = _month(session, t.c.date_deadline)
    query = (
        select(month, func.count(), func.sum(revenue), func.sum(weighted))
        .where(seen(vis, "leads"), is_open, t.c.date_deadline.is_not(None))
        .group_by(month)
        .order_by(month)
    )
    return [
        {
            "month": m,
            "count": int(n),
            "value": round(float(v or 0), 2),
            "weighted": round(float(w or 0), 2),
        }
        for m, n, v, w in session.execute(query)
    ]


def _overdue(session: Session, vis: Visibility) -> int:
    a, t = table("activities"), table("leads")
    today = datetime.now(UTC).date()
    visible_leads = select(t.c.odoo_id).where(seen(vis, "leads"))
    query = select(func.count()).where(
        rows(vis, "activities"), a.c.date_deadline < today, a.c.lead_id.in_(visible_leads)
    )
    return int(session.scalar(query) or 0)


def _invoicing(session: Session, vis: Visibility, start: date, end: date) -> dict[str, Any]:
    i = table("invoices")
    dated = and_(*within(i.c.invoice_date, start, end))
    amount = func.coalesce(i.c.amount_untaxed_signed, 0.0)
    invoices, refunds, receivable = session.execute(
        select(
            _sum(and_(dated, i.c.move_type == "out_invoice"), amount),
            _sum(and_(dated, i.c.move_type == "out_refund"), amount),
            func.coalesce(func.sum(i.c.amount_residual_signed), 0.0),
        ).where(seen(vis, "invoices"))
    ).one()
    return {
        "invoiced_revenue": {
            "invoices": round(float(invoices), 2),
            "credit_notes": round(float(refunds), 2),
            "net": round(float(invoices) + float(refunds), 2),
        },
        "open_receivables": round(float(receivable), 2),
    }


def _empty() -> dict[str, Any]:
    return {
        "open_pipeline": {"count": 0, "value": 0.0},
        "weighted_pipeline": 0.0,
        "won": {"count": 0, "value": 0.0},
        "lost": {"count": 0, "value": 0.0},
        "win_rate": {"by_count": None, "by_value": None},
        "average_deal_size": None,
        "average_sales_cycle_days": None,
        "forecast": [],
        "overdue_activities": 0,
        "invoiced_revenue": {"invoices": 0.0, "credit_notes": 0.0, "net": 0.0},
        "open_receivables": 0.0,
    }
