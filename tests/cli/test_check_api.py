"""``odoobridge check odoo`` and ``sync odoo`` for an environment read through Odoo's API."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from odoobridge.cli.main import app
from tests.fakes.odoo_rpc_fixtures import RunningStub

runner = CliRunner()


@pytest.fixture
def api_env(
    monkeypatch: pytest.MonkeyPatch, sqlite_store_url: str, odoo_rpc_stub: RunningStub
) -> pytest.MonkeyPatch:
    for name, value in {
        "DATABASE_URL": sqlite_store_url, "ODOO_PREPROD_URL": odoo_rpc_stub.stub.url,
        "ODOO_PREPROD_DB": "odoo18demo", "ODOO_PREPROD_USERNAME": "admin",
        "ODOO_PREPROD_PASSWORD": "admin",
    }.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    return monkeypatch


def test_check_an_admin_api_user(api_env: pytest.MonkeyPatch, odoo_rpc_stub: RunningStub) -> None:
    result = runner.invoke(app, ["check", "odoo", "--env", "preprod"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == (
        f"Odoo (Pre-Production): {odoo_rpc_stub.stub.url} (database odoo18demo) as 'admin' (uid 2)"
    )
    assert (
        lines[1] == "  ok   signed in over jsonrpc; Odoo 18.0, read with the jsonb (16–18) adapter"
    )
    assert "  ok   ir.model.access (access rights)" in lines
    assert "  ok   hr.employee (employees' departments)" in lines
    assert lines[-2].startswith(
        "  warn 'admin' can change Odoo's settings (through Administration / Settings): the sync "
        "only reads and needs Administration / Access Rights"
    )
    assert lines[-1].startswith("  warn 'admin' signs in with a password: create an API key")
    assert "ODOO_PREPROD_API_KEY instead of ODOO_PREPROD_PASSWORD" in lines[-1]


def test_check_a_user_without_the_rights(api_env: pytest.MonkeyPatch) -> None:
    api_env.setenv("ODOO_PREPROD_USERNAME", "demo")
    api_env.setenv("ODOO_PREPROD_PASSWORD", "demo")
    result = runner.invoke(app, ["check", "odoo", "--env", "preprod"])
    assert result.exit_code == 1
    assert (
        "  FAIL ir.model.access (access rights): the user may not read it — give it "
        "Administration/Access Rights"
    ) in result.output.splitlines()
    assert (
        "  warn hr.employee (employees' departments): the user may not read it — give it "
        "Administration/Settings or Employees/Officer: Manage all employees"
    ) in result.output.splitlines()
    assert "can change Odoo's settings" not in result.output
    answer = json.loads(runner.invoke(app, ["check", "odoo", "--env", "preprod", "--json"]).stdout)
    assert answer["ok"] is False and answer["source"] == "api" and answer["role"] == "demo"
    acl = next(t for t in answer["tables"] if t["table"] == "ir.model.access")
    assert acl == {"table": "ir.model.access", "optional": False, "why": "access rights",
                   "ok": False, "exists": True, "missing_columns": [],
                   "fix": "Administration/Access Rights", "problem": None}  # fmt: skip


def test_check_with_a_wrong_password(api_env: pytest.MonkeyPatch) -> None:
    api_env.setenv("ODOO_PREPROD_PASSWORD", "Wrong-Pw-9")
    result = runner.invoke(app, ["check", "odoo", "--env", "preprod"])
    assert result.exit_code != 0
    assert "refused the credentials of 'admin' on database 'odoo18demo' (Access Denied): check " \
           "ODOO_PREPROD_USERNAME, ODOO_PREPROD_DB and ODOO_PREPROD_PASSWORD" in result.output  # fmt: skip
    assert "Wrong-Pw-9" not in result.output and "Traceback" not in result.output


def test_sync_through_the_api(api_env: pytest.MonkeyPatch) -> None:
    result = runner.invoke(app, ["sync", "odoo", "--env", "preprod", "--json"])
    assert result.exit_code == 0, result.output
    run = json.loads(result.stdout)
    assert run["status"] == "success" and run["stats"]["source"] == "api"
    assert run["stats"]["users"]["count"] == 7 and run["stats"]["odoo"]["retries"] == 0
