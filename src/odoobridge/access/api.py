"""JSON API of Odoo's security sync and of Merge & Compare: trigger a sync (admins); run, read and
export a comparison (auditors). Every run and export goes to the audit log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from odoobridge.access.compare import CATEGORIES
from odoobridge.access.comparisons import latest_comparison, run_compare
from odoobridge.access.models import ComparisonResult
from odoobridge.access.sync import SYNC_TYPE, open_source, sync_odoo
from odoobridge.auth.audit import record
from odoobridge.auth.principal import Principal
from odoobridge.environment import Environment
from odoobridge.sync.background import start_in_background
from odoobridge.sync.runs import ProgressListener
from odoobridge.sync.schemas import OdooSyncRequest, SyncStarted
from odoobridge.web.deps import (
    Admin,
    Auditor,
    DbSession,
    app_state,
    get_settings,
    get_store,
    origin_of,
)
from odoobridge.web.exports import ExportFormat, export_response
from odoobridge.web.schemas import EnvironmentName

router = APIRouter(prefix="/api", tags=["odoo"])


def trigger_odoo_sync(request: Request, environment: Environment, principal: Principal) -> int:
    """Start an Odoo sync in the background for ``principal``; audited. Returns the run id."""
    store = get_store(request)
    settings = get_settings(request)
    source = open_source(settings, environment)  # a missing setting answers 400 right here
    latest_runs = app_state(request).latest_runs

    def work(listeners: list[ProgressListener]) -> None:
        try:
            sync_odoo(
                store,
                settings,
                environment,
                triggered_by=principal.actor,
                listeners=listeners,
                source=source,
            )
        finally:
            latest_runs.clear()  # pages show the new run at once

    run_id = start_in_background(store, SYNC_TYPE, environment.value, work)
    with store.session() as session:
        record(
            session,
            actor=principal.actor,
            action="sync_started",
            target=f"{SYNC_TYPE}:{environment.value}",
            detail={"run_id": run_id},
            origin=origin_of(request),
        )
    return run_id


@router.post(
    "/sync/odoo-db",
    response_model=SyncStarted,
    status_code=202,
    summary="Sync Odoo's security model from its database (in the background)",
    responses={
        409: {
            "description": "A sync of this environment is already running; "
            "the answer names its run id"
        }
    },
)
def sync_odoo_db(request: Request, body: OdooSyncRequest, principal: Admin) -> SyncStarted:
    run_id = trigger_odoo_sync(request, body.environment, principal)
    return SyncStarted(
        run_id=run_id,
        sync_type=SYNC_TYPE,
        environment=body.environment.value,
        status_url=f"/api/sync/runs/{run_id}",
    )


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
        detail={
            "comparison_id": result.id,
            "odoo_run_id": result.odoo_run_id,
            "azure_run_id": result.azure_run_id,
            "summary": result.summary,
        },
        origin=origin_of(request),
    )
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
