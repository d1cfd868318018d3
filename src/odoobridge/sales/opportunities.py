"""Leads and opportunities as a person sees them: a filtered, sorted page, and one opportunity
with its stage history (from the temporal rows) and its open activities."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, not_, or_, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Session

from odoobridge.errors import NotFound, Unprocessable
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
    within,
    won_stages,
)
from odoobridge.sales.visibility import Visibility
from odoobridge.sync.models import SyncRun

STATUSES = ("open", "won", "lost", "archived", "all")
SORTS = (
    "name",
    "expected_revenue",
    "probability",
    "date_deadline",
    "date_closed",
    "create_date",
    "write_date",
)
DATE_FIELDS = ("create_date", "date_deadline", "date_closed")


@dataclass(frozen=True)
class LeadFilters:
    search: str | None = None
    stage_id: int | None = None
    team_id: int | None = None
    user_id: int | None = None  # the salesperson (an Odoo user id)
    partner_ids: tuple[int, ...] | None = None
    type: str | None = None  # lead | opportunity
    status: str = "all"
    date_field: str = "create_date"
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "-write_date"

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise Unprocessable(f"status: use one of {', '.join(STATUSES)}")
        if self.type not in (None, "lead", "opportunity"):
            raise Unprocessable("type: use lead or opportunity")
        if self.date_field not in DATE_FIELDS:
            raise Unprocessable(f"date_field: use one of {', '.join(DATE_FIELDS)}")


def status_clause(status: str, won: list[int]) -> ColumnElement[bool] | None:
    """Odoo's meaning: won = active in a won stage; lost = archived with probability 0."""
    t = table("leads")
    is_won = t.c.stage_id.in_(won) if won else None
    if status == "open":
        return (
            and_(t.c.active.is_(True), or_(t.c.stage_id.is_(None), not_(is_won)))
            if (is_won is not None)
            else t.c.active.is_(True)
        )
    if status == "won":
        return and_(t.c.active.is_(True), is_won) if is_won is not None else t.c.id.is_(None)
    if status == "lost":
        return and_(t.c.active.is_(False), func.coalesce(t.c.probability, 0) == 0)
    if status == "archived":
        return and_(t.c.active.is_(False), func.coalesce(t.c.probability, 0) != 0)
    return None


def lead_status(
    active: bool, probability: float | None, stage_id: int | None, won: list[int]
) -> str:
    if active:
        return "won" if stage_id in won else "open"
    return "lost" if not probability else "archived"


def _conditions(vis: Visibility, filters: LeadFilters, won: list[int]) -> list[Any]:
    t = table("leads")
    conditions: list[Any] = [seen(vis, "leads")]
    if filters.search:
        conditions.append(
            contains([t.c.name, t.c.partner_name, t.c.contact_name, t.c.email_from], filters.search)
        )
    for column, value in (
        ("stage_id", filters.stage_id),
        ("team_id", filters.team_id),
        ("user_id", filters.user_id),
        ("type", filters.type),
    ):
        if value is not None:
            conditions.append(t.c[column] == value)
    if filters.partner_ids is not None:
        conditions.append(t.c.partner_id.in_(filters.partner_ids))
    state = status_clause(filters.status, won)
    if state is not None:
        conditions.append(state)
    conditions += within(t.c[filters.date_field], filters.date_from, filters.date_to)
    return conditions


def items(session: Session, vis: Visibility, found: list[RowMapping], won: list[int]) -> list[Any]:
    """Opportunities as the API shows them, names resolved for the whole page at once."""
    stages = names(session, vis, "stages", (r["stage_id"] for r in found))
    users = names(session, vis, "users", (r["user_id"] for r in found))
    teams = names(session, vis, "teams", (r["team_id"] for r in found))
    partners = names(session, vis, "partners", (r["partner_id"] for r in found), "complete_name")
    companies = names(session, vis, "companies", (r["company_id"] for r in found))
    reasons = names(session, vis, "lost_reasons", (r["lost_reason_id"] for r in found))
    tag_ids = {int(i) for r in found if r["tag_ids"] for i in str(r["tag_ids"]).split(",")}
    tags = names(session, vis, "tags", tag_ids)
    shown = []
    for r in found:
        tagged = str(r["tag_ids"]).split(",") if r["tag_ids"] else []
        revenue, probability = r["expected_revenue"] or 0.0, r["probability"] or 0.0
        shown.append(
            {
                "id": r["odoo_id"],
                "name": r["name"],
                "type": r["type"],
                "active": r["active"],
                "status": lead_status(r["active"], r["probability"], r["stage_id"], won),
                "stage": ref(r["stage_id"], stages),
                "probability": probability,
                "expected_revenue": revenue,
                "weighted_revenue": round(revenue * probability / 100, 2),
                "date_deadline": iso(r["date_deadline"]),
                "date_closed": iso(r["date_closed"]),
                "salesperson": ref(r["user_id"], users),
                "team": ref(r["team_id"], teams),
                "partner": ref(r["partner_id"], partners),
                "company": ref(r["company_id"], companies),
                "lost_reason": reasons.get(r["lost_reason_id"]) if r["lost_reason_id"] else None,
                "tags": [tags.get(int(i)) for i in tagged],
                "partner_name": r["partner_name"],
                "contact_name": r["contact_name"],
                "email_from": r["email_from"],
                "phone": r["phone"],
                "priority": r["priority"],
                "create_date": iso(r["create_date"]),
                "write_date": iso(r["write_date"]),
            }
        )
    return shown


