"""The ``new_findings`` alert rule: a run that brings critical/high findings the run before it
did not have sends ONE message listing them, with links; the condition stays while any finding
it listed is still there, and clears (saying so) when none is.

The findings come from :func:`_findings_at`, the one place here that calls into the access
analysis.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from odoobridge.access.findings.reports import findings_for
from odoobridge.access.sync import SYNC_TYPE as ODOO_SYNC
from odoobridge.environment import Environment
from odoobridge.notify import Link, Message, Severity
from odoobridge.ops.alert_condition import Condition, base_url
from odoobridge.ops.alert_config import AlertRule
from odoobridge.ops.models import AlertState
from odoobridge.settings import Settings
from odoobridge.sync.models import RunStatus, SyncRun

ORDER = ("critical", "high", "medium", "low", "info")
MAX_LISTED = 40


def _findings_at(
    session: Session, settings: Settings, environment: Environment, run_id: int
) -> dict[str, Any]:
    """The findings of one run by id (the only call into the access analysis)."""
    _index, found = findings_for(session, settings, environment, run_id)
    return {finding.id: finding for finding in found}


def _last_two_runs(session: Session, environment: Environment) -> list[int]:
    query = select(SyncRun.id).where(
        SyncRun.sync_type == ODOO_SYNC,
        SyncRun.environment == environment.value,
        SyncRun.status == RunStatus.SUCCESS,
    )
    return list(session.scalars(query.order_by(SyncRun.id.desc()).limit(2)))


def finding_url(settings: Settings, environment: Environment, finding: Any) -> str:
    """The finding's subject page (a user, a group), else the Analysis page's findings."""
    subject: dict[str, Any] = finding.subject
    base, env = base_url(settings), environment.value
    if subject.get("type") == "user" and subject.get("odoo_user_id") is not None:
        return f"{base}/users/{subject['odoo_user_id']}?env={env}"
    if subject.get("type") == "group" and subject.get("group_id") is not None:
        return f"{base}/groups/{subject['group_id']}?env={env}"
    return f"{base}/analysis?env={env}&severity={finding.severity}#findings"


def _analysis_link(settings: Settings, environment: Environment, severity: str) -> Link:
    url = f"{base_url(settings)}/analysis?env={environment.value}&severity={severity}#findings"
    return Link("Analysis", url)


def new_findings(
    session: Session,
    settings: Settings,
    rule: AlertRule,
    now: datetime,
    states: Mapping[str, AlertState],
) -> list[Condition]:
    """A condition for the latest run of each environment that brought new findings of the
    rule's severities (compared with the run before it), and one for each earlier such run
    while any finding it listed is still there. An environment's first run is the baseline."""
    severities = set(rule.options["severities"])
    found: list[Condition] = []
    for environment in Environment:
        runs = _last_two_runs(session, environment)
        if not runs:
            continue
        at_latest = _findings_at(session, settings, environment, runs[0])
        latest = {k: f for k, f in at_latest.items() if f.severity in severities}
        latest_key = f"{environment.value}:run {runs[0]}"
        for key, state in states.items():
            if key.startswith(f"{environment.value}:run ") and key != latest_key and state.active:
                listed: list[str] = state.detail.get("data", {}).get("finding_ids", [])
                if any(finding_id in latest for finding_id in listed):
                    found.append(_as_stored(state))
        if len(runs) < 2:
            continue
        before = _findings_at(session, settings, environment, runs[1])
        fresh = [
            f for k, f in latest.items() if not (k in before and before[k].severity in severities)
        ]
        if fresh:
            found.append(_condition(settings, environment, runs[0], runs[1], fresh, severities))
    return found


def _as_stored(state: AlertState) -> Condition:
    """A still-holding condition of an earlier run, as it was first reported."""
    stored: dict[str, Any] = state.detail.get("message", {})
    links = tuple(Link(link["label"], link["url"]) for link in stored.get("links", []))
    severity: Severity = "critical" if state.severity == "critical" else "error"
    message = Message(state.title, str(stored.get("body", "")), severity, links)
    return Condition(state.key, message, state.fingerprint, dict(state.detail.get("data", {})))


def _condition(
    settings: Settings,
    environment: Environment,
    run_id: int,
    previous: int,
    fresh: list[Any],
    severities: set[str],
) -> Condition:
    fresh.sort(key=lambda f: (ORDER.index(f.severity), f.title))
    lines = [
        f"- [{f.severity.upper()}] {f.title} — {finding_url(settings, environment, f)}"
        for f in fresh[:MAX_LISTED]
    ]
    if len(fresh) > MAX_LISTED:
        lines.append(f"… and {len(fresh) - MAX_LISTED} more on the Analysis page.")
    wanted = "/".join(s for s in ORDER if s in severities)
    count = f"{len(fresh)} new {wanted} finding{'' if len(fresh) == 1 else 's'}"
    body = (
        f"Run {run_id} of {environment.label} brought {count} compared with run {previous}:\n"
        + "\n".join(lines)
    )
    lowest = fresh[-1].severity
    message = Message(
        f"{environment.label}: {count}",
        body,
        "critical" if fresh[0].severity == "critical" else "error",
        (_analysis_link(settings, environment, lowest),),
    )
    data = {"finding_ids": sorted(f.id for f in fresh), "run_id": run_id}
    return Condition(f"{environment.value}:run {run_id}", message, f"run {run_id}", data)


def new_findings_cleared(
    session: Session, settings: Settings, state: AlertState, now: datetime
) -> Message:
    env_name, _, run = state.key.partition(":")
    environment = Environment(env_name)
    listed = len(state.detail.get("data", {}).get("finding_ids", []))
    body = (
        f"None of the {listed} finding{'' if listed == 1 else 's'} reported for {run} of "
        f"{environment.label} remains at its latest run."
    )
    link = _analysis_link(settings, environment, "high")
    return Message(f"{environment.label}: reported findings resolved", body, "success", (link,))
