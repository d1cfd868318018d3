"""Proposals: a write to Odoo described, checked and stored, waiting for someone to confirm it.

Making a proposal validates the payload, resolves what it refers to in Odoo (``country_code`` →
country, activity type name → id, that the partner / project / user / record ids exist) and stores
``{op, payload: {model, method, values[, ids]}}`` operations, each within the allow-list below —
the gateway never unlinks. Every text a write leaves in Odoo starts with the audit tag
``[<ODOOBRIDGE_GATEWAY_NAME> Case: <case_id>]``. Proposals live in the store (they survive
restarts), expire after ``ODOOBRIDGE_GATEWAY_PROPOSAL_TTL_MINUTES`` and are run by
:mod:`odoobridge.gateway.execute`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from odoobridge.auth.audit import Origin, record
from odoobridge.auth.principal import Principal
from odoobridge.auth.roles import Role
from odoobridge.errors import Conflict, Forbidden, NotFound, Unprocessable
from odoobridge.gateway.models import Proposal, ProposalStatus
from odoobridge.gateway.schemas import (
    ActivityProposal,
    CalendarEventProposal,
    LeadProposal,
    PartnerProposal,
    ProjectProposal,
    TasksProposal,
)
from odoobridge.gateway.search import like_literal
from odoobridge.settings import Settings
from odoobridge.sources.odoo_rpc import OdooRpcClient
from odoobridge.store.base import utcnow
from odoobridge.store.engine import Store

# The only calls the gateway makes that change Odoo. Never unlink, never anything else.
ALLOWED_CALLS = frozenset({
    ("res.partner", "create"), ("res.partner", "write"), ("crm.lead", "create"),
    ("project.project", "create"), ("project.task", "create"), ("mail.activity", "create"),
    ("calendar.event", "create"),
})  # fmt: skip


def check_allowed(model: str, method: str) -> None:
    """Refuse (403) any call outside the allow-list."""
    if (model, method) not in ALLOWED_CALLS:
        allowed = ", ".join(f"{m}.{c}" for m, c in sorted(ALLOWED_CALLS))
        raise Forbidden(
            f"the gateway refuses {model}.{method}: it only calls {allowed} (it never unlinks)"
        )


def audit_tag(settings: Settings, case_id: str) -> str:
    return f"[{settings.gateway_name} Case: {case_id}]"


def tagged(tag: str, text: str | None) -> str:
    return f"{tag} {text}" if text else tag


@dataclass
class Draft:
    """A proposal before it is stored: what it will do, said for a person and for Odoo."""

    kind: str
    summary: str
    case_id: str
    operations: list[dict[str, Any]] = field(default_factory=list)

    def add(self, op: str, model: str, method: str, values: dict[str, Any],
            ids: list[int] | None = None) -> None:  # fmt: skip
        check_allowed(model, method)
        payload: dict[str, Any] = {"model": model, "method": method, "values": values}
        if ids is not None:
            payload["ids"] = ids
        self.operations.append({"op": op, "payload": payload})


def given(**values: Any) -> dict[str, Any]:
    """The values that were sent (None means "not given")."""
    return {k: v for k, v in values.items() if v is not None}


# --- references --------------------------------------------------------------------------------


_LABELS = {
    "res.partner": "partner", "res.users": "user", "project.project": "project",
    "crm.lead": "lead", "project.task": "task", "calendar.event": "calendar event",
}  # fmt: skip


def existing(client: OdooRpcClient, model: str, record_id: int, fld: str,
             fields: list[str]) -> dict[str, Any]:  # fmt: skip
    """The record (``fields`` read), or 422 naming the payload field ``fld``."""
    found = client.read(model, [record_id], fields)
    if not found:
        raise Unprocessable(
            f"{fld}: there is no {_LABELS.get(model, model)} {record_id} in Odoo: send an "
            "existing id (the searches find them)"
        )
    return found[0]


def record_name(client: OdooRpcClient, model: str, record_id: int, fld: str) -> str:
    # res.users keeps its name on the partner: its login names it well enough here.
    name_field = "login" if model == "res.users" else "name"
    return str(existing(client, model, record_id, fld, [name_field]).get(name_field) or record_id)


def country_id(client: OdooRpcClient, code: str) -> int:
    found = client.search_read("res.country", [["code", "=", code.upper()]], ["name"], limit=1)
    if not found:
        raise Unprocessable(f"country_code: Odoo has no country with code {code!r} (use ISO 3166)")
    return int(found[0]["id"])


def activity_type_id(client: OdooRpcClient, name: str) -> int:
    found = client.search_read(
        "mail.activity.type", [["name", "=ilike", like_literal(name)]], ["name"], limit=1
    )
    if not found:
        known = client.search_read("mail.activity.type", [], ["name"], order="sequence, id")
        names = ", ".join(str(t["name"]) for t in known) or "none"
        raise Unprocessable(f"activity_type: Odoo has no activity type {name!r}; it has: {names}")
    return int(found[0]["id"])


def model_id(client: OdooRpcClient, model: str) -> int:
    found = client.search_read("ir.model", [["model", "=", model]], ["model"], limit=1)
    if not found:
        raise Unprocessable(f"res_model: {model} is not installed in this Odoo")
    return int(found[0]["id"])


def odoo_datetime(value: datetime) -> str:
    """Odoo's datetime format: ``YYYY-MM-DD HH:MM:SS`` in UTC (naive input counts as UTC)."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%d %H:%M:%S")


