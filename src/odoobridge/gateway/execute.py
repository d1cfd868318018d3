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
the gateway never runs it again.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from odoobridge.auth.audit import Origin, record
from odoobridge.errors import AppError, Conflict, Forbidden
from odoobridge.gateway.models import Proposal, ProposalStatus
from odoobridge.gateway.proposals import check_allowed, expire_due, get_proposal, why_not_pending
from odoobridge.settings import Settings
from odoobridge.sources.odoo_rpc import OdooOutcomeUnknown, OdooRpcClient
from odoobridge.store.base import utcnow
from odoobridge.store.engine import Store


class ExecutionFailed(AppError):
    """An operation of a proposal failed; ``answer`` holds the full results (which succeeded)."""

    def __init__(self, message: str, status: int, answer: dict[str, Any]) -> None:
        super().__init__(message)
        self.status = status
        self.answer = answer


def claim(store: Store, settings: Settings, proposal_id: str, *, actor: str,
          origin: Origin | None) -> list[dict[str, Any]]:  # fmt: skip
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
            session, actor=actor,
            action="gateway.refuse" if refused else "gateway.confirm",
            target=f"proposal:{proposal_id}",
            detail={"case_id": proposal.case_id, "summary": proposal.summary,
                    "proposed_by": proposal.proposed_by, "confirmed_by": actor,
                    **({"error": refused.message} if refused else {})},
            origin=origin,
        )  # fmt: skip
    if refused is not None:
        raise refused
    return operations


def run_operations(client: OdooRpcClient, operations: list[dict[str, Any]],
                   results: list[dict[str, Any]]) -> AppError | None:  # fmt: skip
    """Run in order, appending one result per operation; the error that stopped the run."""
    failure: AppError | None = None
    for index, operation in enumerate(operations, 1):
        payload = operation["payload"]
        model, method = str(payload["model"]), str(payload["method"])
        result: dict[str, Any] = {"op": operation["op"], "model": model, "method": method}
        results.append(result)
        if failure is not None:
            result.update(success=False, skipped=True, error="not run: an earlier operation failed")
            continue
        try:
            check_allowed(model, method)
            if method == "create":
                result["record_id"] = client.create(model, payload["values"])
            else:
                ids = [int(i) for i in payload["ids"]]
                client.write(model, ids, payload["values"])
                result["record_id"] = ids[0] if len(ids) == 1 else ids
            result["success"] = True
        except AppError as exc:
            failure = exc
            odoo_message = getattr(exc, "odoo_message", "") or None
            result.update(success=False, error=exc.message, error_type=type(exc).__name__)
            if odoo_message and odoo_message not in exc.message:
                result["odoo_message"] = odoo_message
            if isinstance(exc, OdooOutcomeUnknown):
                result["outcome_unknown"] = True
            result["operation"] = index
    return failure


def final_status(results: list[dict[str, Any]]) -> str:
    if all(r.get("success") for r in results):
        return ProposalStatus.EXECUTED
    if any(r.get("success") for r in results):
        return ProposalStatus.PARTIALLY_FAILED
    return ProposalStatus.FAILED


def finish(store: Store, proposal_id: str, results: list[dict[str, Any]], *, actor: str,
           origin: Origin | None) -> dict[str, Any]:  # fmt: skip
    """Record the run's results and status, with the audit event; the execution answer."""
    status = final_status(results)
    with store.session() as session:
        proposal = get_proposal(session, proposal_id)
        proposal.status = status
        proposal.results = results
        proposal.executed_at = utcnow()
        record(
            session, actor=actor, action="gateway.execute", target=f"proposal:{proposal_id}",
            detail={"case_id": proposal.case_id, "status": status,
                    "proposed_by": proposal.proposed_by, "confirmed_by": actor,
                    "results": [{k: r.get(k) for k in ("op", "model", "success", "record_id")}
                                for r in results]},
            origin=origin,
        )  # fmt: skip
        return {
            "proposal_id": proposal.id,
            "case_id": proposal.case_id,
            "status": status,
            "proposed_by": proposal.proposed_by,
            "confirmed_by": actor,
            "executed_at": proposal.executed_at.isoformat(),
            "results": results,
        }


def execute_proposal(store: Store, client: OdooRpcClient, settings: Settings, proposal_id: str,
                     *, actor: str, origin: Origin | None = None) -> dict[str, Any]:  # fmt: skip
    """Run a pending proposal once; the answer lists each operation's result. When one failed,
    raise :class:`ExecutionFailed` (its status is the failure's) carrying the same answer."""
    operations = claim(store, settings, proposal_id, actor=actor, origin=origin)
    results: list[dict[str, Any]] = []
    try:
        failure = run_operations(client, operations, results)
    except BaseException as exc:  # a bug: still record what was applied, then let it surface
        if results and "success" not in results[-1]:
            results[-1].update(success=False, error=f"internal error ({type(exc).__name__})")
        finish(store, proposal_id, results, actor=actor, origin=origin)
        raise
    answer = finish(store, proposal_id, results, actor=actor, origin=origin)
    if failure is None:
        return answer
    failed = next(r for r in results if r.get("success") is False and not r.get("skipped"))
    done = sum(1 for r in results if r.get("success"))
    message = (
        f"operation {failed['operation']} of {len(results)} ({failed['op']}) failed: "
        f"{failed['error']}; {done} applied before it"
    )
    answer["detail"] = message
    raise ExecutionFailed(message, failure.status, answer)
