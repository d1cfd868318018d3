"""Small builders for the alert tests: settings with channels on the local fakes, an
evaluation in its own transaction, a failed Odoo sync (its database does not answer)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from odoobridge.access.sync import sync_odoo
from odoobridge.auth.models import AuditEvent
from odoobridge.environment import Environment
from odoobridge.errors import AppError
from odoobridge.ops.alert_config import RULES
from odoobridge.ops.alerts import AlertReport, evaluate_alerts
from odoobridge.ops.models import AlertState
from odoobridge.settings import Settings
from odoobridge.store.engine import Store
from odoobridge.sync.models import SyncRun
from odoobridge.sync.runs import get_run
from tests.fakes.mail_and_hooks import SmtpServer, WebhookReceiver
from tests.fakes.notify_fixtures import channels_json, hook_channel, mail_channel
from tests.pg import free_port


def only(folder: Path, rule: str, options: str = "{}") -> Path:
    """An alerts file with every rule off but ``rule`` (with its YAML ``options``)."""
    path = folder / f"alerts-{rule}-{abs(hash(options))}.yaml"
    lines = ["rules:", f"  {rule}: {options}"]
    lines += [f"  {other}: {{enabled: false}}" for other in RULES if other != rule]
    path.write_text("\n".join(lines) + "\n")
    return path


def alert_settings(
    make_settings: Callable[..., Settings],
    receiver: WebhookReceiver,
    smtp: SmtpServer | None = None,
    channels: str = "hook",
    **values: Any,
) -> Settings:
    defined: dict[str, Any] = {"hook": hook_channel(receiver)}
    if smtp is not None:
        defined["mail"] = mail_channel(smtp)
    return make_settings(
        ODOOBRIDGE_NOTIFY_CHANNELS=channels_json(**defined),
        ODOOBRIDGE_ALERTS_CHANNELS=channels,
        ODOOBRIDGE_PUBLIC_URL="https://odoobridge.example.com",
        ODOO_PROD_DSN=f"postgresql://reader@127.0.0.1:{free_port()}/odoo",  # nobody listens
        **values,
    )


def evaluate(store: Store, settings: Settings, now: datetime) -> AlertReport:
    with store.write_session() as session:
        return evaluate_alerts(session, settings, now)


def failed_prod_sync(store: Store, settings: Settings) -> SyncRun:
    """A real failed run: the PROD database refuses the connection."""
    with pytest.raises(AppError):
        sync_odoo(store, settings, Environment.PROD)
    with store.session() as session:
        run_id = session.scalar(select(SyncRun.id).order_by(SyncRun.id.desc()).limit(1))
        assert run_id is not None
        return get_run(session, run_id)


def states(store: Store, rule: str) -> dict[str, AlertState]:
    with store.session() as session:
        rows = session.scalars(select(AlertState).where(AlertState.rule == rule))
        return {row.key: row for row in rows}


def audit(store: Store, action: str) -> list[AuditEvent]:
    with store.session() as session:
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        return list(session.scalars(query))
