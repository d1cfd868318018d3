"""JSON API of Odoo's security model: trigger an Odoo sync, the headline figures, and exports of
groups, users and memberships (CSV, XLSX or JSON)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from odoobridge.access.state import resolve_run
from odoobridge.access.sync import SYNC_TYPE, open_source, sync_odoo
from odoobridge.access.tables import EXPORTS
from odoobridge.auth.audit import record
from odoobridge.settings import Environment
from odoobridge.sync.background import start_in_background
from odoobridge.sync.runs import ProgressListener
from odoobridge.sync.schemas import OdooSyncRequest, SyncStarted
from odoobridge.web.deps import (
    Admin,
    Auditor,
    DbSession,
    Principal,
    Viewer,
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
    latest_runs = request.app.state.latest_runs

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
            latest_runs.forget()  # pages show the new run at once

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


@router.get("/stats", summary="Headline figures of each environment's latest Odoo sync")
def stats(request: Request, session: DbSession, _p: Viewer) -> dict[str, Any]:
    result: dict[str, Any] = request.app.state.headline_stats.get(session)
    return result


def _export(entity: str) -> Any:
    def export(
        request: Request,
        session: DbSession,
        principal: Auditor,
        format: ExportFormat = ExportFormat.CSV,
        environment: EnvironmentName | None = None,
        run_id: Annotated[int | None, Query(ge=1, description="Default: the latest sync")] = None,
    ) -> Response:
        env = environment or get_settings(request).odoo_environment
        run = resolve_run(session, env, run_id)
        columns, rows = EXPORTS[entity](request.app.state.run_views.get(session, env, run.id))
        record(
            session,
            actor=principal.actor,
            action="export",
            target=entity,
            detail={
                "format": format.value,
                "environment": env.value,
                "run_id": run.id,
                "rows": len(rows),
            },
            origin=origin_of(request),
        )
        name = f"odoo-{entity}-{env.value.lower()}-run{run.id}"
        return export_response(name, format, columns, rows)

    export.__name__ = f"export_{entity}"
    return export


for _entity in EXPORTS:
    router.add_api_route(
        f"/export/{_entity}",
        _export(_entity),
        methods=["GET"],
        summary=f"Odoo {_entity} as CSV, XLSX or JSON",
    )
