"""JSON API of the auth domain: who am I, accounts and approvals, API keys, the audit log."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from odoobridge.auth import accounts, apikeys
from odoobridge.auth.audit import list_events, record
from odoobridge.auth.roles import Role
from odoobridge.auth.schemas import (
    AccountApprove,
    AccountChange,
    AccountCreate,
    AccountOut,
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyOut,
    AuditEventOut,
    Me,
)
from odoobridge.store.base import utcnow
from odoobridge.web.deps import (
    Admin,
    DbSession,
    SuperAdmin,
    Viewer,
    csrf_token,
    forget_credentials,
    origin_of,
)
from odoobridge.web.exports import ExportFormat, export_response
from odoobridge.web.schemas import Page

router = APIRouter(prefix="/api", tags=["auth"])


@router.get("/auth/me", response_model=Me, summary="Who is asking")
def me(request: Request, principal: Viewer) -> Me:
    return Me(
        kind=principal.kind,
        actor=principal.actor,
        name=principal.name,
        role=principal.role,
        scopes=sorted(principal.scopes),
        csrf_token=csrf_token(request) if principal.kind == "session" else None,
    )


# --- accounts (super admins) ---------------------------------------------------------------------


@router.get("/admin/accounts", response_model=list[AccountOut], summary="Every account")
def list_accounts(
    session: DbSession, _p: SuperAdmin, status: str | None = None
) -> list[AccountOut]:
    return [
        AccountOut.model_validate(a.as_dict())
        for a in accounts.list_accounts(session, status=status)
    ]


@router.post(
    "/admin/accounts", response_model=AccountOut, status_code=201, summary="Make a local account"
)
def create_account(
    request: Request, body: AccountCreate, session: DbSession, principal: SuperAdmin
) -> AccountOut:
    account = accounts.create_local_account(
        session,
        email=body.email,
        name=body.name,
        password=body.password,
        role=body.role,
        by=principal.actor,
        origin=origin_of(request),
    )
    return AccountOut.model_validate(account.as_dict())


@router.post(
    "/admin/accounts/{account_id}/approve",
    response_model=AccountOut,
    summary="Approve an account waiting after Microsoft sign-in",
)
def approve_account(
    request: Request,
    account_id: int,
    body: AccountApprove,
    session: DbSession,
    principal: SuperAdmin,
) -> AccountOut:
    account = accounts.approve_account(
        session, account_id, role=body.role, by=principal.actor, origin=origin_of(request)
    )
    return AccountOut.model_validate(account.as_dict())


@router.patch(
    "/admin/accounts/{account_id}",
    response_model=AccountOut,
    summary="Change an account's role or status",
)
def change_account(
    request: Request,
    account_id: int,
    body: AccountChange,
    session: DbSession,
    principal: SuperAdmin,
) -> AccountOut:
    account = accounts.change_account(
        session,
        account_id,
        by_account_id=principal.id if principal.kind == "session" else None,
        by=principal.actor,
        origin=origin_of(request),
        role=body.role,
        status=body.status,
    )
    forget_credentials(request)
    return AccountOut.model_validate(account.as_dict())


# --- API keys (admins: their own; super admins: all) -------------------------------------------


@router.get("/admin/api-keys", response_model=list[ApiKeyOut], summary="API keys")
def list_keys(session: DbSession, principal: Admin) -> list[ApiKeyOut]:
    mine = None if principal.role is Role.SUPER_ADMIN else principal.actor
    return [
        ApiKeyOut.model_validate(k.as_dict())
        for k in apikeys.list_api_keys(session, created_by=mine)
    ]


@router.post(
    "/admin/api-keys",
    response_model=ApiKeyCreated,
    status_code=201,
    summary="Make an API key (shown once)",
)
def create_key(
    request: Request, body: ApiKeyCreate, session: DbSession, principal: Admin
) -> ApiKeyCreated:
    expires = utcnow() + timedelta(days=body.expires_in_days) if body.expires_in_days else None
    key, raw = apikeys.create_api_key(
        session,
        name=body.name,
        role=body.role,
        scopes=body.scopes,
        expires_at=expires,
        by=principal.actor,
        by_role=principal.role,
        origin=origin_of(request),
    )
    return ApiKeyCreated.model_validate({**key.as_dict(), "key": raw})


@router.post(
    "/admin/api-keys/{key_id}/revoke", response_model=ApiKeyOut, summary="Revoke an API key"
)
def revoke_key(request: Request, key_id: int, session: DbSession, principal: Admin) -> ApiKeyOut:
    key = apikeys.revoke_api_key(
        session,
        apikeys.get_api_key(session, key_id),
        by=principal.actor,
        by_role=principal.role,
        origin=origin_of(request),
    )
    forget_credentials(request)
    return ApiKeyOut.model_validate(key.as_dict())


# --- the audit log (admins) ------------------------------------------------------------------


@router.get("/admin/audit", response_model=Page[AuditEventOut], summary="The audit log")
def audit_log(
    session: DbSession,
    _p: Admin,
    action: str | None = None,
    actor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[AuditEventOut]:
    total, events = list_events(session, action=action, actor=actor, limit=limit, offset=offset)
    items = [AuditEventOut.model_validate(e.as_dict()) for e in events]
    return Page[AuditEventOut](total=total, limit=limit, offset=offset, items=items)


AUDIT_COLUMNS = ["id", "at", "actor", "action", "target", "detail", "ip", "user_agent"]


@router.get("/export/audit", summary="The audit log as CSV, XLSX or JSON")
def export_audit(
    request: Request,
    session: DbSession,
    principal: Admin,
    format: ExportFormat = ExportFormat.CSV,
    action: str | None = None,
) -> Response:
    total, events = list_events(session, action=action, limit=1_000_000)
    rows = [[e.id, e.at, e.actor, e.action, e.target, e.detail, e.ip, e.user_agent] for e in events]
    record(
        session,
        actor=principal.actor,
        action="export",
        target="audit",
        detail={"format": format.value, "rows": total},
        origin=origin_of(request),
    )
    return export_response("audit-log", format, AUDIT_COLUMNS, rows)