# --- one builder per kind ----------------------------------------------------------------------


def draft_partner(client: OdooRpcClient, settings: Settings, p: PartnerProposal) -> Draft:
    tag = audit_tag(settings, p.case_id)
    values = given(
        name=p.name, email=p.email, phone=p.phone, website=p.website, is_company=p.is_company,
        street=p.street, city=p.city, zip=p.zip,
        country_id=country_id(client, p.country_code) if p.country_code else None,
    )  # fmt: skip
    if p.partner_id is None:
        if not p.name:
            raise Unprocessable("name: required to create a partner (or send partner_id to "
                                "update an existing one)")  # fmt: skip
        values["comment"] = tagged(tag, p.comment)
        contact = f" ({p.email})" if p.email else ""
        draft = Draft("partner", f"Create partner: {p.name}{contact}", p.case_id)
        draft.add("upsert_partner", "res.partner", "create", values)
        return draft
    if not values and p.comment is None:
        raise Unprocessable("partner_id: nothing to change: send the fields to update")
    current = existing(client, "res.partner", p.partner_id, "partner_id", ["name", "comment"])
    values["comment"] = tagged(tag, p.comment if p.comment is not None else current["comment"]
                               or None)  # fmt: skip
    changed = ", ".join(k for k in values if k != "comment") or "comment"
    summary = f"Update partner {p.partner_id} ({current['name']}): {changed}"
    draft = Draft("partner", summary, p.case_id)
    draft.add("upsert_partner", "res.partner", "write", values, ids=[p.partner_id])
    return draft


def draft_lead(client: OdooRpcClient, settings: Settings, p: LeadProposal) -> Draft:
    values = given(
        name=p.name, type="opportunity", partner_id=p.partner_id, email_from=p.email_from,
        phone=p.phone, expected_revenue=p.expected_revenue,
    )  # fmt: skip
    values["description"] = tagged(audit_tag(settings, p.case_id), p.description)
    summary = f"Create opportunity: {p.name}"
    if p.partner_id is not None:
        summary += f" for {record_name(client, 'res.partner', p.partner_id, 'partner_id')}"
    if p.expected_revenue is not None:
        summary += f" (expected revenue {p.expected_revenue:,.2f})"
    draft = Draft("lead", summary, p.case_id)
    draft.add("create_lead", "crm.lead", "create", values)
    return draft


def draft_project(client: OdooRpcClient, settings: Settings, p: ProjectProposal) -> Draft:
    values = given(
        name=p.name, partner_id=p.partner_id, user_id=p.user_id,
        date_start=p.date_start.isoformat() if p.date_start else None,
    )  # fmt: skip
    values["description"] = tagged(audit_tag(settings, p.case_id), p.description)
    summary = f"Create project: {p.name}"
    if p.partner_id is not None:
        summary += f" for {record_name(client, 'res.partner', p.partner_id, 'partner_id')}"
    if p.user_id is not None:
        summary += f", managed by {record_name(client, 'res.users', p.user_id, 'user_id')}"
    draft = Draft("project", summary, p.case_id)
    draft.add("create_project", "project.project", "create", values)
    return draft


