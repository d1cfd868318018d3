"""A finding's life: open → acknowledged → accepted risk (a reason and an expiry date; it reopens
when the date passes) — and resolved by the runs themselves: when a later run no longer has it
(reopened if it comes back). A finding has an owner and comments; every change is an event
(``finding_events``) and goes to the audit log.

Runs are reconciled with the states the first time their findings are asked for (the findings
page, the API, the CLI, alerts): :func:`ensure_reconciled` does it once per set of inputs, in a
write transaction of its own, so a reading request never holds SQLite's write lock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Engine, or_, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from odoobridge.access.findings.base import Finding
from odoobridge.access.findings.models import (
    STATUSES,
    FindingEvent,
    FindingReconciliation,
    FindingState,
    FindingStatus,
)
from odoobridge.auth.accounts import account_by_email
from odoobridge.auth.audit import Origin, record
from odoobridge.errors import Conflict, NotFound, Unprocessable
from odoobridge.logs import get_logger, kv
from odoobridge.store.base import utcnow
from odoobridge.store.engine import write_session_on

SYSTEM = "system"  # how events made by the runs themselves name their actor
RECONCILE_WAIT = 2.0  # seconds a reader waits for the store's write lock to reconcile
log = get_logger(__name__)


@dataclass(frozen=True)
class Scope:
    """What one reconciliation covers: an environment's run and the other inputs it used."""

    key: str  # unique per (environment, run, other run, directory run, configuration)
    environments: frozenset[str]  # states these may resolve (the environment, and the pair)
    run_id: int
    at: datetime | None  # when the run completed


@dataclass(frozen=True)
class Reviewed:
    """A finding with where it stands."""

    finding: Finding
    status: str
    owner: str | None = None
    reason: str | None = None
    accepted_until: datetime | None = None
    first_seen_run_id: int | None = None
    first_seen_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.finding.as_dict(),
            "status": self.status,
            "owner": self.owner,
            "reason": self.reason,
            "accepted_until": self.accepted_until.isoformat() if self.accepted_until else None,
            "first_seen_run_id": self.first_seen_run_id,
            "first_seen_at": self.first_seen_at.isoformat() if self.first_seen_at else None,
        }


def end_of(day: date) -> datetime:
    """An acceptance ``until`` a day lasts through that day (UTC)."""
    return datetime.combine(day, time.max, tzinfo=UTC)


def as_finding(state: FindingState) -> Finding:
    """A finding as last seen (for one no run has any more)."""
    return Finding(
        id=state.finding_id,
        kind=state.kind,
        severity=state.severity,
        environment=state.environment,
        title=state.title,
        subject=state.subject,
        evidence=list(state.evidence),
        fix=state.fix,
        table=state.table,
    )


def check_status(status: str) -> str:
    if status not in STATUSES:
        raise Unprocessable(f"unknown status {status!r}: use {', '.join(STATUSES)}")
    return status


def effective_status(state: FindingState, now: datetime) -> str:
    """An accepted risk past its date reads open (the next reconciliation records it)."""
    if (
        state.status == FindingStatus.ACCEPTED_RISK
        and state.accepted_until is not None
        and state.accepted_until <= now
    ):
        return FindingStatus.OPEN
    return state.status


def reviewed(findings: Iterable[Finding], states: dict[str, FindingState]) -> list[Reviewed]:
    now = utcnow()
    found = []
    for finding in findings:
        state = states.get(finding.id)
        if state is None:
            found.append(Reviewed(finding, FindingStatus.OPEN))
            continue
        found.append(
            Reviewed(
                finding,
                effective_status(state, now),
                owner=state.owner,
                reason=state.reason,
                accepted_until=state.accepted_until,
                first_seen_run_id=state.first_seen_run_id,
                first_seen_at=state.first_seen_at,
            )
        )
    return found


def _event(session: Session, state: FindingState, actor: str, action: str, **fields: Any) -> None:
    session.add(FindingEvent(finding_id=state.finding_id, actor=actor, action=action, **fields))


def _move(
    session: Session, state: FindingState, to: str, actor: str, action: str, **fields: Any
) -> None:
    _event(session, state, actor, action, from_status=state.status, to_status=to, **fields)
    state.status = to
    state.updated_at, state.updated_by = utcnow(), actor


