"""Running a confirmed proposal — at most once, whatever happens.

1. *Claim*, in a transaction of its own, committed before anything is sent to Odoo: a conditional
   ``UPDATE … SET status = 'executing' WHERE id = … AND status = 'pending' AND expires_at > now``.
   Of two racing calls exactly one changes the row (PostgreSQL re-checks the condition after the
   row lock; SQLite's write lock is taken when the transaction starts); the other gets 409.
2. *Run* the operations in order. The first that fails stops the run: its result carries Odoo's
   message, the ones after it are marked not run, the ones before it keep their record ids.
   Nothing is retried here (the client never re-sends a write whose outcome is unknown).
3. *Record*, in a second transaction: the results, ``executed_at`` and the final status —
   ``executed``, ``failed`` (nothing applied) or ``partially_failed`` — and the audit event
   naming who proposed and who confirmed.

A proposal whose run is cut off between 1 and 3 stays ``executing``: its outcome is unknown and
the gateway never runs it again. When Odoo was written but the store will not take step 3 (retried
a few times), the caller still gets what ran, with ``recorded: false``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError

from odoobridge.auth.audit import Origin, record
from odoobridge.errors import AppError, Conflict, Forbidden
from odoobridge.gateway.models import Proposal, ProposalStatus
from odoobridge.gateway.proposals import check_allowed, expire_due, get_proposal, why_not_pending
from odoobridge.logs import get_logger, kv
from odoobridge.settings import Settings
from odoobridge.sources.odoo_rpc import OdooOutcomeUnknown, OdooRpcClient
from odoobridge.store.base import utcnow
from odoobridge.store.engine import Store

log = get_logger(__name__)


@dataclass
class OperationResult:
    """What became of one operation of a proposal (stored in ``gateway_proposals.results``)."""

    op: str
    model: str
    method: str
    success: bool | None = None  # None: not run yet
    record_id: int | list[int] | None = None
    skipped: bool = False  # not run: an earlier operation failed
    error: str | None = None
    error_type: str | None = None
    odoo_message: str | None = None
    outcome_unknown: bool = False  # sent, no answer: it may have been applied
    operation: int | None = None  # the failing operation's position, 1-based

    def as_dict(self) -> dict[str, Any]:
        """The stored and answered shape: the optional keys only when they say something."""
        found: dict[str, Any] = {"op": self.op, "model": self.model, "method": self.method}
        if self.record_id is not None:
            found["record_id"] = self.record_id
        if self.success is not None:
            found["success"] = self.success
        if self.skipped:
            found["skipped"] = True
        for name in ("error", "error_type", "odoo_message"):
            if getattr(self, name) is not None:
                found[name] = getattr(self, name)
        if self.outcome_unknown:
            found["outcome_unknown"] = True
        if self.operation is not None:
            found["operation"] = self.operation
        return found


@dataclass
class Execution:
    """The answer of an execution: every operation's result and the proposal's final status."""

    proposal_id: str
    case_id: str
    status: str
    proposed_by: str
    confirmed_by: str
    executed_at: datetime
    results: list[OperationResult]
    detail: str | None = None  # set when an operation failed
    recorded: bool = True  # False: Odoo was written but the store could not record it

    def as_dict(self) -> dict[str, Any]:
        answer: dict[str, Any] = {
            "proposal_id": self.proposal_id,
            "case_id": self.case_id,
            "status": self.status,
            "proposed_by": self.proposed_by,
            "confirmed_by": self.confirmed_by,
            "executed_at": self.executed_at.isoformat(),
            "results": [r.as_dict() for r in self.results],
        }
        if self.detail is not None:
            answer["detail"] = self.detail
        if not self.recorded:
            answer["recorded"] = False
        return answer


class ExecutionFailed(AppError):
    """An operation of a proposal failed; ``execution`` holds the full results (which
    succeeded)."""

    def __init__(self, message: str, status: int, execution: Execution) -> None:
        super().__init__(message)
        self.status = status
        self.execution = execution


@dataclass(frozen=True)
class Claimed:
    """A proposal moved to ``executing``: what the run needs of it."""

    case_id: str
    proposed_by: str
    operations: list[dict[str, Any]]


def claim(
    store: Store, settings: Settings, proposal_id: str, *, actor: str, origin: Origin | None
) -> Claimed:
    """Move the proposal from pending to executing for ``actor`` (committed), or refuse."""
    refused: Forbidden | None = None
    with store.write_session() as session:
        expire_due(session)
        proposal = get_proposal(session, proposal_id)
        if proposal.status != ProposalStatus.PENDING:
            raise Conflict(why_not_pending(proposal))
        if settings.gateway_separate_confirmer and proposal.proposed_by == actor:
            raise Forbidden(
                f"proposal {proposal_id} was made by {actor}: someone else must confirm it "
                "(ODOOBRIDGE_GATEWAY_SEPARATE_CONFIRMER is on)"
            )
        operations = list(proposal.operations)
        for index, operation in enumerate(operations, 1):
            payload = operation.get("payload", {})
            try:
                check_allowed(str(payload.get("model")), str(payload.get("method")))
            except Forbidden as exc:
                refused = Forbidden(f"operation {index} of proposal {proposal_id}: {exc.message}")
                break
        now = utcnow()
        result = session.execute(
            update(Proposal)
            .where(
                Proposal.id == proposal_id,
                Proposal.status == ProposalStatus.PENDING,
                Proposal.expires_at > now,
            )
            .values(
                status=ProposalStatus.FAILED if refused else ProposalStatus.EXECUTING,
                confirmed_by=actor,
                executed_at=now if refused else None,
                results=[{"success": False, "error": refused.message}] if refused else None,
            )
        )
        if not getattr(result, "rowcount", 0):
            session.refresh(proposal)
            raise Conflict(why_not_pending(proposal))
        record(
            session,
            actor=actor,
            action="gateway.refuse" if refused else "gateway.confirm",
            target=f"proposal:{proposal_id}",
            detail={
                "case_id": proposal.case_id,
                "summary": proposal.summary,
                "proposed_by": proposal.proposed_by,
                "confirmed_by": actor,
                **({"error": refused.message} if refused else {}),
            },
            origin=origin,
        )
        claimed = Claimed(proposal.case_id, proposal.proposed_by, operations)
    if refused is not None:
        raise refused
    return claimed


def run_operations(
    client: OdooRpcClient, operations: list[dict[str, Any]], results: list[OperationResult]
) -> AppError | None:
    """Run in order, appending one result per operation; the error that stopped the run."""
    failure: AppError | None = None
    for index, operation in enumerate(operations, 1):
        payload = operation["payload"]
        model, method = str(payload["model"]), str(payload["method"])
        result = OperationResult(op=operation["op"], model=model, method=method)
        results.append(result)
        if failure is not None:
            result.success, result.skipped = False, True
            result.error = "not run: an earlier operation failed"
            continue
        try:
            check_allowed(model, method)
            if method == "create":
                result.record_id = client.create(model, payload["values"])
            else:
                ids = [int(i) for i in payload["ids"]]
                client.write(model, ids, payload["values"])
                result.record_id = ids[0] if len(ids) == 1 else ids
            result.success = True
        except AppError as exc:
            failure = exc
            odoo_message = getattr(exc, "odoo_message", "") or None
            result.success, result.error = False, exc.message
            result.error_type = type(exc).__name__
            if odoo_message and odoo_message not in exc.message:
                result.odoo_message = odoo_message
            result.outcome_unknown = isinstance(exc, OdooOutcomeUnknown)
            result.operation = index
    return failure


def final_status(results: list[OperationResult]) -> str:
    if all(r.success for r in results):
        return ProposalStatus.EXECUTED
    if any(r.success for r in results):
        return ProposalStatus.PARTIALLY_FAILED
    return ProposalStatus.FAILED


RECORD_ATTEMPTS = 3


def finish(store: Store, proposal_id: str, execution: Execution, *, origin: Origin | None) -> None:
    """Record the run's results and status, with the audit event. Odoo was written already, so
    a store that refuses (SQLite busy past its timeout, a dropped connection) is retried a few
    times; when it still refuses, the answer says so (``recorded: false``) instead of hiding
    what ran, and the proposal stays ``executing`` (outcome unknown: never run again)."""
    results = [r.as_dict() for r in execution.results]
    for attempt in range(1, RECORD_ATTEMPTS + 1):
        try:
            with store.write_session() as session:
                proposal = get_proposal(session, proposal_id)
                proposal.status = execution.status
                proposal.results = results
                proposal.executed_at = execution.executed_at
                record(
                    session,
                    actor=execution.confirmed_by,
                    action="gateway.execute",
                    target=f"proposal:{proposal_id}",
                    detail={
                        "case_id": execution.case_id,
                        "status": execution.status,
                        "proposed_by": execution.proposed_by,
                        "confirmed_by": execution.confirmed_by,
                        "results": [
                            {k: r.get(k) for k in ("op", "model", "success", "record_id")}
                            for r in results
                        ],
                    },
                    origin=origin,
                )
            return
        except SQLAlchemyError:
            log.warning(
                "could not record an execution",
                extra=kv(proposal=proposal_id, attempt=attempt),
                exc_info=attempt == RECORD_ATTEMPTS,
            )
            if attempt < RECORD_ATTEMPTS:
                time.sleep(0.2 * attempt)
    execution.recorded = False


def execute_proposal(
    store: Store,
    client: OdooRpcClient,
    settings: Settings,
    proposal_id: str,
    *,
    actor: str,
    origin: Origin | None = None,
) -> Execution:
    """Run a pending proposal once; the answer lists each operation's result. When one failed,
    raise :class:`ExecutionFailed` (its status is the failure's) carrying the same answer."""
    claimed = claim(store, settings, proposal_id, actor=actor, origin=origin)
    results: list[OperationResult] = []

    def execution() -> Execution:
        return Execution(
            proposal_id=proposal_id,
            case_id=claimed.case_id,
            status=final_status(results),
            proposed_by=claimed.proposed_by,
            confirmed_by=actor,
            executed_at=utcnow(),
            results=results,
        )

    try:
        failure = run_operations(client, claimed.operations, results)
    except BaseException as exc:  # a bug: still record what was applied, then let it surface
        if results and results[-1].success is None:
            results[-1].success = False
            results[-1].error = f"internal error ({type(exc).__name__})"
        finish(store, proposal_id, execution(), origin=origin)
        raise
    answer = execution()
    finish(store, proposal_id, answer, origin=origin)
    if failure is None:
        return answer
    failed = next(r for r in results if r.success is False and not r.skipped)
    done = sum(1 for r in results if r.success)
    answer.detail = (
        f"operation {failed.operation} of {len(results)} ({failed.op}) failed: "
        f"{failed.error}; {done} applied before it"
    )
    raise ExecutionFailed(answer.detail, failure.status, answer)
