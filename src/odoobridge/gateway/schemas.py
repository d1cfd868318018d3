"""Payloads of the gateway's routes (``/odoo/…``), as the API spec shows them.

Every payload refuses unknown fields, so a misspelt criterion is a 422 naming it rather than a
search that silently ignores it. Dates are ``YYYY-MM-DD``, datetimes ISO 8601 (UTC unless they
carry an offset).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from odoobridge.gateway.paging import DEFAULT_LIMIT, MAX_LIMIT

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20_000)]
RecordId = Annotated[int, Field(ge=1, le=2**31 - 1)]
CaseId = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$"),
    Field(description="The investigation or case this write belongs to (its audit tag)."),
]
Limit = Annotated[int, Field(ge=1, le=MAX_LIMIT, description="Page size (at most 500).")]
Offset = Annotated[int, Field(ge=0, description="Records to skip (paging).")]

# Records an activity may be scheduled on (mail.activity's res_model).
ActivityModel = Literal[
    "res.partner", "crm.lead", "project.project", "project.task", "calendar.event"
]


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Paged(Payload):
    limit: Limit = DEFAULT_LIMIT
    offset: Offset = 0


# --- searches ----------------------------------------------------------------------------------


class PartnerSearch(Paged):
    query: Text | None = Field(None, description="Part of the name or e-mail address.")
    email: Text | None = Field(None, description="The whole e-mail address (any case).")
    phone: Text | None = Field(None, description="Part of the phone number, as Odoo stores it.")
    website: Text | None = Field(
        None, description="A site: matched on its host, ignoring scheme, www. and path."
    )
    is_company: bool | None = None


class LeadSearch(Paged):
    partner_id: RecordId | None = None
    email: Text | None = Field(None, description="The lead's e-mail address (any case).")
    name: Text | None = Field(None, description="Part of the lead's title.")
    stage: Text | None = Field(None, description="The stage's name, e.g. Qualified.")


class ProjectSearch(Paged):
    partner_id: RecordId | None = None
    name: Text | None = None


class TaskSearch(Paged):
    project_id: RecordId | None = None
    partner_id: RecordId | None = None
    name: Text | None = None


class ActivitySearch(Paged):
    partner_id: RecordId | None = Field(
        None, description="Activities on this partner (or its contacts), its leads and tasks."
    )
    res_model: Text | None = None
    res_id: RecordId | None = None


class CalendarSearch(Paged):
    partner_ids: list[RecordId] | None = Field(None, max_length=200)
    name: Text | None = None


# --- proposals ---------------------------------------------------------------------------------


class PartnerProposal(Payload):
    partner_id: RecordId | None = Field(
        None, description="Update this partner; without it a new partner is created."
    )
    name: Text | None = None
    email: Text | None = None
    phone: Text | None = None
    website: Text | None = None
    is_company: bool | None = None
    street: Text | None = None
    city: Text | None = None
    zip: Text | None = None
    country_code: (
        Annotated[
            str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{2}$")
        ]
        | None
    ) = None
    comment: LongText | None = None
    case_id: CaseId


class LeadProposal(Payload):
    name: Text
    partner_id: RecordId | None = None
    email_from: Text | None = None
    phone: Text | None = None
    description: LongText | None = None
    expected_revenue: Annotated[float, Field(ge=0, le=1e12)] | None = None
    case_id: CaseId


class ProjectProposal(Payload):
    name: Text
    partner_id: RecordId | None = None
    user_id: RecordId | None = Field(None, description="The project manager (res.users id).")
    date_start: date | None = None
    description: LongText | None = None
    case_id: CaseId


class TaskItem(Payload):
    name: Text
    description: LongText | None = None
    date_deadline: date | None = None
    priority: Literal["0", "1"] | None = Field(None, description='"0" normal, "1" starred.')


class TasksProposal(Payload):
    project_id: RecordId
    tasks: Annotated[list[TaskItem], Field(min_length=1, max_length=50)]
    case_id: CaseId


class ActivityProposal(Payload):
    res_model: ActivityModel
    res_id: RecordId
    activity_type: Text | None = Field(None, description="The activity type's name, e.g. Call.")
    summary: Text | None = None
    date_deadline: date
    note: LongText | None = None
    user_id: RecordId | None = Field(None, description="Assigned to (default: the API user).")
    case_id: CaseId


class CalendarEventProposal(Payload):
    name: Text
    start: datetime
    stop: datetime
    partner_ids: Annotated[list[RecordId], Field(max_length=200)] = []
    location: Text | None = None
    description: LongText | None = None
    case_id: CaseId

    @field_validator("stop")
    @classmethod
    def _stop_after_start(cls, stop: datetime, info: Any) -> datetime:
        start = info.data.get("start")
        if isinstance(start, datetime) and _naive_utc(stop) <= _naive_utc(start):
            raise ValueError("must be later than start")
        return stop


def _naive_utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


class ExecuteRequest(Payload):
    confirmed: bool = Field(description="true: you reviewed the proposal and want it run.")

    @field_validator("confirmed")
    @classmethod
    def _must_confirm(cls, value: bool) -> bool:
        if value is not True:
            raise ValueError('must be true: review the proposal, then send {"confirmed": true}')
        return value


ProposalStatusFilter = Literal[
    "pending", "executing", "executed", "failed", "partially_failed", "cancelled", "expired", "all"
]


# --- answers (for the OpenAPI page; the routes return these shapes) -----------------------------


class StatusOut(BaseModel):
    connected: bool
    odoo_version: str | None = None
    database: str | None = None
    username: str | None = None
    protocol: str | None = None
    url: str | None = None
    error: str | None = None


class ProposalOut(BaseModel):
    proposal_id: str
    kind: str
    summary: str
    operations: list[dict[str, Any]]
    case_id: str
    requires_confirmation: bool
    confirmed: bool
    created_at: str
    expires_at: str
    status: str
    proposed_by: str
    confirmed_by: str | None
    executed_at: str | None
    results: list[dict[str, Any]] | None


class ProposalsOut(BaseModel):
    count: int
    proposals: list[ProposalOut]


class ExecutionOut(BaseModel):
    proposal_id: str
    case_id: str
    status: str
    proposed_by: str
    confirmed_by: str
    executed_at: str
    results: list[dict[str, Any]]
    recorded: bool = True  # False: Odoo was written, but the store could not record it


class CancelOut(BaseModel):
    status: str
    proposal_id: str
