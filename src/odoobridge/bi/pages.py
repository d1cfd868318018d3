"""The Analytics page: the main analytics views as plotly charts for people without Superset,
limited to the companies the viewer may see (``user_company_access``).

The figures are rendered into the page as JSON data blocks and drawn by ``/static/app/js/bi.js``
with plotly served from the installed package; each chart also has a table, so the page reads
without JavaScript.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from odoobridge.access.models import FACT_TABLES
from odoobridge.bi.access import visible_companies
from odoobridge.bi.charts import read_charts
from odoobridge.bi.connection import read_target
from odoobridge.errors import AppError, ConfigError
from odoobridge.settings import Settings
from odoobridge.store.temporal import alive_now
from odoobridge.web.deps import DbSession, Viewer, get_settings
from odoobridge.web.render import render

router = APIRouter(include_in_schema=False)


def company_names(session: Session, settings: Settings) -> dict[int, str]:
    """Company names from the latest Odoo sync of the default environment (ids otherwise)."""
    table = FACT_TABLES["companies"]
    rows = session.execute(
        select(table.c.odoo_id, table.c.name).where(
            alive_now(table, settings.odoo_environment.value)
        )
    )
    return {int(company_id): str(name) for company_id, name in rows}


@router.get("/analytics")
def analytics_page(
    request: Request,
    session: DbSession,
    principal: Viewer,
    company: Annotated[int | None, Query(description="Only this company.")] = None,
) -> HTMLResponse:
    settings = get_settings(request)
    allowed = visible_companies(session, principal.actor)
    names = company_names(session, settings)
    shown = [c for c in allowed if company is None or c == company]
    context: dict[str, Any] = {
        "allowed": [(c, names.get(c, f"Company {c}")) for c in allowed],
        "company": company,
        "charts": [],
        "missing": [],
        "problem": None,
    }
    if not allowed:
        context["problem"] = (
            "You may see no company's analytics yet: an administrator grants access with "
            "`odoobridge bi access set` or `odoobridge bi access derive`."
        )
    elif not shown:
        context["problem"] = f"Company {company} is not one you may see."
    else:
        try:
            context["charts"], context["missing"] = read_charts(read_target(settings), shown, names)
        except ConfigError as exc:
            context["problem"] = exc.message
        except AppError as exc:  # Odoo's database refused or is down: say so on the page
            context["problem"] = f"Odoo's database could not be read: {exc.message}"
    return render(request, "bi/analytics.html", context, principal=principal)
