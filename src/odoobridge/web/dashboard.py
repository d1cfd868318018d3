"""The dashboard: each data source with its status chip, the headline counts of Odoo's latest
sync per environment, and (once the analysis exists) findings by severity."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from odoobridge.access.summary import environment_summary
from odoobridge.settings import Environment
from odoobridge.sync.status import all_statuses
from odoobridge.web.deps import DbSession, Viewer, get_settings
from odoobridge.web.render import render

router = APIRouter(include_in_schema=False)


@router.get("/")
def dashboard(request: Request, session: DbSession, principal: Viewer) -> HTMLResponse:
    settings = get_settings(request)
    context = {
        "sources": all_statuses(session, settings),
        "summaries": [environment_summary(session, env) for env in Environment],
        "stale_hours": settings.stale_hours,
    }
    return render(request, "dashboard.html", context, principal=principal)
