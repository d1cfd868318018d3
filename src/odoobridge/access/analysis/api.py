"""JSON API of the access analysis (``analysis/effective`` / ``answers`` / ``history``): what a
user can do, who can do X on a model, what a group grants, the diff between two runs, timelines
and the access-matrix export. Each route's role comes from :mod:`access.sights`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from odoobridge.access.analysis.answers import group_grants, user_access, who_can_answer
from odoobridge.access.analysis.effective import (
    PERMS,
    AccessIndex,
    index_for,
    reference,
    rights_of,
)
from odoobridge.access.analysis.history import diff_runs, timeline_answer
from odoobridge.access.sights import SeesHistory, SeesRights, SeesUserAccess
from odoobridge.auth.audit import record
from odoobridge.web.deps import ChosenEnvironment, DbSession, origin_of
from odoobridge.web.exports import ExportFormat, export_response
from odoobridge.web.schemas import MAX_ID, RunParam

router = APIRouter(prefix="/api", tags=["analysis"])


@router.get("/analysis/users/{user_ref}", summary="What a user can do, each grant with its path")
def analysis_user(
    user_ref: Annotated[str, Path(max_length=200)],
    session: DbSession,
    _p: SeesUserAccess,
    environment: ChosenEnvironment,
    run_id: RunParam = None,
) -> dict[str, Any]:
    index = index_for(session, environment, run_id)
    return user_access(index, reference(user_ref)).as_dict()


@router.get("/analysis/who-can", summary="Who may read, write, create or unlink on a model")
def analysis_who_can(
    session: DbSession,
    _p: SeesRights,
    environment: ChosenEnvironment,
    model: Annotated[str, Query(min_length=1, max_length=200, examples=["crm.lead"])],
    perm: Annotated[str, Query(pattern="^(read|write|create|unlink|delete)$")] = "read",
    include_inactive: bool = False,
    run_id: RunParam = None,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    index = index_for(session, environment, run_id)
    return who_can_answer(
        index, model.strip(), perm, include_inactive=include_inactive, offset=offset, limit=limit
    )


@router.get("/analysis/groups/{group_ref}", summary="What a group grants, and to whom")
def analysis_group(
    group_ref: Annotated[str, Path(max_length=200)],
    session: DbSession,
    _p: SeesUserAccess,
    environment: ChosenEnvironment,
    run_id: RunParam = None,
) -> dict[str, Any]:
    index = index_for(session, environment, run_id)
    return group_grants(index, reference(group_ref)).as_dict()


@router.get("/analysis/diff", summary="Every fact that differs between two runs")
def analysis_diff(
    session: DbSession,
    _p: SeesHistory,
    environment: ChosenEnvironment,
    from_run: Annotated[int, Query(ge=1, le=MAX_ID)],
    to_run: Annotated[int, Query(ge=1, le=MAX_ID)],
) -> dict[str, Any]:
    return diff_runs(session, environment, from_run, to_run).as_dict()


@router.get("/analysis/timeline", summary="How a user's or a group's access changed, run by run")
def analysis_timeline(
    session: DbSession,
    _p: SeesHistory,
    environment: ChosenEnvironment,
    user_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    group_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> dict[str, Any]:
    return timeline_answer(session, environment, user_id=user_id, group_id=group_id)


MATRIX_COLUMNS = ["login", "name", "active", "kind", "model", *PERMS]


def access_matrix(index: AccessIndex, include_inactive: bool = False) -> list[list[Any]]:
    """One row per (user, model) the user may touch, with a yes/no per operation."""
    rows: list[list[Any]] = []
    for user in sorted(index.snap.users.values(), key=lambda u: u.login.lower()):
        if not (user.active or include_inactive):
            continue
        by_model: dict[str, set[str]] = {}
        for model, perm in rights_of(index, user.odoo_id):
            by_model.setdefault(model, set()).add(perm)
        for model in sorted(by_model):
            rows.append(
                [
                    user.login,
                    user.name,
                    user.active,
                    "portal/public" if user.share else "internal",
                    model,
                    *(p in by_model[model] for p in PERMS),
                ]
            )
    return rows


@router.get("/export/access-matrix", summary="Users × models × operations (CSV, XLSX, JSON)")
def export_matrix(
    request: Request,
    session: DbSession,
    principal: SeesRights,
    environment: ChosenEnvironment,
    format: ExportFormat = ExportFormat.CSV,
    include_inactive: bool = False,
    run_id: RunParam = None,
) -> Response:
    index = index_for(session, environment, run_id)
    rows = access_matrix(index, include_inactive)
    env, run = index.snap.environment.value, index.snap.run_id
    record(
        session,
        actor=principal.actor,
        action="export",
        target="access-matrix",
        detail={"format": format.value, "environment": env, "run_id": run, "rows": len(rows)},
        origin=origin_of(request),
    )
    return export_response(
        f"odoo-access-matrix-{env.lower()}-run{run}", format, MATRIX_COLUMNS, rows
    )
