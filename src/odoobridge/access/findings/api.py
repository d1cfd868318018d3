"""JSON API of findings: a run's findings with where each stands (filtered by severity, kind and
status), one finding with its history, the lifecycle (acknowledge, accept the risk, reopen,
assign, comment) and the export. Auditors and up; every change is audited."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, Field

from odoobridge.access.findings import lifecycle
from odoobridge.access.findings.base import SEVERITIES
from odoobridge.access.findings.listing import (
    EXPORT_COLUMNS,
    FindingFilter,
    export_row,
    finding_detail,
    findings_answer,
    listing,
)
from odoobridge.access.findings.models import STATUSES
from odoobridge.auth.audit import record
from odoobridge.web.deps import Auditor, ChosenEnvironment, DbSession, get_settings, origin_of
from odoobridge.web.exports import ExportFormat, export_response
from odoobridge.web.schemas import RunParam

router = APIRouter(prefix="/api", tags=["findings"])
SeverityParam = Annotated[str, Query(pattern="^(" + "|".join(SEVERITIES) + ")$")]
StatusParam = Annotated[
    str | None,
    Query(
        pattern="^(" + "|".join((*STATUSES, "active")) + ")$",
        description="open, acknowledged, accepted_risk, resolved, or active (all but resolved)",
    ),
]
KindParam = Annotated[str | None, Query(max_length=40)]
FindingId = Annotated[str, Path(max_length=64, description="e.g. leaver:30b2830322")]


@router.get("/analysis/findings", summary="Findings of a run with their status, most severe first")
def analysis_findings(
    request: Request,
    session: DbSession,
    _p: Auditor,
    environment: ChosenEnvironment,
    severity: SeverityParam = "info",
    kind: KindParam = None,
    status: StatusParam = None,
    run_id: RunParam = None,
) -> dict[str, Any]:
    return findings_answer(
        session,
        get_settings(request),
        environment,
        run_id,
        severity=severity,
        kind=kind,
        status=status,
    )


@router.get("/findings/{finding_id}", summary="One finding, where it stands and its history")
def get_finding(
    request: Request, finding_id: FindingId, session: DbSession, _p: Auditor
) -> dict[str, Any]:
    return finding_detail(session, get_settings(request), finding_id)


class Note(BaseModel):
    comment: str | None = Field(default=None, max_length=4000)


class Acceptance(BaseModel):
    reason: str = Field(min_length=10, max_length=4000, description="Why the risk is kept")
    until: date = Field(description="The day the acceptance ends; the finding reopens then")


class Owner(BaseModel):
    owner: str | None = Field(default=None, max_length=255, description="An account's e-mail")


class Comment(BaseModel):
    text: str = Field(min_length=1, max_length=4000)


def _done(request: Request, session: DbSession, finding_id: str) -> dict[str, Any]:
    return finding_detail(session, get_settings(request), finding_id)


@router.post("/findings/{finding_id}/acknowledge", summary="Open → acknowledged")
def acknowledge(
    request: Request, finding_id: FindingId, session: DbSession, principal: Auditor, body: Note
) -> dict[str, Any]:
    lifecycle.acknowledge(
        session, finding_id, actor=principal.actor, comment=body.comment, origin=origin_of(request)
    )
    return _done(request, session, finding_id)


@router.post("/findings/{finding_id}/accept", summary="Accept the risk until a date, saying why")
def accept(
    request: Request,
    finding_id: FindingId,
    session: DbSession,
    principal: Auditor,
    body: Acceptance,
) -> dict[str, Any]:
    lifecycle.accept_risk(
        session,
        finding_id,
        actor=principal.actor,
        reason=body.reason,
        until=lifecycle.end_of(body.until),
        origin=origin_of(request),
    )
    return _done(request, session, finding_id)


@router.post("/findings/{finding_id}/reopen", summary="Take back an acknowledgement or acceptance")
def reopen(
    request: Request, finding_id: FindingId, session: DbSession, principal: Auditor, body: Note
) -> dict[str, Any]:
    lifecycle.reopen(
        session, finding_id, actor=principal.actor, comment=body.comment, origin=origin_of(request)
    )
    return _done(request, session, finding_id)


@router.put("/findings/{finding_id}/owner", summary="Give the finding an owner (or none)")
def assign(
    request: Request, finding_id: FindingId, session: DbSession, principal: Auditor, body: Owner
) -> dict[str, Any]:
    lifecycle.assign(
        session, finding_id, owner=body.owner, actor=principal.actor, origin=origin_of(request)
    )
    return _done(request, session, finding_id)


@router.post("/findings/{finding_id}/comments", summary="Comment on a finding")
def add_comment(
    request: Request, finding_id: FindingId, session: DbSession, principal: Auditor, body: Comment
) -> dict[str, Any]:
    lifecycle.comment(
        session, finding_id, text=body.text, actor=principal.actor, origin=origin_of(request)
    )
    return _done(request, session, finding_id)


@router.get("/export/findings", summary="Findings with their status (CSV, XLSX, JSON)")
def export_findings(
    request: Request,
    session: DbSession,
    principal: Auditor,
    environment: ChosenEnvironment,
    format: ExportFormat = ExportFormat.CSV,
    severity: SeverityParam = "info",
    kind: KindParam = None,
    status: StatusParam = None,
    run_id: RunParam = None,
) -> Response:
    chosen = FindingFilter(severity=severity, kind=kind, status=status)
    found = listing(session, get_settings(request), environment, run_id, chosen)
    rows = [export_row(f) for f in found.items]
    env, run = found.environment, found.run_id
    record(
        session,
        actor=principal.actor,
        action="export",
        target="findings",
        detail={"format": format.value, "environment": env, "run_id": run, "rows": len(rows)},
        origin=origin_of(request),
    )
    return export_response(f"odoo-findings-{env.lower()}-run{run}", format, EXPORT_COLUMNS, rows)
