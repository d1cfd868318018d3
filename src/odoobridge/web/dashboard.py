"""The dashboard: each data source with its status chip, the headline counts of Odoo's latest
sync per environment, and (once the analysis exists) findings by severity."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from odoobridge.access.findings.base import SEVERITIES
from odoobridge.access.findings.reports import findings_for
from odoobridge.access.sync import SYNC_TYPE
from odoobridge.access.views.summary import environment_summary
from odoobridge.environment import Environment
from odoobridge.sync.runs import latest_success
from odoobridge.sync.status import all_statuses
from odoobridge.web.deps import DbSession, Viewer, get_settings
from odoobridge.web.render import render

router = APIRouter(include_in_schema=False)


@router.get("/")
def dashboard(request: Request, session: DbSession, principal: Viewer) -> HTMLResponse:
    settings = get_settings(request)
    context: dict[str, Any] = {
        "sources": all_statuses(session, settings),
        "summaries": [environment_summary(session, env) for env in Environment],
        "stale_hours": settings.stale_hours,
        "severities": SEVERITIES,
        "findings": {},
    }
    for environment in Environment:
        if latest_success(session, SYNC_TYPE, environment.value) is not None:
            _index, found = findings_for(session, settings, environment)
            context["findings"][environment.label] = {
                s: sum(1 for f in found if f.severity == s) for s in SEVERITIES
            }
    return render(request, "dashboard.html", context, principal=principal)
