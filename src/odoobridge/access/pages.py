"""Pages of the security sync: the Data & Integrations page — the Odoo Postgres Sync card per
environment (status, live progress, sync button, runs with their stats and errors), the setup
checklist (``check odoo`` run on demand) and the read-only SQL to hand a DBA — and the Analysis
page's Merge & Compare button."""

from __future__ import annotations

import contextlib
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session

from odoobridge.access.api import CompareRequest, compare_now, trigger_odoo_sync
from odoobridge.access.source_choice import api_target, source_kind
from odoobridge.access.sync import SYNC_TYPE, odoo_target
from odoobridge.auth.audit import record
from odoobridge.auth.principal import Principal
from odoobridge.directory.api import trigger_azure_sync
from odoobridge.environment import Environment
from odoobridge.errors import AppError, RunAlreadyRunning
from odoobridge.settings import Settings
from odoobridge.sources.odoo_api_check import diagnose_api
from odoobridge.sources.odoo_diagnose import diagnose
from odoobridge.sources.odoo_setup_sql import reader_setup_sql
from odoobridge.sync.runs import latest_success, list_runs
from odoobridge.sync.status import SOURCES, source_status
from odoobridge.web.deps import Admin, Auditor, DbSession, Viewer, get_settings, origin_of
from odoobridge.web.render import render

router = APIRouter(include_in_schema=False)
READER_ROLE = "odoo_security_reader"


def reader_sql(session: Session, settings: Settings, environment: Environment) -> str:
    """The SQL that creates the read-only login, for the Odoo version last seen there (before
    any sync: the script that fits Odoo 16 to 19)."""
    run = latest_success(session, SYNC_TYPE, environment.value)
    seen = (run.stats.get("odoo") or {}).get("major") if run else None
    major = int(seen) if seen else None
    database = "odoo"
    dsn = settings.odoo_dsn(environment)
    if dsn is not None:
        with contextlib.suppress(ArgumentError):
            database = make_url(dsn.get_secret_value()).database or database
    return reader_setup_sql(READER_ROLE, database, lang=settings.odoo_lang, odoo_version=major)


def _page(
    request: Request,
    session: Session,
    principal: Principal,
    environment: Environment,
    *,
    check: dict[str, Any] | None = None,
    check_error: str | None = None,
    offset: int = 0,
) -> HTMLResponse:
    settings = get_settings(request)
    source = next(s for s in SOURCES if s.environment == environment.value)
    total, runs = list_runs(
        session, sync_type=SYNC_TYPE, environment=environment.value, limit=20, offset=offset
    )
    _entra_total, entra_runs = list_runs(session, sync_type="azure_users", limit=10)
    context = {
        "env": environment,
        "environments": list(Environment),
        "status": source_status(session, settings, source),
        "sources": [source_status(session, settings, s) for s in SOURCES],
        "runs": runs,
        "entra": source_status(session, settings, SOURCES[-1]),
        "entra_runs": entra_runs,
        "total": total,
        "offset": offset,
        "page_size": 20,
        "check": check,
        "check_error": check_error,
        "sql": reader_sql(session, settings, environment),
        "notice": request.session.pop("notice", None),
    }
    return render(request, "access/integrations.html", context, principal=principal)


@router.get("/integrations")
def integrations_page(
    request: Request,
    session: DbSession,
    principal: Viewer,
    env: str | None = None,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    environment = Environment.parse(env) if env else get_settings(request).odoo_environment
    return _page(request, session, principal, environment, offset=offset)


@router.post("/integrations/sync/odoo")
def sync_form(
    request: Request, principal: Admin, environment: Annotated[str, Form(max_length=32)]
) -> Response:
    env = Environment.parse(environment)
    try:
        run_id = trigger_odoo_sync(request, env, principal)
        request.session["notice"] = f"Started sync run {run_id} for {env.label}."
    except RunAlreadyRunning as exc:
        request.session["notice"] = f"{exc.message}: its progress shows below."
    return RedirectResponse(f"/integrations?env={env.value}", status_code=303)


@router.post("/integrations/sync/azure")
def sync_azure_form(request: Request, principal: Admin) -> Response:
    try:
        run_id = trigger_azure_sync(request, principal)
        request.session["notice"] = f"Started Entra sync run {run_id}."
    except RunAlreadyRunning as exc:
        request.session["notice"] = f"{exc.message}: its progress shows below."
    return RedirectResponse("/integrations#entra", status_code=303)


@router.post("/integrations/check/odoo")
def check_form(
    request: Request,
    session: DbSession,
    principal: Admin,
    environment: Annotated[str, Form(max_length=32)],
) -> HTMLResponse:
    env = Environment.parse(environment)
    check: dict[str, Any] | None = None
    error: str | None = None
    settings = get_settings(request)
    try:
        if source_kind(settings, env) == "api":  # Odoo Online, Odoo.sh: its API
            check = diagnose_api(api_target(settings, env)).as_dict()
        else:
            check = diagnose(odoo_target(settings, env)).as_dict()
    except AppError as exc:
        error = exc.message
    record(
        session,
        actor=principal.actor,
        action="check",
        target=f"{SYNC_TYPE}:{env.value}",
        detail={"ok": bool(check and check["ok"]), "error": error},
        origin=origin_of(request),
    )
    return _page(request, session, principal, env, check=check, check_error=error)


@router.post("/analysis/compare")
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
