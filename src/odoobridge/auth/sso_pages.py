"""The two routes of Microsoft Entra sign-in (see :mod:`odoobridge.auth.sso`).

``GET /auth/entra/login`` starts a flow and sends the browser to Microsoft; the flow (state,
nonce, PKCE verifier, where to go afterwards) waits in the signed session cookie, at most
:data:`MAX_FLOWS` of them (a few tabs) for :data:`FLOW_SECONDS`. ``GET /auth/entra/callback``
takes the flow of the answer's ``state`` out of the cookie — so an answer is used once — and
finishes it: an approved account is signed in, a new or pending one gets the "waiting for
approval" page, a disabled one is refused. Every failure is the sign-in page with one line.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from odoobridge.auth import accounts
from odoobridge.auth.audit import record
from odoobridge.auth.models import AccountStatus
from odoobridge.auth.pages import login_page, safe_next
from odoobridge.auth.sso import EntraSignIn
from odoobridge.errors import AppError, NotFound, Unauthorized
from odoobridge.redact import redact
from odoobridge.store.base import utcnow
from odoobridge.web.deps import app_state, get_settings, get_store, origin_of, public, start_session
from odoobridge.web.render import render

router = APIRouter(include_in_schema=False)
FLOWS_KEY = "entra_flows"
FLOW_SECONDS = 600
MAX_FLOWS = 3


def _service(request: Request) -> EntraSignIn:
    sso = app_state(request).sso
    if sso is None:
        raise NotFound(
            "Microsoft sign-in is not enabled here: an administrator sets "
            "ODOOBRIDGE_SSO_ENABLED=1 with the app registration (see README)"
        )
    return sso


def _remember(request: Request, flow: dict[str, Any], target: str) -> None:
    now = int(time.time())
    kept = {key: value for key, value in flow.items() if key != "auth_uri"}
    flows = request.session.get(FLOWS_KEY)
    flows = {
        state: entry
        for state, entry in (flows.items() if isinstance(flows, dict) else ())
        if isinstance(entry, dict) and now - int(entry.get("at", 0)) < FLOW_SECONDS
    }
    flows[str(flow["state"])] = {"flow": kept, "next": target, "at": now}
    newest = sorted(flows.items(), key=lambda item: int(item[1]["at"]))[-MAX_FLOWS:]
    request.session[FLOWS_KEY] = dict(newest)


def _take(request: Request, state: str | None) -> tuple[dict[str, Any], str]:
    """The flow the answer's ``state`` belongs to, taken out of the cookie (used once)."""
    flows = request.session.get(FLOWS_KEY)
    flows = flows if isinstance(flows, dict) else {}
    entry = flows.pop(state, None) if state else None
    if flows:
        request.session[FLOWS_KEY] = flows
    else:
        request.session.pop(FLOWS_KEY, None)
    if not isinstance(entry, dict) or not isinstance(entry.get("flow"), dict):
        raise Unauthorized(
            "this answer from Microsoft matches no sign-in started in this browser (a wrong "
            "state, or one already used): sign in again"
        )
    if time.time() - int(entry.get("at", 0)) > FLOW_SECONDS:
        raise Unauthorized(
            f"the Microsoft sign-in took longer than {FLOW_SECONDS // 60} minutes: sign in again"
        )
    return entry["flow"], safe_next(entry.get("next"))


@router.get("/auth/entra/login", dependencies=[Depends(public)])
def entra_login(request: Request, next: str | None = None) -> Response:
    sso = _service(request)
    target = safe_next(next)
    redirect_uri = sso.redirect_uri or str(request.url_for("entra_callback"))
    try:
        flow = sso.start(redirect_uri)
    except AppError as exc:
        return _failed(request, exc, actor="(microsoft sign-in)", target=target)
    _remember(request, flow, target)
    return RedirectResponse(str(flow["auth_uri"]), status_code=302)


@router.get("/auth/entra/callback", name="entra_callback", dependencies=[Depends(public)])
def entra_callback(request: Request) -> Response:
    sso = _service(request)
    query = dict(request.query_params)
    origin = origin_of(request)
    actor, target = "(microsoft sign-in)", "/"
    try:
        flow, target = _take(request, query.get("state"))
        profile = sso.finish(flow, query)
        actor = profile.email.lower()
        with get_store(request).session() as session:
            account, created = accounts.sso_account(
                session,
                oid=profile.oid,
                email=profile.email,
                name=profile.name,
                job_title=profile.job_title,
                department=profile.department,
            )
            actor = account.email
            pending = account.status == AccountStatus.PENDING
            if pending:
                detail = {"method": "entra", "created": created}
                record(session, actor=actor, action="sso_pending", detail=detail, origin=origin)
            else:
                accounts.ensure_may_sign_in(account)
                account.last_login_at = utcnow()
                start_session(request, account)
                detail = {"method": "entra"}
                record(session, actor=actor, action="sign_in", detail=detail, origin=origin)
    except AppError as exc:
        return _failed(request, exc, actor=actor, target=target)
    if pending:
        context = {"email": actor, "created": created}
        return render(request, "auth/sso_pending.html", context, status_code=403)
    return RedirectResponse(target, status_code=303)


def _failed(request: Request, exc: AppError, *, actor: str, target: str) -> Response:
    """The sign-in page with the one line that says what went wrong, and the audit event."""
    message = redact(exc.message, get_settings(request).secret_values())
    with get_store(request).session() as session:
        record(
            session,
            actor=actor,
            action="sign_in_failed",
            detail={"method": "entra", "reason": message},
            origin=origin_of(request),
        )
    return login_page(request, next_url=target, error=message, status=exc.status)