def draft_tasks(client: OdooRpcClient, settings: Settings, p: TasksProposal) -> Draft:
    project = record_name(client, "project.project", p.project_id, "project_id")
    tag = audit_tag(settings, p.case_id)
    names = "; ".join(t.name for t in p.tasks)
    plural = "task" if len(p.tasks) == 1 else "tasks"
    draft = Draft("tasks", f"Create {len(p.tasks)} {plural} in project {project}: {names}",
                  p.case_id)  # fmt: skip
    for task in p.tasks:
        values = given(
            name=task.name, project_id=p.project_id, priority=task.priority,
            date_deadline=task.date_deadline.isoformat() if task.date_deadline else None,
        )  # fmt: skip
        values["description"] = tagged(tag, task.description)
        draft.add("create_task", "project.task", "create", values)
    return draft


def draft_activity(client: OdooRpcClient, settings: Settings, p: ActivityProposal) -> Draft:
    target = record_name(client, p.res_model, p.res_id, "res_id")
    values = given(
        res_model_id=model_id(client, p.res_model), res_id=p.res_id,
        activity_type_id=activity_type_id(client, p.activity_type) if p.activity_type else None,
        summary=p.summary, date_deadline=p.date_deadline.isoformat(),
        user_id=p.user_id,
    )  # fmt: skip
    if p.user_id is not None:
        record_name(client, "res.users", p.user_id, "user_id")
    values["note"] = tagged(audit_tag(settings, p.case_id), p.note)
    what = p.activity_type or "an activity"
    about = f": {p.summary}" if p.summary else ""
    summary = (f"Schedule {what} on {p.res_model} {p.res_id} ({target}){about}, "
               f"due {p.date_deadline.isoformat()}")  # fmt: skip
    draft = Draft("activity", summary, p.case_id)
    draft.add("schedule_activity", "mail.activity", "create", values)
    return draft


def draft_calendar_event(
    client: OdooRpcClient, settings: Settings, p: CalendarEventProposal
) -> Draft:
    attendees = list(dict.fromkeys(p.partner_ids))
    for partner_id in attendees:
        existing(client, "res.partner", partner_id, "partner_ids", ["name"])
    values = given(name=p.name, start=odoo_datetime(p.start), stop=odoo_datetime(p.stop),
                   location=p.location)  # fmt: skip
    if attendees:
        values["partner_ids"] = [[6, 0, attendees]]
    values["description"] = tagged(audit_tag(settings, p.case_id), p.description)
    people = f", {len(attendees)} attendee{'s' if len(attendees) != 1 else ''}"
    summary = (f"Create calendar event: {p.name}, {values['start']} – {values['stop']} UTC"
               f"{people if attendees else ''}")  # fmt: skip
    draft = Draft("calendar-event", summary, p.case_id)
    draft.add("create_calendar_event", "calendar.event", "create", values)
    return draft


# --- the store ---------------------------------------------------------------------------------


def store_proposal(
    session: Session, settings: Settings, draft: Draft, *, actor: str, origin: Origin | None = None
) -> Proposal:
    """Save the draft as a pending proposal and write the audit event."""
    now = utcnow()
    proposal = Proposal(
        id=secrets.token_hex(8), kind=draft.kind, summary=draft.summary,
        operations=draft.operations, case_id=draft.case_id, proposed_by=actor, created_at=now,
        expires_at=now + timedelta(minutes=settings.gateway_proposal_ttl_minutes),
        status=ProposalStatus.PENDING,
    )  # fmt: skip
    session.add(proposal)
    session.flush()
    record(
        session, actor=actor, action="gateway.propose", target=f"proposal:{proposal.id}",
        detail={"kind": draft.kind, "case_id": draft.case_id, "summary": draft.summary,
                "operations": len(draft.operations), "proposed_by": actor},
        origin=origin,
    )  # fmt: skip
    return proposal


def save_proposal(
    store: Store, settings: Settings, draft: Draft, *, actor: str, origin: Origin | None = None
) -> dict[str, Any]:
    """Store the draft in a write transaction of its own and answer it as the API shows it. Its
    own transaction: on SQLite a session that has read (the caller's key) before Odoo was asked
    may no longer take the write lock."""
    with store.write_session() as session:
        return store_proposal(session, settings, draft, actor=actor, origin=origin).as_dict()


