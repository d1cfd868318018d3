"""The seed's integration and user-management routes: CRM syncs (admins), accounts with their
Odoo link — list, approve (then match in Odoo), remove softly or for good, link and unlink by
hand (super admins). Every change is audited by the services it calls."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from odoobridge.auth import accounts
from odoobridge.auth.audit import record
from odoobridge.auth.principal import Principal
from odoobridge.sales.crm_sync import SYNC_TYPE, sync_crm
from odoobridge.sales.linking import link_account, link_of, remove_link, reset_link, set_link
from odoobridge.sales.schemas import AdminUser, ApproveIn, LinkIn
from odoobridge.sources.odoo_rpc import OdooRpcConfig
from odoobridge.sync.background import start_in_background
from odoobridge.sync.runs import ProgressListener
from odoobridge.sync.schemas import SyncStarted
from odoobridge.web.deps import (
    Admin,
    DbSession,
    SuperAdmin,
    forget_credentials,
    get_settings,
    get_store,
    origin_of,
)

router = APIRouter(prefix="/api", tags=["sales admin"])


def trigger_crm_sync(
    request: Request, principal: Principal, *, full: bool = False, only: str | None = None
) -> SyncStarted:
    """Start a CRM sync in the background; audited. 400 naming a missing setting, 409 while
    one runs."""
    store, settings = get_store(request), get_settings(request)
    OdooRpcConfig.from_settings(settings)  # a missing setting answers 400 right here
    environment = settings.sales_environment.value

    def work(listeners: list[ProgressListener]) -> None:
        sync_crm(
            store, settings, full=full, only=only, triggered_by=principal.actor, listeners=listeners
        )

    run_id = start_in_background(store, SYNC_TYPE, environment, work)
    with store.session() as session:
        record(
            session,
            actor=principal.actor,
            action="sync_started",
            target=f"{SYNC_TYPE}:{environment}",
            detail={"run_id": run_id, "full": full, "only": only},
            origin=origin_of(request),
        )
    return SyncStarted(
        run_id=run_id,
        sync_type=SYNC_TYPE,
        environment=environment,
        status_url=f"/api/sync/runs/{run_id}",
    )


CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"description": "A CRM sync is running; the answer names its run id"}
}


@router.post(
    "/integrations/sync/odoo",
    response_model=SyncStarted,
    status_code=202,
    responses=CONFLICT,
    summary="Sync Odoo's CRM (in the background)",
)
def sync_odoo(request: Request, principal: Admin, full: bool = False) -> SyncStarted:
    return trigger_crm_sync(request, principal, full=full)


@router.post(
    "/integrations/odoo/sync-users",
    response_model=SyncStarted,
    status_code=202,
    responses=CONFLICT,
    summary="Sync Odoo's users and teams",
)
def sync_users(request: Request, principal: Admin) -> SyncStarted:
    return trigger_crm_sync(request, principal, only="users")


@router.post(
    "/integrations/odoo/sync-departments",
    response_model=SyncStarted,
    status_code=202,
    responses=CONFLICT,
    summary="Sync Odoo's departments",
)
def sync_departments(request: Request, principal: Admin) -> SyncStarted:
    return trigger_crm_sync(request, principal, only="departments")


# --- people (super admins) ------------------------------------------------------------------


def _user(session: Session, account_id: int) -> AdminUser:
    account = accounts.get_account(session, account_id)
    link = link_of(session, account_id)
    shown: dict[str, Any] = {**account.as_dict(), "odoo_link": link.as_dict() if link else None}
    return AdminUser.model_validate(shown)


@router.get(
    "/admin/users", response_model=list[AdminUser], summary="Every account, with its Odoo link"
)
def list_users(session: DbSession, _p: SuperAdmin, status: str | None = None) -> list[AdminUser]:
    return [_user(session, a.id) for a in accounts.list_accounts(session, status=status)]


@router.post(
    "/admin/users/{account_id}/approve",
    response_model=AdminUser,
    summary="Approve an account, then find its Odoo user",
)
def approve_user(
    request: Request,
    account_id: int,
    session: DbSession,
    principal: SuperAdmin,
    body: ApproveIn | None = None,
) -> AdminUser:
    role = (body or ApproveIn()).role
    account = accounts.approve_account(
        session, account_id, role=role, by=principal.actor, origin=origin_of(request)
    )
    link_account(
        session, account, get_settings(request).sales_environment.value, by=principal.actor
    )
    return _user(session, account_id)


@router.delete(
    "/admin/users/{account_id}", summary="Disable an account, or erase it (?permanent=true)"
)
def delete_user(
    request: Request,
    account_id: int,
    session: DbSession,
    principal: SuperAdmin,
    permanent: bool = False,
) -> dict[str, Any]:
    email = accounts.get_account(session, account_id).email
    kept = accounts.delete_account(
        session,
        account_id,
        permanent=permanent,
        by_account_id=principal.id if principal.kind == "session" else None,
        by=principal.actor,
        origin=origin_of(request),
    )
    forget_credentials(request)
    return {"id": account_id, "email": email, "status": kept.status if kept else "deleted"}


@router.post(
    "/admin/users/{account_id}/odoo-link",
    response_model=AdminUser,
    summary="Link an account to an Odoo user by hand",
)
def link_user(
    request: Request, account_id: int, body: LinkIn, session: DbSession, principal: SuperAdmin
) -> AdminUser:
    email = accounts.get_account(session, account_id).email
    set_link(
        session,
        email,
        body.odoo_user_id,
        get_settings(request).sales_environment.value,
        by=principal.actor,
        origin=origin_of(request),
    )
    return _user(session, account_id)


@router.delete(
    "/admin/users/{account_id}/odoo-link",
    response_model=AdminUser,
    summary="Remove an account's Odoo link (it sees no sales records)",
)
def unlink_user(
    request: Request, account_id: int, session: DbSession, principal: SuperAdmin
) -> AdminUser:
    email = accounts.get_account(session, account_id).email
    remove_link(
        session,
        email,
        get_settings(request).sales_environment.value,
        by=principal.actor,
        origin=origin_of(request),
    )
    return _user(session, account_id)


@router.post(
    "/admin/users/{account_id}/odoo-link/auto",
    response_model=AdminUser,
    summary="Match an account by e-mail again (undo a manual link)",
)
def relink_user(
    request: Request, account_id: int, session: DbSession, principal: SuperAdmin
) -> AdminUser:
    email = accounts.get_account(session, account_id).email
    reset_link(
        session,
        email,
        get_settings(request).sales_environment.value,
        by=principal.actor,
        origin=origin_of(request),
    )
    return _user(session, account_id)
