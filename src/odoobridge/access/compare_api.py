"""Merge & Compare over HTTP: run it (auditors and up), read the latest, export it, and the form
behind the Analysis page's button. Every run and export goes to the audit log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from odoobridge.access.compare import CATEGORIES
from odoobridge.access.models import ComparisonResult
from odoobridge.access.reports import latest_comparison, run_compare
from odoobridge.auth.audit import record
from odoobridge.settings import Environment
from odoobridge.web.deps import Auditor, DbSession, Principal, get_settings, origin_of
from odoobridge.web.exports import ExportFormat, export_response
from odoobridge.web.schemas import EnvironmentName

router = APIRouter(prefix="/api", tags=["analysis"])
pages = APIRouter(include_in_schema=False)

COLUMNS = ["category", "severity", "login", "odoo_user_id", "entra_name", "azure_id", "detail"]


class CompareRequest(BaseModel):
    environment: EnvironmentName | None = None
    odoo_run_id: int | None = Field(default=None, ge=1)
    azure_run_id: int | None = Field(default=None, ge=1)


def compare_now(
    request: Request, session: Session, principal: Principal, body: CompareRequest
) -> ComparisonResult:
    environment = body.environment or get_settings(request).odoo_environment
    result = run_compare(
        session,
        get_settings(request),
        environment,
        actor=principal.actor,
        odoo_run_id=body.odoo_run_id,
        azure_run_id=body.azure_run_id,
    )
    record(
        session,
        actor=principal.actor,
        action="compare",
        target=environment.value,
        detail={"comparison_id": result.id, "odoo_run_id": result.odoo_run_id,
                "azure_run_id": result.azure_run_id, "summary": result.summary},
        origin=origin_of(request),
    )  # fmt: skip
    return result


@router.post("/sync/compare", summary="Merge & Compare Entra users with Odoo users (kept)")
def post_compare(
    request: Request, session: DbSession, principal: Auditor, body: CompareRequest | None = None
) -> dict[str, Any]:
    return compare_now(request, session, principal, body or CompareRequest()).as_dict()


@router.get("/sync/compare/latest", summary="The latest Merge & Compare")
def get_latest(
    session: DbSession,
    _p: Auditor,
    environment: EnvironmentName | None = None,
    category: Annotated[str | None, Query(pattern="^(" + "|".join(CATEGORIES) + ")$")] = None,
) -> dict[str, Any]:
    result = latest_comparison(session, environment).as_dict()
    if category is not None:
        result["items"] = [i for i in result["items"] if i["category"] == category]
    return result


@router.get("/export/compare", summary="The latest Merge & Compare (CSV, XLSX, JSON)")
def export_compare(
    request: Request,
    session: DbSession,
    principal: Auditor,
    format: ExportFormat = ExportFormat.CSV,
    environment: EnvironmentName | None = None,
    category: Annotated[str | None, Query(pattern="^(" + "|".join(CATEGORIES) + ")$")] = None,
) -> Response:
    result = latest_comparison(session, environment)
    rows = [
        [item[c] for c in COLUMNS]
        for item in result.items
        if category is None or item["category"] == category
    ]
    record(
        session,
        actor=principal.actor,
        action="export",
        target="compare",
        detail={"format": format.value, "comparison_id": result.id, "rows": len(rows)},
        origin=origin_of(request),
    )
    name = f"merge-compare-{result.environment.lower()}-{result.id}"
    return export_response(name, format, COLUMNS, rows)


@pages.post("/analysis/compare")
def compare_form(
    request: Request,
    session: DbSession,
    principal: Auditor,
    environment: Annotated[str, Form()] = "",
) -> RedirectResponse:
    env = Environment.parse(environment) if environment else None
    compare_now(request, session, principal, CompareRequest(environment=env))
    target = f"/analysis?env={(env or get_settings(request).odoo_environment).value}#compare"
    return RedirectResponse(target, status_code=303)
