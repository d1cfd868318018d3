"""Proposals: a write to Odoo described, checked and stored, waiting for someone to confirm it.

Making a proposal validates the payload, resolves what it refers to in Odoo (:mod:`.drafts`)
and stores ``{op, payload: {model, method, values[, ids]}}`` operations, each within the
allow-list below — the gateway never unlinks. Every text a write leaves in Odoo starts with the
audit tag ``[<ODOOBRIDGE_GATEWAY_NAME> Case: <case_id>]``. Proposals live in the store (they survive
restarts), expire after ``ODOOBRIDGE_GATEWAY_PROPOSAL_TTL_MINUTES`` and are run by
:mod:`odoobridge.gateway.execute`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from odoobridge.auth.audit import Origin, record
from odoobridge.auth.principal import Principal
from odoobridge.auth.roles import Role
from odoobridge.errors import Conflict, Forbidden, NotFound
from odoobridge.gateway.models import Proposal, ProposalStatus
from odoobridge.settings import Settings
from odoobridge.store.base import utcnow
from odoobridge.store.engine import Store

# The only calls the gateway makes that change Odoo. Never unlink, never anything else.
ALLOWED_CALLS = frozenset(
    {
        ("res.partner", "create"),
        ("res.partner", "write"),
        ("crm.lead", "create"),
        ("project.project", "create"),
        ("project.task", "create"),
        ("mail.activity", "create"),
        ("calendar.event", "create"),
    }
)


def check_allowed(model: str, method: str) -> None:
    """Refuse (403) any call outside the allow-list."""
    if (model, method) not in ALLOWED_CALLS:
        allowed = ", ".join(f"{m}.{c}" for m, c in sorted(ALLOWED_CALLS))
        raise Forbidden(
            f"the gateway refuses {model}.{method}: it only calls {allowed} (it never unlinks)"
        )


def audit_tag(settings: Settings, case_id: str) -> str:
    return f"[{settings.gateway_name} Case: {case_id}]"


def tagged(tag: str, text: str | None) -> str:
    return f"{tag} {text}" if text else tag


@dataclass
class Draft:
    """A proposal before it is stored: what it will do, said for a person and for Odoo."""

    kind: str
    summary: str
    case_id: str
    operations: list[dict[str, Any]] = field(default_factory=list)

    def add(
        self, op: str, model: str, method: str, values: dict[str, Any], ids: list[int] | None = None
    ) -> None:
        check_allowed(model, method)
        payload: dict[str, Any] = {"model": model, "method": method, "values": values}
        if ids is not None:
            payload["ids"] = ids
        self.operations.append({"op": op, "payload": payload})


def given(**values: Any) -> dict[str, Any]:
    """The values that were sent (None means "not given")."""
    return {k: v for k, v in values.items() if v is not None}


# --- the store ---------------------------------------------------------------------------------


def store_proposal(
    session: Session, settings: Settings, draft: Draft, *, actor: str, origin: Origin | None = None
) -> Proposal:
    """Save the draft as a pending proposal and write the audit event."""
    now = utcnow()
    proposal = Proposal(
        id=secrets.token_hex(8),
        kind=draft.kind,
        summary=draft.summary,
        operations=draft.operations,
        case_id=draft.case_id,
        proposed_by=actor,
        created_at=now,
        expires_at=now + timedelta(minutes=settings.gateway_proposal_ttl_minutes),
        status=ProposalStatus.PENDING,
    )
    session.add(proposal)
    session.flush()
    record(
        session,
        actor=actor,
        action="gateway.propose",
        target=f"proposal:{proposal.id}",
        detail={
            "kind": draft.kind,
            "case_id": draft.case_id,
            "summary": draft.summary,
            "operations": len(draft.operations),
            "proposed_by": actor,
        },
        origin=origin,
    )
    return proposal


def save_proposal(
    store: Store, settings: Settings, draft: Draft, *, actor: str, origin: Origin | None = None
) -> dict[str, Any]:
    """Store the draft in a write transaction of its own and answer it as the API shows it. Its
    own transaction: on SQLite a session that has read (the caller's key) before Odoo was asked
    may no longer take the write lock."""
    with store.write_session() as session:
        return store_proposal(session, settings, draft, actor=actor, origin=origin).as_dict()


def expire_due(session: Session, now: datetime | None = None) -> int:
    """Mark pending proposals past their time as expired; how many were."""
    result = session.execute(
        update(Proposal)
        .where(Proposal.status == ProposalStatus.PENDING, Proposal.expires_at <= (now or utcnow()))
        .values(status=ProposalStatus.EXPIRED)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def get_proposal(session: Session, proposal_id: str) -> Proposal:
    proposal = session.get(Proposal, proposal_id)
    if proposal is None:
        raise NotFound(f"there is no proposal {proposal_id}: GET /odoo/proposals lists them")
    return proposal


def list_proposals(
    session: Session, *, status: str = ProposalStatus.PENDING, limit: int = 100, offset: int = 0
) -> dict[str, Any]:
    """``{"count": matches in all, "proposals": [...]}``, newest first. Reads only: a pending
    proposal past its time counts as expired."""
    now = utcnow()
    query = select(Proposal)
    if status == ProposalStatus.PENDING:
        query = query.where(Proposal.status == status, Proposal.expires_at > now)
    elif status == ProposalStatus.EXPIRED:
        query = query.where(
            or_(
                Proposal.status == status,
                and_(Proposal.status == ProposalStatus.PENDING, Proposal.expires_at <= now),
            )
        )
    elif status != "all":
        query = query.where(Proposal.status == status)
    count = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    found = session.scalars(
        query.order_by(Proposal.created_at.desc(), Proposal.id).limit(limit).offset(offset)
    )
    return {"count": count, "proposals": [p.as_dict() for p in found]}


def why_not_pending(proposal: Proposal) -> str:
    """Why this proposal cannot be run or cancelled any more, for a 409."""
    pid, status = proposal.id, proposal.status
    when = proposal.executed_at.isoformat() if proposal.executed_at else ""
    return {
        ProposalStatus.EXECUTING: f"proposal {pid} is being executed (confirmed by "
        f"{proposal.confirmed_by}); it runs at most once",
        ProposalStatus.EXECUTED: f"proposal {pid} was already executed at {when} (confirmed by "
        f"{proposal.confirmed_by}); it runs at most once",
        ProposalStatus.FAILED: f"proposal {pid} already ran and failed at {when}; it runs at "
        "most once: propose it again",
        ProposalStatus.PARTIALLY_FAILED: f"proposal {pid} already ran at {when} and partly "
        "failed; it runs at most once: see its results, then propose what is missing",
        ProposalStatus.CANCELLED: f"proposal {pid} was cancelled: propose it again",
        ProposalStatus.EXPIRED: f"proposal {pid} expired at {proposal.expires_at.isoformat()}: "
        "propose it again",
    }.get(status, f"proposal {pid} is {status}")


def cancel_proposal(
    session: Session,
    proposal_id: str,
    *,
    actor: str,
    may_cancel_any: bool,
    origin: Origin | None = None,
) -> dict[str, Any]:
    """Cancel a pending proposal: its proposer may, and whoever may execute proposals. Give a
    session from ``store.write_session()`` (SQLite's write lock taken at its start)."""
    expire_due(session)
    proposal = get_proposal(session, proposal_id)
    if proposal.proposed_by != actor and not may_cancel_any:
        raise Forbidden(
            f"proposal {proposal_id} was made by {proposal.proposed_by}: only they, or someone "
            "who may execute proposals, may cancel it"
        )
    result = session.execute(
        update(Proposal)
        .where(Proposal.id == proposal_id, Proposal.status == ProposalStatus.PENDING)
        .values(status=ProposalStatus.CANCELLED)
    )
    if not getattr(result, "rowcount", 0):
        session.refresh(proposal)
        raise Conflict(why_not_pending(proposal))
    record(
        session,
        actor=actor,
        action="gateway.cancel",
        target=f"proposal:{proposal_id}",
        detail={
            "case_id": proposal.case_id,
            "summary": proposal.summary,
            "proposed_by": proposal.proposed_by,
            "cancelled_by": actor,
        },
        origin=origin,
    )
    return {"status": ProposalStatus.CANCELLED, "proposal_id": proposal_id}


def may_cancel_any(principal: Principal) -> bool:
    """Whether ``principal`` may cancel anyone's proposal: whoever may execute proposals (an
    admin; a key also needs the gateway:execute scope)."""
    return principal.allows(Role.ADMIN) and (
        principal.kind != "api_key" or "gateway:execute" in principal.scopes
    )


def cancel_as(
    store: Store, proposal_id: str, principal: Principal, origin: Origin | None = None
) -> dict[str, Any]:
    """Cancel a pending proposal on behalf of ``principal`` (its own write transaction)."""
    with store.write_session() as session:
        return cancel_proposal(
            session,
            proposal_id,
            actor=principal.actor,
            may_cancel_any=may_cancel_any(principal),
            origin=origin,
        )
