"""``odoobridge sync azure``, ``check azure``, ``status`` and ``demo`` end to end: the CLI on the
fake identity platform (live mode) or the bundled mock file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from odoobridge.cli.main import app
from odoobridge.demo import ENTRA_USERS
from tests.fakes.identity import CLIENT_SECRET, FakeIdentityPlatform

runner = CliRunner()


@pytest.fixture
def live_env(
    fake: FakeIdentityPlatform, monkeypatch: pytest.MonkeyPatch, sqlite_store_url: str
) -> FakeIdentityPlatform:
    monkeypatch.setenv("DATABASE_URL", sqlite_store_url)
    for name, value in fake.settings().items():
        monkeypatch.setenv(name, value)
    return fake


def test_sync_azure_prints_the_run_and_then_syncs_incrementally(
    live_env: FakeIdentityPlatform,
) -> None:
    first = runner.invoke(app, ["sync", "azure"])
    assert first.exit_code == 0, first.output
    assert "Microsoft Entra ID — run 1 (success, full, graph)" in first.stdout
    assert "│ 12      │ 12    │ 0       │ 2        │ 0       │ 0        │ 12    │ 2     │" in (
        first.stdout
    )
    second = runner.invoke(app, ["sync", "azure", "--json"])
    assert second.exit_code == 0
    run = json.loads(second.stdout)
    assert (run["id"], run["stats"]["mode"], run["stats"]["fetched"]) == (2, "delta", 0)
    full = runner.invoke(app, ["sync", "azure", "--full", "--json"])
    assert json.loads(full.stdout)["stats"]["full_reason"] == "requested (--full)"
    assert CLIENT_SECRET not in first.output + second.output + full.output


def test_sync_azure_warns_about_sign_in_activity(
    live_env: FakeIdentityPlatform, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ODOOBRIDGE_AZURE_SIGNIN_ACTIVITY", "1")
    result = runner.invoke(app, ["sync", "azure"])
    assert result.exit_code == 0
    assert "warning: sign-in activity: Graph refused sign-in activity" in result.stderr
    assert "AuditLog.Read.All" in result.stderr


def test_check_azure_reports_each_step(
    live_env: FakeIdentityPlatform, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = runner.invoke(app, ["check", "azure"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"Microsoft Entra ID: tenant {live_env.tenant_id}, app ")
    assert lines[1].startswith("  ok   token: https://graph.microsoft.com/.default from https://")
    assert lines[2] == "  ok   users: read one page of /users (User.Read.All)"
    assert lines[3] == "  ok   change tracking: users/delta answers with a link"
    assert lines[4] == "  skip sign-in activity: ODOOBRIDGE_AZURE_SIGNIN_ACTIVITY is off"
    monkeypatch.setenv("ODOOBRIDGE_AZURE_SIGNIN_ACTIVITY", "1")
    live_env.app_roles.clear()
    failing = runner.invoke(app, ["check", "azure", "--json"])
    assert failing.exit_code == 1
    report = json.loads(failing.stdout)
    statuses = {step["name"]: step["status"] for step in report["steps"]}
    assert statuses == {
        "token": "ok",
        "users": "FAIL",
        "change tracking": "FAIL",
        "sign-in activity": "warn",
    }
    assert "User.Read.All" in report["steps"][1]["detail"]


def test_check_azure_without_a_token(
    live_env: FakeIdentityPlatform, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "not-the-secret")
    result = runner.invoke(app, ["check", "azure"])
    assert result.exit_code == 1
    assert "  FAIL token: the identity platform refused a token (invalid_client" in result.stdout
    assert "not-the-secret" not in result.output


def test_check_azure_on_a_mock_file(monkeypatch: pytest.MonkeyPatch, sqlite_store_url: str) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_store_url)
    monkeypatch.setenv("AZURE_USER_SYNC_MOCK_FILE", str(ENTRA_USERS))
    result = runner.invoke(app, ["check", "azure"])
    assert result.exit_code == 0
    assert "  ok   mock file: 12 users, 12 with sign-ins" in result.stdout


def test_configuration_errors_are_one_line(
    monkeypatch: pytest.MonkeyPatch, sqlite_store_url: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_store_url)
    monkeypatch.setenv("ALLOW_SYNC_MOCKS", "0")
    result = runner.invoke(app, ["sync", "azure"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET")
    assert len(result.stderr.strip().splitlines()) == 1
    monkeypatch.setenv("ODOOBRIDGE_AZURE_AUTHORITY_HOST", "http://login.example")
    result = runner.invoke(app, ["check", "azure"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: setting ODOOBRIDGE_AZURE_AUTHORITY_HOST is invalid")


def test_status_and_demo_show_the_entra_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sqlite_store_url: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_store_url)
    before = runner.invoke(app, ["status"])
    assert "Microsoft Entra ID: not synced yet" in before.stdout
    demo = runner.invoke(app, ["demo", "--no-serve"])
    assert demo.exit_code == 0, demo.output
    assert "synced the bundled Entra ID demo users: run 3" in demo.stdout
    status = json.loads(runner.invoke(app, ["status", "--json"]).stdout)
    entra = status["entra"]
    assert entra["run"]["stats"]["source"] == "mock"
    assert entra["counts"]["users (in Entra)"] == 12
    assert entra["counts"]["disabled accounts"] == 2
    assert entra["counts"]["guests"] == 1
    assert entra["delta_link"] == {"saved": False, "warning": None}
