"""The alert rules about runs and the gateway: a failed sync, a stale source, the Entra delta
link near its expiry, a proposal stuck in ``executing`` (new findings: :mod:`alert_findings`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from odoobridge.auth.models import AuditEvent
from odoobridge.directory.reading import DELTA_LINK_LIFETIME
from odoobridge.directory.state import latest_directory_run
from odoobridge.directory.sync import saved_delta_link
from odoobridge.gateway.models import Proposal, ProposalStatus
from odoobridge.notify import Link, Message
from odoobridge.ops.alert_condition import Condition, base_url, integrations_link, when
from odoobridge.ops.alert_config import AlertRule
from odoobridge.ops.models import AlertState
from odoobridge.settings import Settings
from odoobridge.sync.models import RunStatus, SyncRun
from odoobridge.sync.runs import latest_success
from odoobridge.sync.status import SOURCES

# Runs of our own that no rule watches (the alert evaluation itself).
IGNORED_RUN_TYPES = frozenset({"alerts"})
States = Mapping[str, AlertState]


def _label(sync_type: str, environment: str | None) -> str:
    for source in SOURCES:
        if (source.sync_type, source.environment) == (sync_type, environment):
            return source.label
    return f"{sync_type} ({environment})" if environment else sync_type


def _key(sync_type: str, environment: str | None) -> str:
    return f"{sync_type}:{environment or '-'}"


def _split(key: str) -> tuple[str, str | None]:
    sync_type, _, environment = key.partition(":")
    return sync_type, None if environment in {"", "-"} else environment


def _run_pairs(session: Session) -> list[tuple[str, str | None]]:
    pairs = session.execute(select(SyncRun.sync_type, SyncRun.environment).distinct()).all()
    kept = [(t, e) for t, e in pairs if t not in IGNORED_RUN_TYPES]
    return sorted(kept, key=lambda pair: (pair[0], pair[1] or ""))


def _in_environment(environment: str | None) -> ColumnElement[bool]:
    column = SyncRun.environment
    return column.is_(None) if environment is None else column == environment


def _latest_finished(session: Session, sync_type: str, environment: str | None) -> SyncRun | None:
    query = select(SyncRun).where(
        SyncRun.sync_type == sync_type,
        SyncRun.status != RunStatus.RUNNING,
        _in_environment(environment),
    )
    return session.scalars(query.order_by(SyncRun.id.desc()).limit(1)).first()


# --- sync_failed -----------------------------------------------------------------------------


def sync_failed(
    session: Session, settings: Settings, rule: AlertRule, now: datetime, states: States
) -> list[Condition]:
    """One condition per sync type and environment whose latest finished run failed."""
    found: list[Condition] = []
    for sync_type, environment in _run_pairs(session):
        run = _latest_finished(session, sync_type, environment)
        if run is None or run.status != RunStatus.FAILED:
            continue
        label = _label(sync_type, environment)
        body = (
            f"Run {run.id} of {label} (started by {run.triggered_by}) failed at "
            f"{when(run.completed_at)}:\n{run.error or 'no error recorded'}"
        )
        link = integrations_link(settings, environment)
        message = Message(f"{label}: sync failed", body, "error", (link,))
        found.append(Condition(_key(sync_type, environment), message, data={"run_id": run.id}))
    return found


def sync_failed_cleared(
    session: Session, settings: Settings, state: AlertState, now: datetime
) -> Message:
    sync_type, environment = _split(state.key)
    success = latest_success(session, sync_type, environment)
    label = _label(sync_type, environment)
    body = (
        f"Run {success.id} of {label} succeeded at {when(success.completed_at)}."
        if success is not None
        else f"{label} has no failed run left in its history."
    )
    link = integrations_link(settings, environment)
    return Message(f"{label}: syncing again", body, "success", (link,))


# --- stale_source ----------------------------------------------------------------------------


def _first_started(session: Session, sync_type: str, environment: str | None) -> datetime | None:
    query = select(func.min(SyncRun.started_at)).where(SyncRun.sync_type == sync_type)
    return session.scalar(query.where(_in_environment(environment)))


def stale_source(
    session: Session, settings: Settings, rule: AlertRule, now: datetime, states: States
) -> list[Condition]:
    """A data source (Odoo per environment, Entra) without a successful sync within its hours,
    counted from its last success — or, never successful, from its first run. Watched once it
    has run, or when the rule's ``sources`` names it (then never synced is stale at once)."""
    limits: dict[str, float] = dict(rule.options.get("sources") or {})
    found: list[Condition] = []
    for source in SOURCES:
        key = _key(source.sync_type, source.environment)
        named = limits.get(key, limits.get(source.sync_type))  # "odoo_postgres:PROD", "azure_users"
        first = _first_started(session, source.sync_type, source.environment)
        if first is None and named is None:
            continue
        hours = float(named if named is not None else rule.options["hours"])
        success = latest_success(session, source.sync_type, source.environment)
        finished = success.completed_at if success is not None else None
        since = finished or first
        if since is not None and now - since <= timedelta(hours=hours):
            continue
        if finished is not None:
            ago = (now - finished).total_seconds() / 3600
            last = f"the last one finished {when(finished)} ({ago:.1f} hours ago)"
        else:
            last = "it has never synced successfully"
        body = (
            f"{source.label} has had no successful sync within {hours:g} hours: {last}. "
            "Check its schedule (ODOOBRIDGE_SCHEDULE) and its latest run."
        )
        title = f"{source.label}: no successful sync for {hours:g} h"
        link = integrations_link(settings, source.environment)
        message = Message(title, body, "warning", (link,))
        found.append(Condition(key, message, data={"hours": hours}))
    return found


