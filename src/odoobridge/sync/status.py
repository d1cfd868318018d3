"""Where each data source stands, for the dashboard and ``GET /api/sync/status``.

A source is one sync type in one environment (``odoo_postgres`` in PREPROD …). Its status is
one of: ``not_configured`` (no connection setting), ``syncing`` (a run is going), ``error`` (the
latest run failed, or died: :mod:`odoobridge.sync.liveness`), ``needs_refresh`` (never synced,
or the last success is older than ``ODOOBRIDGE_STALE_HOURS``), ``warning`` (the last success
skipped something), ``connected``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from odoobridge.access.source_choice import source_configured
from odoobridge.environment import Environment
from odoobridge.settings import Settings
from odoobridge.store.base import utcnow
from odoobridge.sync.liveness import shown
from odoobridge.sync.models import RunStatus, SyncRun
from odoobridge.sync.runs import latest_success


@dataclass(frozen=True)
class DataSource:
    sync_type: str
    environment: str | None
    label: str
    configured: Callable[[Settings], bool]
    setting: str  # what to set when it is not configured


def _odoo_configured(environment: Environment) -> Callable[[Settings], bool]:
    def check(settings: Settings) -> bool:
        return source_configured(settings, environment)  # the DSN, the API, or a mock file

    return check


def _entra_configured(settings: Settings) -> bool:
    if settings.allow_sync_mocks and settings.azure_user_sync_mock_file is not None:
        return True
    secret = settings.azure_client_secret
    has_secret = secret is not None and bool(secret.get_secret_value().strip())
    return bool(
        (settings.azure_tenant_id or "").strip()
        and (settings.azure_client_id or "").strip()
        and (has_secret or settings.azure_client_cert_path is not None)
    )


SOURCES: list[DataSource] = [
    *(
        DataSource(
            "odoo_postgres",
            env.value,
            env.label,
            _odoo_configured(env),
            Settings.odoo_dsn_setting(env),
        )
        for env in Environment
    ),
    DataSource(
        "azure_users",
        None,
        "Microsoft Entra ID",
        _entra_configured,
        "AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET",
    ),
]


def _latest(session: Session, source: DataSource) -> SyncRun | None:
    query = select(SyncRun).where(SyncRun.sync_type == source.sync_type)
    if source.environment is None:
        query = query.where(SyncRun.environment.is_(None))
    else:
        query = query.where(SyncRun.environment == source.environment)
    latest = session.scalars(query.order_by(SyncRun.id.desc()).limit(1)).first()
    return shown(latest) if latest is not None else None  # a dead run is no longer "syncing"


class SourceStatus(TypedDict):
    """One data source as the Dashboard, Data & Integrations and alerts see it."""

    sync_type: str
    environment: str | None
    label: str
    status: str  # connected, syncing, warning, needs_refresh, error, not_configured
    configured: bool
    setting: str
    stale: bool
    last_success: dict[str, Any] | None  # the run's as_dict()
    latest: dict[str, Any] | None
    counts: dict[str, int]
    skipped: dict[str, str]


def source_status(session: Session, settings: Settings, source: DataSource) -> SourceStatus:
    latest = _latest(session, source)
    success = latest_success(session, source.sync_type, source.environment)
    stale_after = timedelta(hours=settings.stale_hours)
    stale = success is None or (
        success.completed_at is not None and utcnow() - success.completed_at > stale_after
    )
    skipped = dict(success.stats.get("skipped") or {}) if success is not None else {}
    if latest is not None and latest.status == RunStatus.RUNNING:
        status = "syncing"
    elif not source.configured(settings):
        status = "not_configured"
    elif latest is not None and latest.status == RunStatus.FAILED:
        status = "error"
    elif stale:
        status = "needs_refresh"
    elif skipped:
        status = "warning"
    else:
        status = "connected"
    counts = {
        name: value["count"]
        for name, value in (success.stats.items() if success is not None else [])
        if isinstance(value, dict) and "count" in value
    }
    return {
        "sync_type": source.sync_type,
        "environment": source.environment,
        "label": source.label,
        "status": status,
        "configured": source.configured(settings),
        "setting": source.setting,
        "stale": stale and success is not None,
        "last_success": success.as_dict() if success is not None else None,
        "latest": latest.as_dict() if latest is not None else None,
        "counts": counts,
        "skipped": skipped,
    }


def all_statuses(
    session: Session, settings: Settings, sync_type: str | None = None
) -> list[SourceStatus]:
    return [
        source_status(session, settings, s)
        for s in SOURCES
        if sync_type is None or s.sync_type == sync_type
    ]
