"""The gateway's routes, under ``/odoo`` as the API spec gives them.

Guards: reads need the ``gateway:read`` scope (viewer and up), proposals and cancelling one need
``gateway:propose`` (viewer and up), executing needs ``gateway:execute`` (admin and up); people
get the scopes through their role, API keys must be granted them. Each caller (key or person)
is rate-limited per kind of call (:mod:`odoobridge.gateway.ratelimit`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from odoobridge.auth.principal import Principal
from odoobridge.auth.roles import Role
from odoobridge.errors import AppError
from odoobridge.gateway import drafts as gd
from odoobridge.gateway import proposals as gp
from odoobridge.gateway import schemas as gs
from odoobridge.gateway import search
from odoobridge.gateway.execute import ExecutionFailed, execute_proposal
from odoobridge.gateway.paging import DEFAULT_LIMIT, MAX_LIMIT
from odoobridge.gateway.ratelimit import Bucket
from odoobridge.redact import redact
from odoobridge.sources.odoo_rpc import OdooRpcClient
from odoobridge.web.deps import (
    DbSession,
    State,
    app_state,
    get_settings,
    get_store,
    origin_of,
    require_scope,
)

router = APIRouter(prefix="/odoo", tags=["odoo gateway"])


def _limited(bucket: Bucket, scope: str, role: Role) -> Callable[..., Awaitable[Principal]]:
    guard = require_scope(scope, role)

    # The guard is a default value, not an annotation: annotations are strings here, and a
    # string cannot name this function's local ``guard``.
    # Async: a count in memory costs less than a trip to a worker thread; a count in Redis is a
    # network round trip, which must not block the event loop, so it goes to a worker thread.
    async def limited(request: Request, principal: Principal = Depends(guard)) -> Principal:  # noqa: B008
        limits = app_state(request).gateway_limits
        caller = principal.actor  # apikey:<its unique prefix>, or a person's email
        if limits.blocking:
            await run_in_threadpool(limits.hit, bucket, caller)
        else:
            limits.hit(bucket, caller)
        return principal

    limited.__name__ = f"gateway_{bucket}_limit"
    return limited


Reader = Annotated[Principal, Depends(_limited("read", "gateway:read", Role.VIEWER))]
Proposer = Annotated[Principal, Depends(_limited("propose", "gateway:propose", Role.VIEWER))]
Executor = Annotated[Principal, Depends(_limited("execute", "gateway:execute", Role.ADMIN))]


async def odoo_client(state: State) -> OdooRpcClient:
    """The app's one client of Odoo's API (pooled connections, cached uid), made on first use
    (no I/O: it connects on its first call); 400 naming the missing setting when Odoo's API is
    not configured."""
    return state.odoo_client()


Odoo = Annotated[OdooRpcClient, Depends(odoo_client)]


def json_answer(body: dict[str, Any]) -> JSONResponse:
    """Records as Odoo sent them are JSON already: skip FastAPI's encoder walking each value."""
    return JSONResponse(body)


# --- status and reads --------------------------------------------------------------------------


@router.get("/status", response_model=gs.StatusOut, summary="Whether Odoo answers, its version")
def status(state: State, _p: Reader) -> search.GatewayStatus:
    settings = state.settings
    try:
        client: OdooRpcClient | None = state.odoo_client()
    except AppError as exc:
        return search.gateway_status(None, None, exc.message, settings.secret_values())
    assert client is not None
    return search.gateway_status(client, client.config, None, settings.secret_values())


@router.post("/search/partners", summary="Search contacts and companies")
def search_partners(criteria: gs.PartnerSearch, _p: Reader, client: Odoo) -> JSONResponse:
    return json_answer(search.search_partners(client, criteria))


