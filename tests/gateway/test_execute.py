"""Executing proposals: at most once (twice in a row, and two racing calls), a fault in the middle
of a proposal, an answer that never came, a refused model/method, who may confirm."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from odoobridge.auth.models import AuditEvent
from odoobridge.auth.roles import Role
from odoobridge.errors import Forbidden
from odoobridge.gateway.models import Proposal
from odoobridge.gateway.proposals import check_allowed
from odoobridge.store.engine import Store
from tests.fakes.odoo_rpc_fixtures import RunningStub
from tests.gateway.conftest import EVERYTHING, Caller
from tests.web.conftest import SignedIn, email_for


def propose(caller: Caller, kind: str, payload: dict[str, Any]) -> str:
    answer = caller.post(f"/odoo/propose/{kind}", json={"case_id": "case-7", **payload})
    assert answer.status_code == 200, answer.text
    proposal_id: str = answer.json()["proposal_id"]
    return proposal_id


def run(caller: Caller, proposal_id: str) -> httpx.Response:
    return caller.post(f"/odoo/execute/{proposal_id}", json={"confirmed": True})


def status_of(store: Store, proposal_id: str) -> Proposal:
    with store.session() as session:
        proposal = session.get(Proposal, proposal_id)
        assert proposal is not None
        return proposal


def test_a_proposal_runs_once(
    proposer: Caller, executor: Caller, odoo_rpc_stub: RunningStub
) -> None:
    pid = propose(proposer, "partner", {"name": "Once Only Ltd"})
    first = run(executor, pid)
    assert first.status_code == 200, first.text
    second = run(executor, pid)
    assert second.status_code == 409
    detail = second.json()["detail"]
    assert detail.startswith(f"proposal {pid} was already executed at ")
    assert detail.endswith("it runs at most once")
    assert len(odoo_rpc_stub.stub.calls_to("res.partner", "create")) == 1


@pytest.mark.parametrize("store_url", ["postgresql", "sqlite"], indirect=True)
def test_two_racing_executions_one_wins(
    proposer: Caller, callers: Callable[..., Caller], odoo_rpc_stub: RunningStub, store: Store
) -> None:
    pid = propose(proposer, "partner", {"name": "Raced Corp"})
    racers = [callers(Role.ADMIN, EVERYTHING), callers(Role.ADMIN, EVERYTHING)]
    odoo_rpc_stub.stub.delay(0.3, "res.partner", "create")  # the winner is still running …
    start = threading.Barrier(len(racers))
    answers: list[httpx.Response] = []

    def race(caller: Caller) -> None:
        start.wait()
        answers.append(run(caller, pid))

    threads = [threading.Thread(target=race, args=(c,)) for c in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
    loser = next(a for a in answers if a.status_code == 409).json()["detail"]
    assert loser.startswith(f"proposal {pid} ")
    assert "it runs at most once" in loser
    assert len(odoo_rpc_stub.stub.calls_to("res.partner", "create")) == 1
    assert status_of(store, pid).status == "executed"


def test_a_fault_in_the_middle_says_which_failed(
    proposer: Caller, executor: Caller, odoo_rpc_stub: RunningStub, store: Store
) -> None:
    pid = propose(proposer, "tasks", {"project_id": 5, "tasks": [
        {"name": "Survey the site"}, {"name": "Order the beams"}, {"name": "Raise the roof"},
    ]})  # fmt: skip
    odoo_rpc_stub.stub.fail(
        "project.task", "create", fault="ValidationError", message="Beams are out of stock",
        after=1,
    )  # fmt: skip
    answer = run(executor, pid)
    assert answer.status_code == 422  # Odoo's ValidationError
    body = answer.json()
    assert body["status"] == "partially_failed"
    first, second, third = body["results"]
    assert first["success"] is True and isinstance(first["record_id"], int)
    assert second["success"] is False and second["operation"] == 2
    assert second["error"] == "Odoo refused project.task.create: Beams are out of stock"
    # XML-RPC's faultCode 2 does not tell a ValidationError from a UserError: both are 422.
    assert second["error_type"] in ("OdooValidationError", "OdooUserError")
    assert third == {"op": "create_task", "model": "project.task", "method": "create",
                     "success": False, "skipped": True,
                     "error": "not run: an earlier operation failed"}  # fmt: skip
    assert body["detail"] == (
        "operation 2 of 3 (create_task) failed: Odoo refused project.task.create: Beams are out "
        "of stock; 1 applied before it"
    )
    with odoo_rpc_stub.client() as odoo:
        made = odoo.search_read("project.task", [["project_id", "=", 5]], ["name"], order="id")
    assert [t["name"] for t in made if t["id"] > 59] == ["Survey the site"]
    stored = status_of(store, pid)
    assert stored.status == "partially_failed" and stored.results == body["results"]
    assert run(executor, pid).status_code == 409  # never run again, not even the rest


def test_a_fault_on_the_first_operation_fails_the_proposal(
    proposer: Caller, executor: Caller, odoo_rpc_stub: RunningStub, store: Store
) -> None:
    pid = propose(proposer, "lead", {"name": "Doomed"})
    odoo_rpc_stub.stub.fail("crm.lead", "create", fault="AccessError",
                            message="You are not allowed to create 'Lead/Opportunity'")  # fmt: skip
    answer = run(executor, pid)
    assert answer.status_code == 403
    assert answer.json()["status"] == "failed"
    assert answer.json()["results"][0]["error_type"] == "OdooAccessError"
    assert status_of(store, pid).status == "failed"


def test_an_answer_that_never_came_is_not_sent_again(
    proposer: Caller, executor: Caller, odoo_rpc_stub: RunningStub
) -> None:
    pid = propose(proposer, "partner", {"name": "Schrodinger Ltd"})
    odoo_rpc_stub.stub.drop_connection("res.partner", "create", apply=True)
    answer = run(executor, pid)
    assert answer.status_code == 504
    [result] = answer.json()["results"]
    assert result["outcome_unknown"] is True and result["success"] is False
    assert "check in Odoo before retrying" in result["error"]
    assert len(odoo_rpc_stub.stub.calls_to("res.partner", "create")) == 1
    with odoo_rpc_stub.client() as odoo:  # it was applied after all
        assert odoo.search_count("res.partner", [["name", "=", "Schrodinger Ltd"]]) == 1


def test_a_refused_model_or_method_is_never_sent(
    proposer: Caller, executor: Caller, odoo_rpc_stub: RunningStub, store: Store
) -> None:
    pid = propose(proposer, "partner", {"partner_id": 10, "phone": "1"})
    with store.session() as session:  # someone edits the stored operation into an unlink
        tampered = [{"op": "upsert_partner", "payload": {
            "model": "res.partner", "method": "unlink", "ids": [10], "values": {}}}]  # fmt: skip
        session.execute(update(Proposal).where(Proposal.id == pid).values(operations=tampered))
    answer = run(executor, pid)
    assert answer.status_code == 403
    assert answer.json()["detail"].startswith(
        f"operation 1 of proposal {pid}: the gateway refuses res.partner.unlink: it only calls "
    )
    assert odoo_rpc_stub.stub.calls_to("res.partner", "unlink") == []
    assert odoo_rpc_stub.stub.calls_to("res.partner", "write") == []
    assert status_of(store, pid).status == "failed"
    with store.session() as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.target == f"proposal:{pid}")
        ).all()
    assert actions == ["gateway.propose", "gateway.refuse"]


@pytest.mark.parametrize(
    ("model", "method"),
    [("res.partner", "unlink"), ("res.users", "write"), ("res.groups", "create"),
     ("crm.lead", "write"), ("ir.config_parameter", "set_param")],
)  # fmt: skip
def test_the_allow_list(model: str, method: str) -> None:
    with pytest.raises(Forbidden, match=f"refuses {model}.{method}: .*never unlinks"):
        check_allowed(model, method)
    check_allowed("res.partner", "write")


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"confirmed": False}, "confirmed: Value error, must be true: review the proposal"),
        ({}, "confirmed: Field required"),
        ({"confirmed": True, "force": True}, "force: Extra inputs are not permitted"),
    ],
)
def test_execution_needs_confirmed_true(
    proposer: Caller, executor: Caller, body: dict[str, Any], detail: str,
    odoo_rpc_stub: RunningStub,
) -> None:  # fmt: skip
    pid = propose(proposer, "lead", {"name": "Not yet"})
    answer = executor.post(f"/odoo/execute/{pid}", json=body)
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith(detail)
    assert odoo_rpc_stub.stub.calls_to("crm.lead", "create") == []
    assert executor.get(f"/odoo/proposals/{pid}").json()["status"] == "pending"


def test_executing_what_does_not_exist_is_404(executor: Caller) -> None:
    answer = run(executor, "0123456789abcdef")
    assert answer.status_code == 404
    assert answer.json()["detail"] == (
        "there is no proposal 0123456789abcdef: GET /odoo/proposals lists them"
    )


@pytest.mark.parametrize(
    "gateway_env", [{"ODOOBRIDGE_GATEWAY_SEPARATE_CONFIRMER": "1"}], indirect=True
)
def test_the_confirmer_must_differ_when_the_setting_says_so(
    executor: Caller, callers: Callable[..., Caller], store: Store
) -> None:
    pid = propose(executor, "lead", {"name": "Four eyes"})
    refused = run(executor, pid)
    assert refused.status_code == 403
    assert "someone else must confirm it" in refused.json()["detail"]
    assert status_of(store, pid).status == "pending"
    other = callers(Role.ADMIN, EVERYTHING)
    assert run(other, pid).status_code == 200
    stored = status_of(store, pid)
    assert stored.proposed_by != stored.confirmed_by


def test_a_person_signed_in_confirms_and_the_audit_names_both(
    proposer: Caller, signed_in: Callable[[Role], SignedIn], store: Store
) -> None:
    pid = propose(proposer, "lead", {"name": "Reviewed by a person"})
    admin = signed_in(Role.ADMIN)
    without_csrf = admin.client.post(f"/odoo/execute/{pid}", json={"confirmed": True})
    assert without_csrf.status_code == 403
    answer = admin.post(f"/odoo/execute/{pid}", json={"confirmed": True})
    assert answer.status_code == 200, answer.text
    assert answer.json()["confirmed_by"] == email_for(Role.ADMIN)
    with store.session() as session:
        event = session.scalars(
            select(AuditEvent).where(
                AuditEvent.target == f"proposal:{pid}", AuditEvent.action == "gateway.execute"
            )
        ).one()
    assert event.actor == email_for(Role.ADMIN)
    assert event.detail["proposed_by"].startswith("apikey:obk_")
    assert event.detail["confirmed_by"] == email_for(Role.ADMIN)
