"""JSON API of findings: the findings of a run (filtered by severity and kind) and their export.
Auditors and up."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from odoobridge.access.findings.base import SEVERITIES, at_least
from odoobridge.access.findings.reports import findings_answer, findings_for
from odoobridge.auth.audit import record
from odoobridge.environment import Environment
from odoobridge.web.deps import Auditor, DbSession, get_settings, origin_of
from odoobridge.web.exports import ExportFormat, export_response
from odoobridge.web.schemas import EnvironmentName

router = APIRouter(prefix="/api", tags=["analysis"])
RunParam = Annotated[int | None, Query(ge=1, description="Default: the latest sync")]
FINDING_COLUMNS = ["id", "severity", "kind", "environment", "title", "subject", "evidence", "fix"]


def _env(request: Request, environment: Environment | None) -> Environment:
    return environment or get_settings(request).odoo_environment


@router.get("/analysis/findings", summary="Findings of a run, most severe first")
def analysis_findings(
    request: Request,
    session: DbSession,
    _p: Auditor,
    severity: Annotated[str, Query(pattern="^(" + "|".join(SEVERITIES) + ")$")] = "info",
    kind: str | None = None,
    environment: EnvironmentName | None = None,
    run_id: RunParam = None,
) -> dict[str, Any]:
    return findings_answer(session, get_settings(request), _env(request, environment), run_id,
                           severity=severity, kind=kind)  # fmt: skip


@router.get("/export/findings", summary="Findings (CSV, XLSX, JSON)")
def export_findings(
    request: Request,
    session: DbSession,
    principal: Auditor,
    format: ExportFormat = ExportFormat.CSV,
    severity: Annotated[str, Query(pattern="^(" + "|".join(SEVERITIES) + ")$")] = "info",
    environment: EnvironmentName | None = None,
    run_id: RunParam = None,
) -> Response:
    index, found = findings_for(session, get_settings(request), _env(request, environment), run_id)
    rows = [
        [f.id, f.severity, f.kind, f.environment, f.title, f.subject, f.evidence, f.fix]
        for f in found
        if at_least(f.severity, severity)
    ]
    env, run = index.snap.environment.value, index.snap.run_id
    record(
        session,
        actor=principal.actor,
        action="export",
        target="findings",
        detail={"format": format.value, "environment": env, "run_id": run, "rows": len(rows)},
        origin=origin_of(request),
    )
    return export_response(f"odoo-findings-{env.lower()}-run{run}", format, FINDING_COLUMNS, rows)
