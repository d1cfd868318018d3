"""Answer shapes of the sync API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from odoobridge.web.schemas import EnvironmentName


class RunOut(BaseModel):
    id: int
    sync_type: str
    environment: str | None
    status: str
    triggered_by: str
    started_at: datetime
    completed_at: datetime | None
    stats: dict[str, Any]
    progress: dict[str, Any]
    error: str | None


class SyncStarted(BaseModel):
    run_id: int
    sync_type: str
    environment: str | None
    status: str = "running"
    status_url: str


class OdooSyncRequest(BaseModel):
    environment: EnvironmentName


class SourceStatus(BaseModel):
    sync_type: str
    environment: str | None
    label: str
    status: str
    configured: bool
    setting: str
    stale: bool
    last_success: RunOut | None
    latest: RunOut | None
    counts: dict[str, int]
    skipped: dict[str, str]
