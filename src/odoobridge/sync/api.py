"""JSON API of sync runs shared by every source: where each source stands, past runs, one run."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from odoobridge.sync.runs import get_run, list_runs
from odoobridge.sync.schemas import RunOut, SourceStatus
from odoobridge.sync.status import all_statuses
from odoobridge.web.deps import DbSession, Viewer, get_settings
from odoobridge.web.schemas import EnvironmentName, Page

router = APIRouter(prefix="/api/sync", tags=["sync"])


@router.get("/status", response_model=list[SourceStatus], summary="Where each source stands")
def sync_status(
    request: Request, session: DbSession, _p: Viewer, sync_type: str | None = None
) -> list[SourceStatus]:
    statuses = all_statuses(session, get_settings(request), sync_type)
    return [SourceStatus.model_validate(s) for s in statuses]


@router.get("/runs", response_model=Page[RunOut], summary="Past sync runs, newest first")
def runs(
    session: DbSession,
    _p: Viewer,
    sync_type: str | None = None,
    environment: EnvironmentName | None = None,
    status: Annotated[str | None, Query(pattern="^(running|success|failed)$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[RunOut]:
    total, found = list_runs(
        session,
        sync_type=sync_type,
        status=status,
        limit=limit,
        offset=offset,
        environment=environment.value if environment else None,
    )
    items = [RunOut.model_validate(r.as_dict()) for r in found]
    return Page[RunOut](total=total, limit=limit, offset=offset, items=items)


@router.get("/runs/{run_id}", response_model=RunOut, summary="One run, with its progress")
def run(run_id: int, session: DbSession, _p: Viewer) -> RunOut:
    return RunOut.model_validate(get_run(session, run_id).as_dict())
