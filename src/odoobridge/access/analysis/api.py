"""JSON API of the access analysis (``access.effective`` / ``answers`` / ``findings`` /
``history``): what a user can do, who can do X on a model, what a group grants, findings, the
diff between two runs, timelines, and the access-matrix and findings exports. Auditors and up."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from odoobridge.access.analysis.answers import group_grants, user_access, who_can_answer
from odoobridge.access.analysis.effective import PERMS, AccessIndex, index_for, rights_of
from odoobridge.access.analysis.history import diff_runs, timeline_answer
from odoobridge.auth.audit import record
from odoobridge.environment import Environment
from odoobridge.web.deps import Auditor, DbSession, get_settings, origin_of
from odoobridge.web.exports import ExportFormat, export_response
from odoobridge.web.schemas import EnvironmentName

router = APIRouter(prefix="/api", tags=["analysis"])
RunParam = Annotated[int | None, Query(ge=1, description="Default: the latest sync")]


def _env(request: Request, environment: Environment | None) -> Environment:
    return environment or get_settings(request).odoo_environment


@router.get("/analysis/users/{user_ref}", summary="What a user can do, each grant with its path")
def analysis_user(
    request: Request,
    user_ref: str,
    session: DbSession,
    _p: Auditor,
    environment: EnvironmentName | None = None,
    run_id: RunParam = None,
) -> dict[str, Any]:
    index = index_for(session, _env(request, environment), run_id)
    ref: str | int = int(user_ref) if user_ref.isdigit() else user_ref
    return user_access(index, ref).as_dict()


@router.get("/analysis/who-can", summary="Who may read, write, create or unlink on a model")
def analysis_who_can(
    request: Request,
    session: DbSession,
    _p: Auditor,
    model: Annotated[str, Query(min_length=1, max_length=200, examples=["crm.lead"])],
    perm: Annotated[str, Query(pattern="^(read|write|create|unlink)$")] = "read",
    include_inactive: bool = False,
    environment: EnvironmentName | None = None,
    run_id: RunParam = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    index = index_for(session, _env(request, environment), run_id)
    return who_can_answer(
        index, model.strip(), perm, include_inactive=include_inactive, offset=offset, limit=limit
    )


@router.get("/analysis/groups/{group_ref}", summary="What a group grants, and to whom")
def analysis_group(
    request: Request,
    group_ref: str,
    session: DbSession,
    _p: Auditor,
    environment: EnvironmentName | None = None,
    run_id: RunParam = None,
) -> dict[str, Any]:
    index = index_for(session, _env(request, environment), run_id)
    ref: str | int = int(group_ref) if group_ref.isdigit() else group_ref
    return group_grants(index, ref).as_dict()


@router.get("/analysis/diff", summary="Every fact that differs between two runs")
def analysis_diff(
    request: Request,
    session: DbSession,
    _p: Auditor,
    from_run: Annotated[int, Query(ge=1)],
    to_run: Annotated[int, Query(ge=1)],
    environment: EnvironmentName | None = None,
) -> dict[str, Any]:
    return diff_runs(session, _env(request, environment), from_run, to_run).as_dict()


@router.get("/analysis/timeline", summary="How a user's or a group's access changed, run by run")
def analysis_timeline(
    request: Request,
    session: DbSession,
    _p: Auditor,
    user_id: Annotated[int | None, Query(ge=1)] = None,
    group_id: Annotated[int | None, Query(ge=1)] = None,
    environment: EnvironmentName | None = None,
) -> dict[str, Any]:
    return timeline_answer(session, _env(request, environment), user_id=user_id, group_id=group_id)


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
    principal: Auditor,
    format: ExportFormat = ExportFormat.CSV,
    include_inactive: bool = False,
    environment: EnvironmentName | None = None,
    run_id: RunParam = None,
) -> Response:
    index = index_for(session, _env(request, environment), run_id)
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
