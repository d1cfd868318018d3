"""Pages of the auth domain: sign-in and sign-out, and the Admin page (accounts and approvals,
API keys, the audit log). Forms post back with the session's CSRF token."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from odoobridge.auth import accounts, apikeys
from odoobridge.auth.audit import list_events, record
from odoobridge.auth.models import AccountStatus
from odoobridge.auth.principal import Principal
from odoobridge.auth.roles import Role
from odoobridge.errors import AppError, TooManyRequests, Unauthorized
from odoobridge.store.base import utcnow
from odoobridge.web.deps import (
    Admin,
    DbSession,
    SuperAdmin,
    Viewer,
    app_state,
    check_csrf,
    end_session,
    forget_credentials,
    get_store,
    optional_principal,
    origin_of,
    public,
    start_session,
)
from odoobridge.web.render import render

router = APIRouter(include_in_schema=False)
AUDIT_PAGE = 50


def safe_next(target: str | None) -> str:
    """Only a path on this site (never ``//host`` or a full URL) is followed after sign-in."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def login_page(
    request: Request, *, next_url: str, email: str = "", error: str | None = None, status: int = 200
) -> HTMLResponse:
    context = {
        "next": next_url,
        "email": email,
        "error": error,
        "sso": app_state(request).sso is not None,
    }
    return render(request, "auth/login.html", context, status_code=status)


@router.get("/login", dependencies=[Depends(public)])
def login_form(
    request: Request,
    principal: Annotated[Principal | None, Depends(optional_principal)],
    next: str | None = None,
) -> Response:
    if principal is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return login_page(request, next_url=safe_next(next))


@router.post("/login", dependencies=[Depends(public)])
def login(
    request: Request,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1024)],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    check_csrf(request, csrf_token)
    email = accounts.sign_in_email(email)  # once: the throttle counts what sign-in looks up
    origin = origin_of(request)
    address = origin.ip or "unknown"
    throttle = app_state(request).throttle
    store = get_store(request)
    target = safe_next(next)
    try:
        throttle.check(email, address)
        with store.session() as session:
            account = accounts.authenticate(session, email, password)
            start_session(request, account)
            record(
                session,
                actor=account.email,
                action="sign_in",
                detail={"method": "password"},
                origin=origin,
            )
    except AppError as exc:
        if isinstance(exc, Unauthorized):
            throttle.failed(email, address)
        with store.session() as session:
            record(
                session,
                actor=email[:200] or "(empty)",
                action="sign_in_failed",
                detail={"reason": exc.message},
                origin=origin,
            )
        page = login_page(
            request, next_url=target, email=email, error=exc.message, status=exc.status
        )
        if isinstance(exc, TooManyRequests):
            page.headers["Retry-After"] = str(exc.retry_after)
        return page
    return RedirectResponse(target, status_code=303)


@router.post("/logout")
def logout(request: Request, session: DbSession, principal: Viewer) -> Response:
    if principal.kind == "session":
        record(session, actor=principal.actor, action="sign_out", origin=origin_of(request))
        end_session(request)
    return RedirectResponse("/login", status_code=303)


# --- Admin ---------------------------------------------------------------------------------------


@router.get("/admin")
def admin_page(
    request: Request,
    session: DbSession,
    principal: Admin,
    offset: Annotated[int, Query(ge=0)] = 0,
    action: str | None = None,
) -> HTMLResponse:
    return _admin(request, session, principal, offset=offset, action=action)


def _admin(
    request: Request,
    session: Session,
    principal: Principal,
    *,
    offset: int = 0,
    action: str | None = None,
    new_key: dict[str, str] | None = None,
) -> HTMLResponse:
    is_super = principal.role is Role.SUPER_ADMIN
    mine = None if is_super else principal.actor
    total, events = list_events(session, action=action or None, limit=AUDIT_PAGE, offset=offset)
    context = {
        "accounts": accounts.list_accounts(session) if is_super else [],
        "pending": AccountStatus.PENDING,
        "keys": apikeys.list_api_keys(session, created_by=mine),
        "events": events,
        "events_total": total,
        "offset": offset,
        "page_size": AUDIT_PAGE,
        "action": action or "",
        "roles": [r for r in Role if principal.role.allows(r)],
        "all_roles": list(Role),
        "new_key": new_key,  # shown in this answer only, never stored
        "notice": request.session.pop("notice", None),
    }
    return render(request, "auth/admin.html", context, principal=principal)


def _back(request: Request, notice: str) -> Response:
    request.session["notice"] = notice
    return RedirectResponse("/admin", status_code=303)


@router.post("/admin/accounts")
def create_account_form(
    request: Request,
    session: DbSession,
    principal: SuperAdmin,
    email: Annotated[str, Form(max_length=320)],
    name: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1024)],
    role: Annotated[Role, Form()] = Role.VIEWER,
) -> Response:
    account = accounts.create_local_account(
        session,
        email=email,
        name=name,
        password=password,
        role=role,
        by=principal.actor,
        origin=origin_of(request),
    )
    return _back(request, f"Made the account {account.email} ({account.role}).")


@router.post("/admin/accounts/{account_id}/approve")
def approve_form(
    request: Request,
    account_id: int,
    session: DbSession,
    principal: SuperAdmin,
    role: Annotated[Role, Form()] = Role.VIEWER,
) -> Response:
    account = accounts.approve_account(
        session, account_id, role=role, by=principal.actor, origin=origin_of(request)
    )
    return _back(request, f"Approved {account.email} as {account.role}.")


@router.post("/admin/accounts/{account_id}")
def change_form(
    request: Request,
    account_id: int,
    session: DbSession,
    principal: SuperAdmin,
    role: Annotated[Role | None, Form()] = None,
    status: Annotated[str | None, Form(pattern="^(active|disabled)$")] = None,
) -> Response:
    account = accounts.change_account(
        session,
        account_id,
        by_account_id=principal.id,
        by=principal.actor,
        origin=origin_of(request),
        role=role,
        status=status,
    )
    forget_credentials(request)
    return _back(request, f"Changed {account.email}: {account.role}, {account.status}.")


@router.post("/admin/api-keys")
def create_key_form(
    request: Request,
    session: DbSession,
    principal: Admin,
    name: Annotated[str, Form(max_length=200)],
    role: Annotated[Role, Form()] = Role.VIEWER,
    scopes: Annotated[str, Form(max_length=500)] = "",
    expires_in_days: Annotated[int | None, Form(ge=1, le=3650)] = 90,
) -> HTMLResponse:
    expires = utcnow() + timedelta(days=expires_in_days) if expires_in_days else None
    key, raw = apikeys.create_api_key(
        session,
        name=name,
        role=role,
        scopes=[scopes],
        expires_at=expires,
        by=principal.actor,
        by_role=principal.role,
        origin=origin_of(request),
    )
    return _admin(request, session, principal, new_key={"name": key.name, "key": raw})


@router.post("/admin/api-keys/{key_id}/revoke")
def revoke_key_form(
    request: Request, key_id: int, session: DbSession, principal: Admin
) -> Response:
    key = apikeys.revoke_api_key(
        session,
        apikeys.get_api_key(session, key_id),
        by=principal.actor,
        by_role=principal.role,
        origin=origin_of(request),
    )
    forget_credentials(request)
    return _back(request, f"Revoked the API key {key.prefix} ({key.name}).")
