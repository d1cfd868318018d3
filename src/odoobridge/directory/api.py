"""JSON API of the Entra directory: start an ``azure_users`` sync in the background."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel

from odoobridge.auth.audit import record
from odoobridge.auth.principal import Principal
from odoobridge.directory.models import SYNC_TYPE
from odoobridge.directory.reading import open_source
from odoobridge.directory.sync import sync_azure
from odoobridge.sync.background import start_in_background
from odoobridge.sync.runs import ProgressListener
from odoobridge.sync.schemas import SyncStarted
from odoobridge.web.deps import Admin, get_settings, get_store, origin_of

router = APIRouter(prefix="/api", tags=["entra"])


class AzureSyncRequest(BaseModel):
    full: bool = False  # list every user instead of the changes since the last delta link


def trigger_azure_sync(request: Request, principal: Principal, *, full: bool = False) -> int:
    """Start an Entra sync in the background for ``principal``; audited. Returns the run id."""
    store = get_store(request)
    settings = get_settings(request)
    source = open_source(settings)  # missing settings answer 400 right here

    def work(listeners: list[ProgressListener]) -> None:
        sync_azure(
            store,
            settings,
            full=full,
            triggered_by=principal.actor,
            listeners=listeners,
            source=source,
        )

    run_id = start_in_background(store, SYNC_TYPE, None, work)
    with store.session() as session:
        record(
            session,
            actor=principal.actor,
            action="sync_started",
            target=f"{SYNC_TYPE}",
            detail={"run_id": run_id, "full": full},
            origin=origin_of(request),
        )
    return run_id


@router.post(
    "/sync/azure-users",
    response_model=SyncStarted,
    status_code=202,
    summary="Sync Microsoft Entra users from Graph (in the background)",
    responses={
        409: {"description": "An Entra sync is already running; the answer names its run id"}
    },
)
def sync_azure_users(
    request: Request, principal: Admin, body: AzureSyncRequest | None = None
) -> SyncStarted:
    run_id = trigger_azure_sync(request, principal, full=bool(body and body.full))
    return SyncStarted(
        run_id=run_id, sync_type=SYNC_TYPE, environment=None, status_url=f"/api/sync/runs/{run_id}"
    )
