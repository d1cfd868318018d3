"""Drafting proposals: one builder per kind turns a validated payload into the operations to
store — resolving what it refers to in Odoo (``country_code`` → country, activity type name → id,
that the partner / project / user / record ids exist) and tagging every text with the case. Only
reads are sent to Odoo here; :mod:`.proposals` stores the draft, :mod:`.execute` runs it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from odoobridge.errors import Unprocessable
from odoobridge.gateway.proposals import Draft, audit_tag, given, tagged
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

# --- references --------------------------------------------------------------------------------


_LABELS = {
    "res.partner": "partner",
    "res.users": "user",
    "project.project": "project",
    "crm.lead": "lead",
    "project.task": "task",
    "calendar.event": "calendar event",
}


def existing(
    client: OdooRpcClient, model: str, record_id: int, fld: str, fields: list[str]
) -> dict[str, Any]:
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
        name=p.name,
        email=p.email,
        phone=p.phone,
        website=p.website,
        is_company=p.is_company,
        street=p.street,
        city=p.city,
        zip=p.zip,
        country_id=country_id(client, p.country_code) if p.country_code else None,
    )
    if p.partner_id is None:
        if not p.name:
            raise Unprocessable(
                "name: required to create a partner (or send partner_id to update an existing one)"
            )
        values["comment"] = tagged(tag, p.comment)
        contact = f" ({p.email})" if p.email else ""
        draft = Draft("partner", f"Create partner: {p.name}{contact}", p.case_id)
        draft.add("upsert_partner", "res.partner", "create", values)
        return draft
    if not values and p.comment is None:
        raise Unprocessable("partner_id: nothing to change: send the fields to update")
    current = existing(client, "res.partner", p.partner_id, "partner_id", ["name", "comment"])
    values["comment"] = tagged(
        tag, p.comment if p.comment is not None else current["comment"] or None
    )
    changed = ", ".join(k for k in values if k != "comment") or "comment"
    summary = f"Update partner {p.partner_id} ({current['name']}): {changed}"
    draft = Draft("partner", summary, p.case_id)
    draft.add("upsert_partner", "res.partner", "write", values, ids=[p.partner_id])
    return draft


def draft_lead(client: OdooRpcClient, settings: Settings, p: LeadProposal) -> Draft:
    values = given(
        name=p.name,
        type="opportunity",
        partner_id=p.partner_id,
        email_from=p.email_from,
        phone=p.phone,
        expected_revenue=p.expected_revenue,
    )
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
        name=p.name,
        partner_id=p.partner_id,
        user_id=p.user_id,
        date_start=p.date_start.isoformat() if p.date_start else None,
    )
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
    draft = Draft(
        "tasks", f"Create {len(p.tasks)} {plural} in project {project}: {names}", p.case_id
    )
    for task in p.tasks:
        values = given(
            name=task.name,
            project_id=p.project_id,
            priority=task.priority,
            date_deadline=task.date_deadline.isoformat() if task.date_deadline else None,
        )
        values["description"] = tagged(tag, task.description)
        draft.add("create_task", "project.task", "create", values)
    return draft


def draft_activity(client: OdooRpcClient, settings: Settings, p: ActivityProposal) -> Draft:
    target = record_name(client, p.res_model, p.res_id, "res_id")
    values = given(
        res_model_id=model_id(client, p.res_model),
        res_id=p.res_id,
        activity_type_id=activity_type_id(client, p.activity_type) if p.activity_type else None,
        summary=p.summary,
        date_deadline=p.date_deadline.isoformat(),
        user_id=p.user_id,
    )
    if p.user_id is not None:
        record_name(client, "res.users", p.user_id, "user_id")
    values["note"] = tagged(audit_tag(settings, p.case_id), p.note)
    what = p.activity_type or "an activity"
    about = f": {p.summary}" if p.summary else ""
    summary = (
        f"Schedule {what} on {p.res_model} {p.res_id} ({target}){about}, "
        f"due {p.date_deadline.isoformat()}"
    )
    draft = Draft("activity", summary, p.case_id)
    draft.add("schedule_activity", "mail.activity", "create", values)
    return draft


def draft_calendar_event(
    client: OdooRpcClient, settings: Settings, p: CalendarEventProposal
) -> Draft:
    attendees = list(dict.fromkeys(p.partner_ids))
    for partner_id in attendees:
        existing(client, "res.partner", partner_id, "partner_ids", ["name"])
    values = given(
        name=p.name, start=odoo_datetime(p.start), stop=odoo_datetime(p.stop), location=p.location
    )
    if attendees:
        values["partner_ids"] = [[6, 0, attendees]]
    values["description"] = tagged(audit_tag(settings, p.case_id), p.description)
    people = f", {len(attendees)} attendee{'s' if len(attendees) != 1 else ''}"
    summary = (
        f"Create calendar event: {p.name}, {values['start']} – {values['stop']} UTC"
        f"{people if attendees else ''}"
    )
    draft = Draft("calendar-event", summary, p.case_id)
    draft.add("create_calendar_event", "calendar.event", "create", values)
    return draft