def reconcile(session: Session, scope: Scope, findings: list[Finding]) -> dict[str, FindingState]:
    """Bring the states in line with a run's findings: new ones open, returning ones reopen,
    accepted risks past their date reopen, and those the run no longer has are resolved."""
    now = utcnow()
    seen_at = scope.at or now
    current = {f.id: f for f in findings}
    query = select(FindingState).where(
        or_(
            FindingState.finding_id.in_(list(current)),
            FindingState.environment.in_(sorted(scope.environments)),
        )
    )
    states = {s.finding_id: s for s in session.scalars(query)}
    run = f"run {scope.run_id}"
    for finding in findings:
        state = states.get(finding.id)
        if state is None:
            state = FindingState(
                finding_id=finding.id,
                kind=finding.kind,
                severity=finding.severity,
                environment=finding.environment,
                title=finding.title,
                subject=finding.subject,
                evidence=finding.evidence,
                fix=finding.fix,
                table=finding.table,
                status=FindingStatus.OPEN,
                first_seen_run_id=scope.run_id,
                last_seen_run_id=scope.run_id,
                first_seen_at=seen_at,
                last_seen_at=seen_at,
                updated_at=now,
                updated_by=SYSTEM,
            )
            session.add(state)
            session.flush()
            _event(session, state, SYSTEM, "found", to_status=FindingStatus.OPEN, comment=run)
            states[finding.id] = state
            continue
        state.severity, state.title, state.subject = (
            finding.severity,
            finding.title,
            finding.subject,
        )
        state.last_seen_run_id, state.last_seen_at = scope.run_id, seen_at
        if state.status == FindingStatus.RESOLVED:
            state.resolved_at = None
            _move(
                session,
                state,
                FindingStatus.OPEN,
                SYSTEM,
                "reopened",
                comment=f"found again in {run}",
            )
        elif effective_status(state, now) != state.status:
            _move(
                session,
                state,
                FindingStatus.OPEN,
                SYSTEM,
                "reopened",
                comment="the accepted risk expired",
            )
    for state in states.values():
        if (
            state.finding_id not in current
            and state.environment in scope.environments
            and state.status != FindingStatus.RESOLVED
        ):
            state.resolved_at = now
            _move(
                session,
                state,
                FindingStatus.RESOLVED,
                SYSTEM,
                "resolved",
                comment=f"no longer found in {run}",
            )
    session.add(FindingReconciliation(key=scope.key, at=now))
    session.flush()
    return states


def _states(session: Session, scope: Scope, ids: list[str]) -> dict[str, FindingState]:
    query = select(FindingState).where(FindingState.finding_id.in_(ids))
    states = {s.finding_id: s for s in session.scalars(query)}
    for state in states.values():
        session.expunge(state)
    return states


def ensure_reconciled(
    session: Session, scope: Scope, findings: list[Finding]
) -> dict[str, FindingState]:
    """The states of ``findings``, reconciling the run first if nobody has yet — in a write
    transaction of its own (``session`` only reads). Reconciling is best-effort: when the store
    is busy (SQLite's write lock held, say by the caller's own transaction), the states are
    read as they are and the next reader reconciles."""
    ids = [f.id for f in findings]
    if session.get(FindingReconciliation, scope.key) is not None:
        return _states(session, scope, ids)
    engine = session.get_bind().engine
    assert isinstance(engine, Engine)
    try:
        with write_session_on(engine, busy_seconds=RECONCILE_WAIT) as writer:
            if writer.get(FindingReconciliation, scope.key) is None:
                reconcile(writer, scope, findings)
            return _states(writer, scope, ids)
    except IntegrityError:  # another process reconciled the same run meanwhile (PostgreSQL)
        pass
    except OperationalError as exc:  # the store is busy: read the states as they stand
        log.info("findings not reconciled now", extra=kv(run=scope.run_id, reason=str(exc.orig)))
    return _states(session, scope, ids)


# --- what people do -----------------------------------------------------------------------------


def get_state(session: Session, finding_id: str) -> FindingState:
    state = session.get(FindingState, finding_id)
    if state is None:
        raise NotFound(
            f"no finding {finding_id!r} has been recorded: `odoobridge findings` lists them"
        )
    return state


