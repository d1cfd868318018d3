"""The Analysis page (auditors): findings with a severity filter, who-can search, and the diff
between two chosen runs. Merge & Compare with Microsoft Entra joins here once the directory
sync lands."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from odoobridge.access.analysis.answers import who_can
from odoobridge.access.analysis.effective import check_perm, index_for
from odoobridge.access.analysis.history import diff_runs
from odoobridge.access.compare import CATEGORIES
from odoobridge.access.comparisons import latest_comparison
from odoobridge.access.findings.base import SEVERITIES
from odoobridge.access.findings.listing import FindingFilter, listing
from odoobridge.access.sync import SYNC_TYPE
from odoobridge.environment import Environment
from odoobridge.errors import AppError, NotFound
from odoobridge.sync.runs import list_runs
from odoobridge.web.deps import Auditor, DbSession, get_settings
from odoobridge.web.render import render
from odoobridge.web.schemas import MAX_ID

router = APIRouter(include_in_schema=False)


@router.get("/analysis")
def analysis_page(
    request: Request,
    session: DbSession,
    principal: Auditor,
    env: str | None = None,
    severity: Annotated[str, Query(pattern="^(" + "|".join(SEVERITIES) + ")$")] = "medium",
    model: Annotated[str, Query(max_length=200)] = "",
    perm: Annotated[str, Query(pattern="^(read|write|create|unlink|delete)$")] = "write",
    from_run: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    to_run: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> HTMLResponse:
    settings = get_settings(request)
    environment = Environment.parse(env) if env else settings.odoo_environment
    _total, runs = list_runs(
        session, sync_type=SYNC_TYPE, environment=environment.value, status="success", limit=200
    )
    context: dict[str, Any] = {
        "env": environment,
        "environments": list(Environment),
        "severities": SEVERITIES,
        "severity": severity,
        "model": model,
        "perm": perm,
        "runs": runs,
        "from_run": from_run,
        "to_run": to_run,
    }
    if not runs:
        context["no_data"] = f"no successful Odoo sync for {environment.label} yet"
        return render(request, "access/analysis.html", context, principal=principal)
    found = listing(session, settings, environment, None, FindingFilter(severity=severity))
    context["counts"] = found.counts
    context["findings"] = found.items
    if model.strip():
        try:
            context["who"] = who_can(
                index_for(session, environment), model.strip(), check_perm(perm), limit=200
            )
        except AppError as exc:
            context["who_error"] = exc.message
    try:
        context["comparison"] = latest_comparison(session, environment)
    except NotFound:
        context["comparison"] = None
    context["compare_categories"] = CATEGORIES
    if from_run and to_run:
        context["diff"] = diff_runs(session, environment, from_run, to_run)
        context["diff_changes"] = context["diff"].changes()
    return render(request, "access/analysis.html", context, principal=principal)