def _list_opportunities(
    session: Session, vis: Visibility, filters: LeadFilters, paging: Paging
) -> dict[str, Any]:
    """A page of what the person sees, with the total and why they see nothing (if so)."""
    if not vis.visible:
        return {"total": 0, "limit": paging.limit, "offset": paging.offset, "items": []}
    t = table("leads")
    won = won_stages(session, vis)
    conditions = _conditions(vis, filters, won)
    query = select(t).where(*conditions)
    total = remembered(
        vis, ("leads", filters), lambda: count(session, select(t.c.id).where(*conditions))
    )
    page = query.order_by(*order_by(t, filters.sort, SORTS)).limit(paging.limit)
    found = list(session.execute(page.offset(paging.offset)).mappings())
    return {
        "total": total,
        "limit": paging.limit,
        "offset": paging.offset,
        "items": items(session, vis, found, won),
    }


def list_opportunities(
    session: Session, vis: Visibility, filters: LeadFilters, paging: Paging
) -> dict[str, Any]:
    """A page of what the person sees (kept per view and day: it cannot change until a new
    run)."""
    return remembered(
        vis,
        ("leads-page", filters, paging, today()),
        lambda: _list_opportunities(session, vis, filters, paging),
    )


def get_opportunity(session: Session, vis: Visibility, lead_id: int) -> dict[str, Any]:
    """One opportunity the person may read, with its stage history and activities."""
    t = table("leads")
    found = list(
        session.execute(select(t).where(seen(vis, "leads"), t.c.odoo_id == lead_id)).mappings()
    )
    if not found:
        raise NotFound(
            f"there is no opportunity {lead_id} you may see: `odoobridge sales "
            "opportunities` lists those you may"
        )
    won = won_stages(session, vis)
    shown: dict[str, Any] = items(session, vis, found, won)[0]
    shown["stage_history"] = stage_history(session, vis, lead_id)
    shown["activities"] = activities(session, vis, [lead_id])
    return shown


def stage_history(session: Session, vis: Visibility, lead_id: int) -> list[dict[str, Any]]:
    """The stages the opportunity went through, oldest first, each since when (Odoo's last
    stage update, else when the sync first saw it) — read from the lead's temporal versions."""
    t = table("leads")
    query = (
        select(
            t.c.stage_id, t.c.date_last_stage_update, t.c.first_seen_run_id, SyncRun.completed_at
        )
        .join(SyncRun, SyncRun.id == t.c.first_seen_run_id)
        .where(t.c.environment == vis.environment, t.c.odoo_id == lead_id)
        .order_by(t.c.first_seen_run_id)
    )
    if vis.run_id is not None:
        query = query.where(t.c.first_seen_run_id <= vis.run_id)
    history: list[dict[str, Any]] = []
    for stage_id, changed, run_id, seen_at in session.execute(query):
        if history and history[-1]["stage"]["id"] == stage_id:
            continue
        history.append(
            {"stage": {"id": stage_id}, "since": iso(changed or seen_at), "seen_in_run": run_id}
        )
    stage_names = names(session, vis, "stages", (h["stage"]["id"] for h in history))
    for entry in history:
        entry["stage"]["name"] = stage_names.get(entry["stage"]["id"])
    return history


def activity_state(deadline: date | None, today: date) -> str | None:
    if deadline is None:
        return None
    days = (deadline - today).days
    return "overdue" if days < 0 else "today" if days == 0 else "planned"


def activities(session: Session, vis: Visibility, lead_ids: list[int]) -> list[dict[str, Any]]:
    """Open activities on these leads (the caller checked the person may read the leads)."""
    if not lead_ids:
        return []
    a = table("activities")
    query = (
        select(a)
        .where(rows(vis, "activities"), a.c.lead_id.in_(lead_ids))
        .order_by(a.c.date_deadline.asc().nulls_last(), a.c.odoo_id)
    )
    found = list(session.execute(query).mappings())
    users = names(session, vis, "users", (r["user_id"] for r in found))
    today = datetime.now(UTC).date()
    return [
        {
            "id": r["odoo_id"],
            "opportunity_id": r["lead_id"],
            "type": r["activity_type"],
            "summary": r["summary"],
            "date_deadline": iso(r["date_deadline"]),
            "state": activity_state(r["date_deadline"], today),
            "assigned_to": ref(r["user_id"], users),
        }
        for r in found
    ]
