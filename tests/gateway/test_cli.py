"""``odoobridge odoo …``: with ``--json`` each command prints exactly what its route answers;
without, tables; bad input is one line and a non-zero exit."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from odoobridge.cli import render
from odoobridge.cli.main import app
from tests.fakes.odoo_rpc_fixtures import RunningStub
from tests.gateway.conftest import Caller, odoo_env

runner = CliRunner()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, store_url: str, odoo_rpc_stub: RunningStub) -> None:
    """The CLI on the app's store and the app's Odoo, tables as wide as they need."""
    monkeypatch.setattr(render.console, "width", 250)
    monkeypatch.setenv("DATABASE_URL", store_url)
    for name, value in odoo_env(odoo_rpc_stub).items():
        monkeypatch.setenv(name, value)


def cli(*args: str, given: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, ["odoo", *args], input=given)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def cli_json(*args: str) -> Any:
    code, out, err = cli(*args, "--json")
    assert code == 0, err
    return json.loads(out)


def test_status(env: None, reader: Caller) -> None:
    assert cli_json("status") == reader.get("/odoo/status").json()
    code, out, _ = cli("status")
    assert code == 0
    assert out.startswith("connected to Odoo 18.0 at http://127.0.0.1:")


@pytest.mark.parametrize(
    ("args", "route", "payload"),
    [
        (["partners", "--website", "gemini-furniture.com"], "partners",
         {"website": "gemini-furniture.com"}),
        (["partners", "--is-company", "--limit", "3", "--offset", "3"], "partners",
         {"is_company": True, "limit": 3, "offset": 3}),
        (["leads", "--stage", "Won"], "leads", {"stage": "Won"}),
        (["leads", "--partner-id", "10", "--email", "info@agrolait.com"], "leads",
         {"partner_id": 10, "email": "info@agrolait.com"}),
        (["projects", "--name", "office"], "projects", {"name": "office"}),
        (["tasks", "--project-id", "5"], "tasks", {"project_id": 5}),
        (["activities", "--partner-id", "15"], "activities", {"partner_id": 15}),
        (["calendar", "--partner-id", "15", "--partner-id", "12"], "calendar",
         {"partner_ids": [15, 12]}),
    ],
)  # fmt: skip
def test_searches_print_what_the_route_answers(
    env: None, reader: Caller, args: list[str], route: str, payload: dict[str, Any]
) -> None:
    printed = cli_json("search", *args)
    answered = reader.post(f"/odoo/search/{route}", json=payload).json()
    assert printed == answered
    assert printed["count"] > 0


def test_search_tables_and_paging(env: None) -> None:
    code, out, _ = cli("search", "partners", "--is-company", "--limit", "3")
    assert code == 0
    assert "partners: 1–3 of 10" in out
    assert "Wood Corner" in out and "Deco Addict" in out
    assert cli_json("search", "partners", "--is-company", "--limit", "3")["count"] == 10


def test_partner_history(env: None, reader: Caller) -> None:
    assert cli_json("partner", "15") == reader.get("/odoo/partners/15").json()
    code, out, _ = cli("partner", "15")
    assert code == 0 and out.startswith("Azure Interior (partner 15)")
    assert "Customizable Desk" in out
    code, _, err = cli("partner", "999999")
    assert code == 1
    assert err == "error: there is no partner 999999 in Odoo: search partners to find one\n"


def test_proposals_execute_and_cancel(
    env: None, proposer: Caller, odoo_rpc_stub: RunningStub
) -> None:
    made = proposer.post(
        "/odoo/propose/lead", json={"name": "From the CLI", "case_id": "cli-1"}
    ).json()
    pid = made["proposal_id"]
    assert cli_json("proposals") == proposer.get("/odoo/proposals").json()
    code, out, _ = cli("proposals")
    assert code == 0 and pid in out and "Create opportunity: From the CLI" in out

    code, out, err = cli("execute", pid, given="n\n")  # asked, and declined
    assert code == 1 and "Create opportunity: From the CLI" in out and "not executed" in err
    assert odoo_rpc_stub.stub.calls_to("crm.lead", "create") == []

    done = cli_json("execute", pid, "--yes")
    assert done["status"] == "executed" and done["confirmed_by"].startswith("cli")
    assert done == {**done, "proposal_id": pid, "case_id": "cli-1"}
    assert proposer.get(f"/odoo/proposals/{pid}").json()["results"] == done["results"]
    code, _, err = cli("execute", pid, "--yes")
    assert code == 1
    assert err.startswith(f"error: proposal {pid} was already executed at ")
    assert err.count("\n") == 1

    other = proposer.post(
        "/odoo/propose/lead", json={"name": "Never mind", "case_id": "cli-1"}
    ).json()["proposal_id"]
    assert cli_json("cancel", other) == {"status": "cancelled", "proposal_id": other}
    assert cli_json("proposals", "--status", "all")["count"] == 2


def test_a_failed_execution_prints_its_results(
    env: None, proposer: Caller, odoo_rpc_stub: RunningStub
) -> None:
    pid = proposer.post("/odoo/propose/tasks", json={
        "project_id": 5, "case_id": "cli-2", "tasks": [{"name": "One"}, {"name": "Two"}],
    }).json()["proposal_id"]  # fmt: skip
    odoo_rpc_stub.stub.fail("project.task", "create", message="No more tasks today", after=1)
    code, out, err = cli("execute", pid, "--yes", "--json")
    assert code == 1
    answer = json.loads(out)
    assert answer["status"] == "partially_failed"
    assert [r["success"] for r in answer["results"]] == [True, False]
    assert err.startswith("error: operation 2 of 2 (create_task) failed: ")


def test_bad_input_is_one_line(env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = cli("search", "partners", "--website", "not a site")
    assert code == 1
    assert err == ("error: website: 'not a site' names no site: send a host such as example.com\n")
    code, _, err = cli("search", "partners", "--limit", "900")
    assert code == 2 and "--limit" in err
    code, _, err = cli("proposals", "--status", "sideways")
    assert code == 1 and err.startswith("error: --status 'sideways': use pending, ")
    code, _, err = cli("execute", "nosuchproposal", "--yes")
    assert code == 1 and err.startswith("error: there is no proposal nosuchproposal")
    monkeypatch.delenv("ODOO_URL")
    code, _, err = cli("search", "leads")
    assert code == 1 and err.startswith("error: ODOO_URL is not set: ")
    code, out, err = cli("status", "--json")
    assert code == 1 and json.loads(out)["connected"] is False