@router.get(
    "/partners/{partner_id}",
    summary="A partner and its leads, projects, tasks, activities and calendar events",
)
def partner_history(
    partner_id: int,
    _p: Reader,
    client: Odoo,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> JSONResponse:
    return json_answer(search.partner_history(client, partner_id, limit))


@router.post("/search/leads", summary="Search CRM leads and opportunities")
def search_leads(criteria: gs.LeadSearch, _p: Reader, client: Odoo) -> JSONResponse:
    return json_answer(search.search_leads(client, criteria))


@router.post("/search/projects", summary="Search projects")
def search_projects(criteria: gs.ProjectSearch, _p: Reader, client: Odoo) -> JSONResponse:
    return json_answer(search.search_projects(client, criteria))


@router.post("/search/tasks", summary="Search project tasks")
def search_tasks(criteria: gs.TaskSearch, _p: Reader, client: Odoo) -> JSONResponse:
    return json_answer(search.search_tasks(client, criteria))


@router.post("/search/activities", summary="Search scheduled activities")
def search_activities(criteria: gs.ActivitySearch, _p: Reader, client: Odoo) -> JSONResponse:
    return json_answer(search.search_activities(client, criteria))


@router.post("/search/calendar", summary="Search calendar events")
def search_calendar(criteria: gs.CalendarSearch, _p: Reader, client: Odoo) -> JSONResponse:
    return json_answer(search.search_calendar(client, criteria))


# --- proposals ---------------------------------------------------------------------------------


def _store(request: Request, principal: Principal, draft: gp.Draft) -> dict[str, Any]:
    return gp.save_proposal(
        get_store(request),
        get_settings(request),
        draft,
        actor=principal.actor,
        origin=origin_of(request),
    )


@router.post(
    "/propose/partner",
    response_model=gs.ProposalOut,
    summary="Propose creating (or, with partner_id, updating) a partner",
)
def propose_partner(
    request: Request, payload: gs.PartnerProposal, principal: Proposer, client: Odoo
) -> dict[str, Any]:
    draft = gd.draft_partner(client, get_settings(request), payload)
    return _store(request, principal, draft)


@router.post("/propose/lead", response_model=gs.ProposalOut, summary="Propose an opportunity")
def propose_lead(
    request: Request, payload: gs.LeadProposal, principal: Proposer, client: Odoo
) -> dict[str, Any]:
    draft = gd.draft_lead(client, get_settings(request), payload)
    return _store(request, principal, draft)


@router.post("/propose/project", response_model=gs.ProposalOut, summary="Propose a project")
def propose_project(
    request: Request, payload: gs.ProjectProposal, principal: Proposer, client: Odoo
) -> dict[str, Any]:
    draft = gd.draft_project(client, get_settings(request), payload)
    return _store(request, principal, draft)


@router.post("/propose/tasks", response_model=gs.ProposalOut, summary="Propose tasks in a project")
def propose_tasks(
    request: Request, payload: gs.TasksProposal, principal: Proposer, client: Odoo
) -> dict[str, Any]:
    draft = gd.draft_tasks(client, get_settings(request), payload)
    return _store(request, principal, draft)


@router.post(
    "/propose/activity", response_model=gs.ProposalOut, summary="Propose scheduling an activity"
)
def propose_activity(
    request: Request, payload: gs.ActivityProposal, principal: Proposer, client: Odoo
) -> dict[str, Any]:
    draft = gd.draft_activity(client, get_settings(request), payload)
    return _store(request, principal, draft)


@router.post(
    "/propose/calendar-event", response_model=gs.ProposalOut, summary="Propose a calendar event"
)
def propose_calendar_event(
    request: Request, payload: gs.CalendarEventProposal, principal: Proposer, client: Odoo
) -> dict[str, Any]:
    draft = gd.draft_calendar_event(client, get_settings(request), payload)
    return _store(request, principal, draft)


@router.get(
    "/proposals",
    response_model=gs.ProposalsOut,
    summary="Proposals, newest first (pending unless status= says otherwise)",
)
def proposals(
    session: DbSession,
    _p: Reader,
    status: gs.ProposalStatusFilter = "pending",
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    return gp.list_proposals(session, status=status, limit=limit, offset=offset)


@router.get("/proposals/{proposal_id}", response_model=gs.ProposalOut, summary="One proposal")
def proposal(proposal_id: str, session: DbSession, _p: Reader) -> dict[str, Any]:
    return gp.get_proposal(session, proposal_id).as_dict()


@router.delete(
    "/proposals/{proposal_id}", response_model=gs.CancelOut, summary="Cancel a pending proposal"
)
def cancel(request: Request, proposal_id: str, principal: Proposer) -> dict[str, Any]:
    return gp.cancel_as(get_store(request), proposal_id, principal, origin_of(request))


@router.post(
    "/execute/{proposal_id}",
    response_model=gs.ExecutionOut,
    summary="Run a pending proposal (once)",
    responses={502: {"description": "an operation failed: detail and results say which"}},
)
def execute(
    request: Request, proposal_id: str, body: gs.ExecuteRequest, principal: Executor, client: Odoo
) -> Any:
    settings = get_settings(request)
    try:
        execution = execute_proposal(
            get_store(request),
            client,
            settings,
            proposal_id,
            actor=principal.actor,
            origin=origin_of(request),
        )
    except ExecutionFailed as exc:
        answer = redacted(exc.execution.as_dict(), settings.secret_values())
        return JSONResponse(answer, status_code=exc.status)
    return redacted(execution.as_dict(), settings.secret_values())


def redacted(value: Any, secrets: list[str]) -> Any:
    """``value`` with every secret scrubbed from its strings (an answer that carries Odoo's
    messages is not an error answer, which the app redacts by itself)."""
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, dict):
        return {k: redacted(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [redacted(v, secrets) for v in value]
    return value
