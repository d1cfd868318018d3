"""JSON API of the run views: the headline figures of each environment's latest Odoo sync and
exports of groups, users and memberships (CSV, XLSX or JSON)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from odoobridge.access.analysis.state import resolve_run
from odoobridge.access.views.runview import view_for
from odoobridge.access.views.stats import headline_stats
from odoobridge.access.views.tables import EXPORTS
from odoobridge.auth.audit import record
from odoobridge.web.deps import (
    Auditor,
    ChosenEnvironment,
    DbSession,
    State,
    Viewer,
    app_state,
    origin_of,
)
from odoobridge.web.exports import ExportFormat, export_response
from odoobridge.web.schemas import RunParam

router = APIRouter(prefix="/api", tags=["odoo"])


@router.get("/stats", summary="Headline figures of each environment's latest Odoo sync")
def stats(state: State, session: DbSession, _p: Viewer) -> dict[str, Any]:
    return headline_stats(state.headline_stats, state.latest_runs, session)


def _export(entity: str) -> Any:
    def export(
        request: Request,
        session: DbSession,
        principal: Auditor,
        env: ChosenEnvironment,
        format: ExportFormat = ExportFormat.CSV,
        run_id: RunParam = None,
    ) -> Response:
        run = resolve_run(session, env, run_id)
        columns, rows = EXPORTS[entity](
            view_for(app_state(request).run_views, session, env, run.id)
        )
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
