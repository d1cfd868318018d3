"""Each kind of proposal end to end: propose (validated, references resolved, stored), execute,
then read the record back from the stub Odoo; the audit tag and the audit log; listing,
cancelling, expiry, and proposals surviving a restart."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select, update

from odoobridge.auth.models import AuditEvent
from odoobridge.auth.roles import Role
from odoobridge.gateway.models import Proposal
from odoobridge.settings import Settings
from odoobridge.store.base import utcnow
from odoobridge.store.engine import Store
from odoobridge.web.app import create_app
from tests.fakes.odoo_rpc_fixtures import RunningStub
from tests.gateway.conftest import PROPOSE, Caller
from tests.web.live import client, live_server

TAG = "[OdooBridge Case: abc12345]"


def propose(caller: Caller, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    answer = caller.post(f"/odoo/propose/{kind}", json={"case_id": "abc12345", **payload})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    assert body["requires_confirmation"] is True and body["confirmed"] is False
    assert body["status"] == "pending" and body["case_id"] == "abc12345"
    return body


def execute(caller: Caller, proposal_id: str) -> dict[str, Any]:
    answer = caller.post(f"/odoo/execute/{proposal_id}", json={"confirmed": True})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    assert body["status"] == "executed"
    assert all(r["success"] for r in body["results"])
    return body


def read(stub: RunningStub, model: str, record_id: int, fields: list[str]) -> dict[str, Any]:
    with stub.client() as odoo:
        found = odoo.read(model, [record_id], fields)
    assert len(found) == 1, f"{model} {record_id} is not in Odoo"
    return found[0]


def audit(store: Store, proposal_id: str) -> list[AuditEvent]:
    with store.session() as session:
        found = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.target == f"proposal:{proposal_id}")
            .order_by(AuditEvent.id)
        )
        return list(found)


def test_partner_created_end_to_end(
    proposer: Caller, executor: Caller, odoo_rpc_stub: RunningStub, store: Store
) -> None:
    proposal = propose(proposer, "partner", {
        "name": "Example Corp", "email": "contact@example.com", "phone": "+1234567890",
        "website": "https://example.com", "is_company": True, "street": "123 Main St",
        "city": "San Francisco", "country_code": "us", "comment": "OSINT investigation target",
    })  # fmt: skip
    assert proposal["summary"] == "Create partner: Example Corp (contact@example.com)"
    assert proposal["operations"] == [{
        "op": "upsert_partner",
        "payload": {"model": "res.partner", "method": "create", "values": {
            "name": "Example Corp", "email": "contact@example.com", "phone": "+1234567890",
            "website": "https://example.com", "is_company": True, "street": "123 Main St",
            "city": "San Francisco", "country_id": 233,
            "comment": f"{TAG} OSINT investigation target",
        }},
    }]  # fmt: skip
    assert odoo_rpc_stub.stub.calls_to("res.partner", "create") == []  # nothing written yet

    done = execute(executor, proposal["proposal_id"])
    assert done["proposal_id"] == proposal["proposal_id"] and done["case_id"] == "abc12345"
    [result] = done["results"]
    assert result["op"] == "upsert_partner" and result["model"] == "res.partner"
    partner = read(odoo_rpc_stub, "res.partner", result["record_id"],
                   ["name", "email", "country_id", "comment", "is_company"])  # fmt: skip
    assert partner["name"] == "Example Corp" and partner["is_company"] is True
    assert partner["country_id"] == [233, "United States"]
    assert partner["comment"].startswith(TAG)

    events = audit(store, proposal["proposal_id"])
    assert [e.action for e in events] == ["gateway.propose", "gateway.confirm", "gateway.execute"]
    assert events[0].actor == events[2].detail["proposed_by"] != events[2].detail["confirmed_by"]
    assert events[2].detail["confirmed_by"] == events[2].actor
    assert events[2].detail["results"][0]["record_id"] == result["record_id"]


def test_partner_updated_keeps_its_comment_behind_the_tag(
    proposer: Caller, executor: Caller, odoo_rpc_stub: RunningStub
) -> None:
    proposal = propose(proposer, "partner", {"partner_id": 10, "phone": "+1 603 555 0100"})
    assert proposal["summary"] == "Update partner 10 (Deco Addict): phone"
    [operation] = proposal["operations"]
    assert operation["payload"] == {
        "model": "res.partner", "method": "write", "ids": [10],
        "values": {"phone": "+1 603 555 0100", "comment": TAG},
    }  # fmt: skip
    done = execute(executor, proposal["proposal_id"])
    assert done["results"][0]["record_id"] == 10
    partner = read(odoo_rpc_stub, "res.partner", 10, ["name", "phone", "comment"])
    assert partner == {"id": 10, "name": "Deco Addict", "phone": "+1 603 555 0100",
                       "comment": TAG}  # fmt: skip


def test_lead(proposer: Caller, executor: Caller, odoo_rpc_stub: RunningStub) -> None:
    proposal = propose(proposer, "lead", {
        "name": "Web Design Project", "partner_id": 15, "email_from": "john@example.com",
        "phone": "+1234567890", "description": "Client wants modern website redesign",
        "expected_revenue": 15000.00,
    })  # fmt: skip
    assert proposal["summary"] == (
        "Create opportunity: Web Design Project for Azure Interior (expected revenue 15,000.00)"
    )
    done = execute(executor, proposal["proposal_id"])
    assert done["results"][0]["op"] == "create_lead"
    lead = read(odoo_rpc_stub, "crm.lead", done["results"][0]["record_id"],
                ["name", "partner_id", "type", "expected_revenue", "description"])  # fmt: skip
    assert lead["partner_id"] == [15, "Azure Interior"]
    assert lead["type"] == "opportunity" and lead["expected_revenue"] == 15000.0
    assert lead["description"] == f"{TAG} Client wants modern website redesign"


def test_project(proposer: Caller, executor: Caller, odoo_rpc_stub: RunningStub) -> None:
    proposal = propose(proposer, "project", {
        "name": "Deco Addict Website Redesign", "partner_id": 10, "user_id": 6,
        "date_start": "2026-02-01",
    })  # fmt: skip
    assert proposal["summary"] == (
        "Create project: Deco Addict Website Redesign for Deco Addict, managed by demo"
    )
    done = execute(executor, proposal["proposal_id"])
    project = read(odoo_rpc_stub, "project.project", done["results"][0]["record_id"],
                   ["name", "partner_id", "user_id", "date_start"])  # fmt: skip
    assert project["partner_id"] == [10, "Deco Addict"]
    assert project["user_id"] == [6, "Marc Demo"]
    assert project["date_start"] == "2026-02-01"


def test_tasks(proposer: Caller, executor: Caller, odoo_rpc_stub: RunningStub) -> None:
    proposal = propose(proposer, "tasks", {"project_id": 5, "tasks": [
        {"name": "Create design mockups", "description": "Initial wireframes",
         "date_deadline": "2026-02-15", "priority": "1"},
        {"name": "Develop frontend", "date_deadline": "2026-03-01"},
    ]})  # fmt: skip
    assert proposal["summary"] == (
        "Create 2 tasks in project Home Construction: Create design mockups; Develop frontend"
    )
    assert [o["op"] for o in proposal["operations"]] == ["create_task", "create_task"]
    done = execute(executor, proposal["proposal_id"])
    first, second = (r["record_id"] for r in done["results"])
    task = read(odoo_rpc_stub, "project.task", first,
                ["name", "project_id", "priority", "description"])  # fmt: skip
    assert task["project_id"] == [5, "Home Construction"] and task["priority"] == "1"
    assert task["description"] == f"{TAG} Initial wireframes"
    assert read(odoo_rpc_stub, "project.task", second, ["name"])["name"] == "Develop frontend"


def test_activity(proposer: Caller, executor: Caller, odoo_rpc_stub: RunningStub) -> None:
    proposal = propose(proposer, "activity", {
        "res_model": "crm.lead", "res_id": 19, "activity_type": "call",
        "summary": "Follow up on proposal", "date_deadline": "2026-01-10",
        "note": "Discuss project scope and timeline",
    })  # fmt: skip
    assert proposal["summary"] == (
        "Schedule call on crm.lead 19 (Customizable Desk): Follow up on proposal, due 2026-01-10"
    )
    values = proposal["operations"][0]["payload"]["values"]
    assert values["activity_type_id"] == 2 and values["res_id"] == 19
    with odoo_rpc_stub.client() as odoo:
        [lead_model] = odoo.search_read("ir.model", [["model", "=", "crm.lead"]], ["model"])
    # Sent as Odoo's own code does: res_model_id (res_model is its stored related field).
    assert values["res_model_id"] == lead_model["id"] and "res_model" not in values
    done = execute(executor, proposal["proposal_id"])
    activity = read(odoo_rpc_stub, "mail.activity", done["results"][0]["record_id"],
                    ["res_model_id", "res_model", "res_name", "res_id", "activity_type_id",
                     "date_deadline", "note"])  # fmt: skip
    assert activity["res_model_id"][0] == lead_model["id"] and activity["res_id"] == 19
    assert (activity["res_model"], activity["res_name"]) == ("crm.lead", "Customizable Desk")
    assert activity["activity_type_id"] == [2, "Call"]
    assert activity["date_deadline"] == "2026-01-10"
    assert activity["note"] == f"{TAG} Discuss project scope and timeline"


def test_calendar_event(proposer: Caller, executor: Caller, odoo_rpc_stub: RunningStub) -> None:
    proposal = propose(proposer, "calendar-event", {
        "name": "Project Kickoff Meeting", "start": "2026-02-01T10:00:00+01:00",
        "stop": "2026-02-01T11:30:00+01:00", "partner_ids": [15, 12],
        "location": "Conference Room A",
    })  # fmt: skip
    assert proposal["summary"] == (
        "Create calendar event: Project Kickoff Meeting, 2026-02-01 09:00:00 – "
        "2026-02-01 10:30:00 UTC, 2 attendees"
    )
    done = execute(executor, proposal["proposal_id"])
    event = read(odoo_rpc_stub, "calendar.event", done["results"][0]["record_id"],
                 ["name", "start", "stop", "partner_ids", "location", "description"])  # fmt: skip
    assert event["start"] == "2026-02-01 09:00:00" and event["stop"] == "2026-02-01 10:30:00"
    assert sorted(event["partner_ids"]) == [12, 15]
    assert event["description"] == TAG


@pytest.mark.parametrize(
    ("kind", "payload", "detail"),
    [
        ("partner", {"email": "x@example.com"}, "name: required to create a partner"),
        ("partner", {"name": "X", "country_code": "QQ"}, "country_code: Odoo has no country"),
        ("partner", {"name": "X", "country_code": "USA"}, "country_code: "),
        ("partner", {"partner_id": 999999, "phone": "1"}, "partner_id: there is no partner"),
        ("partner", {"partner_id": 10}, "partner_id: nothing to change"),
        ("lead", {"name": "X", "partner_id": 999999}, "partner_id: there is no partner 999999"),
        ("lead", {"partner_id": 10}, "name: Field required"),
        ("lead", {"name": "X", "expected_revenue": -1}, "expected_revenue: "),
        ("project", {"name": "X", "user_id": 999}, "user_id: there is no user 999 in Odoo"),
        ("tasks", {"project_id": 999, "tasks": [{"name": "a"}]}, "project_id: there is no project"),
        ("tasks", {"project_id": 5, "tasks": []}, "tasks: "),
        ("tasks", {"project_id": 5, "tasks": [{"name": "a", "priority": "3"}]},
         "tasks.0.priority: "),
        ("activity", {"res_model": "res.users", "res_id": 2, "date_deadline": "2026-01-10"},
         "res_model: "),
        ("activity", {"res_model": "crm.lead", "res_id": 999999, "date_deadline": "2026-01-10"},
         "res_id: there is no lead 999999"),
        ("activity", {"res_model": "crm.lead", "res_id": 19, "activity_type": "Telepathy",
                      "date_deadline": "2026-01-10"},
         "activity_type: Odoo has no activity type 'Telepathy'; it has: Email, Call, Meeting"),
        ("activity", {"res_model": "crm.lead", "res_id": 19}, "date_deadline: Field required"),
        ("calendar-event", {"name": "X", "start": "2026-02-01T10:00:00",
                            "stop": "2026-02-01T09:00:00"}, "stop: Value error, must be later"),
        ("calendar-event", {"name": "X", "start": "2026-02-01T10:00:00",
                            "stop": "2026-02-01T11:00:00", "partner_ids": [15, 999999]},
         "partner_ids: there is no partner 999999"),
    ],
)  # fmt: skip
def test_bad_proposals_are_422_naming_the_field(
    proposer: Caller, kind: str, payload: dict[str, Any], detail: str
) -> None:
    answer = proposer.post(f"/odoo/propose/{kind}", json={"case_id": "abc12345", **payload})
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"].startswith(detail), answer.json()["detail"]


@pytest.mark.parametrize("case_id", [None, "", "has space", "x" * 65])
def test_a_proposal_needs_a_case_id(proposer: Caller, case_id: str | None) -> None:
    payload: dict[str, Any] = {"name": "Example Corp"}
    if case_id is not None:
        payload["case_id"] = case_id
    answer = proposer.post("/odoo/propose/partner", json=payload)
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith("case_id: ")


def test_listing_and_surviving_a_restart(
    proposer: Caller, web_settings: Settings, store_url: str
) -> None:
    first = propose(proposer, "lead", {"name": "First"})
    second = propose(proposer, "lead", {"name": "Second"})
    listed = proposer.get("/odoo/proposals").json()
    assert listed["count"] == 2
    assert [p["proposal_id"] for p in listed["proposals"]] == [
        second["proposal_id"], first["proposal_id"],
    ]  # fmt: skip
    assert proposer.get("/odoo/proposals", params={"status": "executed"}).json() == {
        "count": 0, "proposals": [],
    }  # fmt: skip
    # Another app process on the same store sees them.
    other = Store(store_url)
    try:
        with live_server(create_app(web_settings, other)) as base, client(base) as http:
            again = Caller(http, proposer.key).get(f"/odoo/proposals/{first['proposal_id']}")
        assert again.status_code == 200
        assert again.json()["summary"] == "Create opportunity: First"
    finally:
        other.dispose()


def test_cancel(proposer: Caller, executor: Caller, callers: Callable[..., Caller]) -> None:
    mine = propose(proposer, "lead", {"name": "Cancel me"})["proposal_id"]
    stranger = callers(Role.VIEWER, PROPOSE)
    refused = stranger.delete(f"/odoo/proposals/{mine}")
    assert refused.status_code == 403
    assert refused.json()["detail"].endswith(
        "only they, or someone who may execute proposals, may cancel it"
    )
    answer = proposer.delete(f"/odoo/proposals/{mine}")
    assert answer.status_code == 200
    assert answer.json() == {"status": "cancelled", "proposal_id": mine}
    again = proposer.delete(f"/odoo/proposals/{mine}")
    assert again.status_code == 409
    assert again.json()["detail"] == f"proposal {mine} was cancelled: propose it again"
    run = executor.post(f"/odoo/execute/{mine}", json={"confirmed": True})
    assert run.status_code == 409
    # An administrator with the execute scope may cancel anyone's.
    other = propose(proposer, "lead", {"name": "Cancelled by an admin"})["proposal_id"]
    assert executor.delete(f"/odoo/proposals/{other}").status_code == 200
    assert proposer.delete("/odoo/proposals/nosuchproposal").status_code == 404
    assert proposer.get("/odoo/proposals", params={"status": "cancelled"}).json()["count"] == 2


def test_expiry(
    proposer: Caller, executor: Caller, store: Store, odoo_rpc_stub: RunningStub
) -> None:
    proposal = propose(proposer, "lead", {"name": "Too late"})
    pid = proposal["proposal_id"]
    made = proposal["created_at"]
    assert proposal["expires_at"] > made  # a day later by default
    with store.session() as session:  # the day passes
        session.execute(update(Proposal).where(Proposal.id == pid).values(expires_at=utcnow()))
    answer = executor.post(f"/odoo/execute/{pid}", json={"confirmed": True})
    assert answer.status_code == 409
    assert answer.json()["detail"].startswith(f"proposal {pid} expired at ")
    assert odoo_rpc_stub.stub.calls_to("crm.lead", "create") == []
    assert proposer.get("/odoo/proposals").json()["count"] == 0
    expired = proposer.get("/odoo/proposals", params={"status": "expired"}).json()
    assert [p["proposal_id"] for p in expired["proposals"]] == [pid]


@pytest.mark.parametrize(
    "gateway_env", [{"ODOOBRIDGE_GATEWAY_PROPOSAL_TTL_MINUTES": "5"}], indirect=True
)
def test_the_expiry_time_is_a_setting(proposer: Caller) -> None:
    from datetime import datetime

    proposal = propose(proposer, "lead", {"name": "Soon"})
    made = datetime.fromisoformat(proposal["created_at"])
    assert (datetime.fromisoformat(proposal["expires_at"]) - made).total_seconds() == 300