def stale_source_cleared(
    session: Session, settings: Settings, state: AlertState, now: datetime
) -> Message:
    sync_type, environment = _split(state.key)
    success = latest_success(session, sync_type, environment)
    label = _label(sync_type, environment)
    finished = success.completed_at if success is not None else None
    link = integrations_link(settings, environment)
    body = f"{label} synced successfully at {when(finished)}."
    return Message(f"{label}: fresh again", body, "success", (link,))


# --- delta_link ------------------------------------------------------------------------------


def delta_link(
    session: Session, settings: Settings, rule: AlertRule, now: datetime, states: States
) -> list[Condition]:
    """The delta link the latest Entra sync saved is within ``warn_days`` of Graph's ~7 days."""
    saved = saved_delta_link(session, latest_directory_run(session))
    if saved is None:
        return []
    age = now - saved.obtained_at
    if age < DELTA_LINK_LIFETIME - timedelta(days=float(rule.options["warn_days"])):
        return []
    expires = saved.obtained_at + DELTA_LINK_LIFETIME
    if now >= expires:
        what = f"expired at {when(expires)}: the next Entra sync lists every user again"
    else:
        what = f"expires about {when(expires)}: sync before then to stay incremental"
    body = (
        f"The Entra delta link saved at {when(saved.obtained_at)} is {age.days} days old and "
        f"{what} (`odoobridge sync azure`, or schedule azure_users in ODOOBRIDGE_SCHEDULE)."
    )
    title = "Microsoft Entra ID: delta link about to expire"
    message = Message(title, body, "warning", (integrations_link(settings, None),))
    return [Condition("azure_users", message, saved.obtained_at.isoformat())]


def delta_link_cleared(
    session: Session, settings: Settings, state: AlertState, now: datetime
) -> Message:
    saved = saved_delta_link(session, latest_directory_run(session))
    body = (
        f"A new delta link was saved at {when(saved.obtained_at)}."
        if saved is not None
        else "No delta link is kept any more (each Entra sync lists every user)."
    )
    link = integrations_link(settings, None)
    return Message("Microsoft Entra ID: delta link renewed", body, "success", (link,))


# --- stuck_proposals -------------------------------------------------------------------------


def _claimed_at(session: Session, proposal: Proposal) -> datetime:
    """When the proposal was claimed: its ``gateway.confirm`` audit event, written in the same
    transaction as the move to ``executing``."""
    at = session.scalar(
        select(func.max(AuditEvent.at)).where(
            AuditEvent.action == "gateway.confirm", AuditEvent.target == f"proposal:{proposal.id}"
        )
    )
    return at if at is not None else proposal.created_at


def _proposal_link(settings: Settings, proposal_id: str) -> Link:
    return Link("The proposal", f"{base_url(settings)}/odoo/proposals/{proposal_id}")


def stuck_proposals(
    session: Session, settings: Settings, rule: AlertRule, now: datetime, states: States
) -> list[Condition]:
    """One condition per proposal executing for longer than ``minutes``."""
    limit = timedelta(minutes=int(rule.options["minutes"]))
    executing = session.scalars(
        select(Proposal).where(Proposal.status == ProposalStatus.EXECUTING).order_by(Proposal.id)
    )
    found: list[Condition] = []
    for proposal in executing:
        since = _claimed_at(session, proposal)
        if now - since < limit:
            continue
        body = (
            f"Proposal {proposal.id} ({proposal.summary}; case {proposal.case_id}, proposed by "
            f"{proposal.proposed_by}, confirmed by {proposal.confirmed_by or '?'}) has been "
            f"executing since {when(since)}. Its outcome in Odoo is unknown and the gateway "
            "never runs it again: check in Odoo which of its writes were made."
        )
        title = f"Gateway proposal {proposal.id} stuck in executing"
        link = _proposal_link(settings, proposal.id)
        found.append(Condition(f"proposal:{proposal.id}", Message(title, body, "error", (link,))))
    return found


def stuck_proposals_cleared(
    session: Session, settings: Settings, state: AlertState, now: datetime
) -> Message:
    proposal_id = state.key.split(":", 1)[1]
    proposal = session.get(Proposal, proposal_id)
    status = proposal.status if proposal is not None else "gone"
    title = f"Gateway proposal {proposal_id} no longer executing"
    body = f"Proposal {proposal_id} is now {status}."
    return Message(title, body, "success", (_proposal_link(settings, proposal_id),))