def _audit(
    session: Session,
    state: FindingState,
    actor: str,
    action: str,
    origin: Origin | None,
    **detail: Any,
) -> None:
    record(
        session,
        actor=actor,
        action=f"finding.{action}",
        target=state.finding_id,
        detail={"kind": state.kind, "status": state.status, **detail},
        origin=origin,
    )


def acknowledge(
    session: Session,
    finding_id: str,
    *,
    actor: str,
    comment: str | None = None,
    origin: Origin | None = None,
) -> FindingState:
    """Someone has seen it and will act: open → acknowledged."""
    state = get_state(session, finding_id)
    if effective_status(state, utcnow()) != FindingStatus.OPEN:
        raise Conflict(f"finding {finding_id} is {state.status}: only an open one is acknowledged")
    _move(session, state, FindingStatus.ACKNOWLEDGED, actor, "acknowledged", comment=comment)
    _audit(session, state, actor, "acknowledged", origin)
    return state


def accept_risk(
    session: Session,
    finding_id: str,
    *,
    actor: str,
    reason: str,
    until: datetime,
    origin: Origin | None = None,
) -> FindingState:
    """Keep it on purpose until a date, saying why; it reopens when the date passes."""
    state = get_state(session, finding_id)
    reason = " ".join((reason or "").split())
    if len(reason) < 10:
        raise Unprocessable("reason: say why the risk is accepted (10 characters or more)")
    if until <= utcnow():
        raise Unprocessable("until: the acceptance must end in the future")
    if state.status == FindingStatus.RESOLVED:
        raise Conflict(f"finding {finding_id} is resolved: there is no risk left to accept")
    state.reason, state.accepted_until = reason, until
    _move(
        session,
        state,
        FindingStatus.ACCEPTED_RISK,
        actor,
        "accepted",
        comment=reason,
        detail={"until": until.isoformat()},
    )
    _audit(session, state, actor, "accepted", origin, reason=reason, until=until.isoformat())
    return state


def reopen(
    session: Session,
    finding_id: str,
    *,
    actor: str,
    comment: str | None = None,
    origin: Origin | None = None,
) -> FindingState:
    """Take back an acknowledgement or an accepted risk."""
    state = get_state(session, finding_id)
    if state.status not in (FindingStatus.ACKNOWLEDGED, FindingStatus.ACCEPTED_RISK):
        raise Conflict(
            f"finding {finding_id} is {state.status}: only an acknowledged finding or an accepted "
            "risk is reopened (a resolved one reopens by itself if a run finds it again)"
        )
    state.reason, state.accepted_until = None, None
    _move(session, state, FindingStatus.OPEN, actor, "reopened", comment=comment)
    _audit(session, state, actor, "reopened", origin)
    return state


def assign(
    session: Session,
    finding_id: str,
    *,
    owner: str | None,
    actor: str,
    origin: Origin | None = None,
) -> FindingState:
    """Give the finding an owner (an OdooBridge account) or none."""
    state = get_state(session, finding_id)
    email = None
    if owner:
        account = account_by_email(session, owner)
        if account is None:
            raise Unprocessable(
                f"owner: no OdooBridge account {owner!r} (give an account's e-mail)"
            )
        email = account.email
    _event(session, state, actor, "assigned", detail={"from": state.owner, "to": email})
    state.owner, state.updated_at, state.updated_by = email, utcnow(), actor
    _audit(session, state, actor, "assigned", origin, owner=email)
    return state


def comment(
    session: Session, finding_id: str, *, text: str, actor: str, origin: Origin | None = None
) -> FindingState:
    state = get_state(session, finding_id)
    text = (text or "").strip()
    if not text or len(text) > 4000:
        raise Unprocessable("comment: write 1 to 4,000 characters")
    _event(session, state, actor, "commented", comment=text)
    state.updated_at, state.updated_by = utcnow(), actor
    _audit(session, state, actor, "commented", origin)
    return state


def events(session: Session, finding_id: str) -> list[FindingEvent]:
    get_state(session, finding_id)
    query = select(FindingEvent).where(FindingEvent.finding_id == finding_id)
    return list(session.scalars(query.order_by(FindingEvent.id)))
