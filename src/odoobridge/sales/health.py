"""How the sales data stands: each integration's state (the seed's ``/api/sync-status``) and the
record rules that cannot be evaluated over the sales tables (they deny, fail closed)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from odoobridge.access.analysis.effective import index_for
from odoobridge.access.sync import SYNC_TYPE as SECURITY_SYNC
from odoobridge.sales.crm_sync import SYNC_TYPE as CRM_SYNC
from odoobridge.sales.fieldmaps import SERVED_MODELS, field_maps
from odoobridge.sales.rules import unsupported_rules
from odoobridge.settings import Settings
from odoobridge.sync.runs import latest_success
from odoobridge.sync.status import DataSource, SourceStatus, all_statuses, source_status

API_SETTING = "ODOO_URL, ODOO_DB, ODOO_USERNAME and ODOO_PASSWORD or ODOO_API_KEY"


def _api_configured(settings: Settings) -> bool:
    secret = settings.odoo_api_key or settings.odoo_password
    return bool(settings.odoo_url and settings.odoo_db and settings.odoo_username and secret)


def crm_source(settings: Settings) -> DataSource:
    return DataSource(
        CRM_SYNC, settings.sales_environment.value, "Odoo CRM", _api_configured, API_SETTING
    )


def integration_statuses(session: Session, settings: Settings) -> list[SourceStatus]:
    """The CRM first, then every other source: connected, syncing, warning, needs_refresh,
    error or not_configured (:mod:`odoobridge.sync.status`)."""
    return [
        source_status(session, settings, crm_source(settings)),
        *all_statuses(session, settings),
    ]


def rules_check(session: Session, settings: Settings) -> dict[str, Any]:
    """The record rules of the served models that deny because they cannot be evaluated."""
    environment = settings.sales_environment
    security = latest_success(session, SECURITY_SYNC, environment.value)
    crm = latest_success(session, CRM_SYNC, environment.value)
    answer: dict[str, Any] = {
        "environment": environment.value,
        "security_run_id": security.id if security else None,
        "crm_run_id": crm.id if crm else None,
        "reason": None,
        "rules": [],
    }
    if security is None:
        answer["reason"] = (
            f"no security sync of {environment.value} yet: run "
            f"`odoobridge sync odoo --env {environment.value.lower()}`"
        )
        return answer
    index = index_for(session, environment, security.id)
    maps = field_maps(environment.value, None)
    for model in SERVED_MODELS:
        for rule, reason in unsupported_rules(index, model, maps[model]):
            answer["rules"].append(
                {
                    "model": model,
                    "rule_id": rule.odoo_id,
                    "name": rule.name,
                    "is_global": not index.snap.rule_groups.get(rule.odoo_id),
                    "domain": rule.domain,
                    "reason": reason,
                }
            )
    return answer