def expire_due(session: Session, now: datetime | None = None) -> int:
    """Mark pending proposals past their time as expired; how many were."""
    result = session.execute(
        update(Proposal)
        .where(Proposal.status == ProposalStatus.PENDING, Proposal.expires_at <= (now or utcnow()))
        .values(status=ProposalStatus.EXPIRED)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def get_proposal(session: Session, proposal_id: str) -> Proposal:
    proposal = session.get(Proposal, proposal_id)
    if proposal is None:
        raise NotFound(f"there is no proposal {proposal_id}: GET /odoo/proposals lists them")
    return proposal


def list_proposals(
    session: Session, *, status: str = ProposalStatus.PENDING, limit: int = 100, offset: int = 0
) -> dict[str, Any]:
    """``{"count": matches in all, "proposals": [...]}``, newest first. Reads only: a pending
    proposal past its time counts as expired."""
    now = utcnow()
    query = select(Proposal)
    if status == ProposalStatus.PENDING:
        query = query.where(Proposal.status == status, Proposal.expires_at > now)
    elif status == ProposalStatus.EXPIRED:
        query = query.where(
            or_(
                Proposal.status == status,
                and_(Proposal.status == ProposalStatus.PENDING, Proposal.expires_at <= now),
            )
        )
    elif status != "all":
        query = query.where(Proposal.status == status)
    count = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    found = session.scalars(
        query.order_by(Proposal.created_at.desc(), Proposal.id).limit(limit).offset(offset)
    )
    return {"count": count, "proposals": [p.as_dict() for p in found]}


def why_not_pending(proposal: Proposal) -> str:
    """Why this proposal cannot be run or cancelled any more, for a 409."""
    pid, status = proposal.id, proposal.status
    when = proposal.executed_at.isoformat() if proposal.executed_at else ""
    return {
        ProposalStatus.EXECUTING: f"proposal {pid} is being executed (confirmed by "
        f"{proposal.confirmed_by}); it runs at most once",
        ProposalStatus.EXECUTED: f"proposal {pid} was already executed at {when} (confirmed by "
        f"{proposal.confirmed_by}); it runs at most once",
        ProposalStatus.FAILED: f"proposal {pid} already ran and failed at {when}; it runs at "
        "most once: propose it again",
        ProposalStatus.PARTIALLY_FAILED: f"proposal {pid} already ran at {when} and partly "
        "failed; it runs at most once: see its results, then propose what is missing",
        ProposalStatus.CANCELLED: f"proposal {pid} was cancelled: propose it again",
        ProposalStatus.EXPIRED: f"proposal {pid} expired at {proposal.expires_at.isoformat()}: "
        "propose it again",
    }.get(status, f"proposal {pid} is {status}")


def cancel_proposal(
    session: Session, proposal_id: str, *, actor: str, may_cancel_any: bool,
    origin: Origin | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Cancel a pending proposal: its proposer may, and whoever may execute proposals. Give a
    session from ``store.write_session()`` (SQLite's write lock taken at its start)."""
    expire_due(session)
    proposal = get_proposal(session, proposal_id)
    if proposal.proposed_by != actor and not may_cancel_any:
        raise Forbidden(
            f"proposal {proposal_id} was made by {proposal.proposed_by}: only they, or someone "
            "who may execute proposals, may cancel it"
        )
    result = session.execute(
        update(Proposal)
        .where(Proposal.id == proposal_id, Proposal.status == ProposalStatus.PENDING)
        .values(status=ProposalStatus.CANCELLED)
    )
    if not getattr(result, "rowcount", 0):
        session.refresh(proposal)
        raise Conflict(why_not_pending(proposal))
    record(
        session, actor=actor, action="gateway.cancel", target=f"proposal:{proposal_id}",
        detail={"case_id": proposal.case_id, "summary": proposal.summary,
                "proposed_by": proposal.proposed_by, "cancelled_by": actor},
        origin=origin,
    )  # fmt: skip
    return {"status": ProposalStatus.CANCELLED, "proposal_id": proposal_id}


def may_cancel_any(principal: Principal) -> bool:
    """Whether ``principal`` may cancel anyone's proposal: whoever may execute proposals (an
    admin; a key also needs the gateway:execute scope)."""
    return principal.allows(Role.ADMIN) and (
        principal.kind != "api_key" or "gateway:execute" in principal.scopes
    )


def cancel_as(
    store: Store, proposal_id: str, principal: Principal, origin: Origin | None = None
) -> dict[str, Any]:
    """Cancel a pending proposal on behalf of ``principal`` (its own write transaction)."""
    with store.write_session() as session:
        return cancel_proposal(session, proposal_id, actor=principal.actor,
                               may_cancel_any=may_cancel_any(principal), origin=origin)  # fmt: skip
