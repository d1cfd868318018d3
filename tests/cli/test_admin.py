"""``odoobridge admin create``, ``odoobridge apikey create|list|revoke``, ``odoobridge serve``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from odoobridge.auth.models import Account, AuditEvent
from odoobridge.cli.main import app
from odoobridge.store.engine import Store
from tests.auth.quick_hashes import _quick_password_hashes  # noqa: F401 (autouse fixture)
from tests.pg import free_port

PASSWORD = "correct horse battery staple"


@pytest.fixture
def run(store_url: str, monkeypatch: pytest.MonkeyPatch) -> Callable[..., object]:
    monkeypatch.setenv("DATABASE_URL", store_url)

    def invoke(*args: str, input: str | None = None) -> object:
        return CliRunner().invoke(app, list(args), input=input)

    return invoke


def test_admin_create_makes_the_first_super_admin(run: Callable[..., object], store: Store) -> None:
    result = run(
        "admin",
        "create",
        "--email",
        "Boss@Example.com",
        "--name",
        "The Boss",
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert "made super_admin boss@example.com" in result.output  # type: ignore[attr-defined]
    assert PASSWORD not in result.output  # type: ignore[attr-defined]
    with store.session() as session:
        account = session.scalars(select(Account)).one()
        assert (account.role, account.status, account.source) == ("super_admin", "active", "local")
        event = session.scalars(select(AuditEvent)).one()
        assert (event.action, event.target, event.user_agent) == (
            "account_created",
            "boss@example.com",
            "odoobridge-cli",
        )
    again = run(
        "admin",
        "create",
        "--email",
        "boss@example.com",
        "--name",
        "B",
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert again.exit_code == 1  # type: ignore[attr-defined]
    assert "error: an account for boss@example.com already exists" in again.output  # type: ignore[attr-defined]


def test_admin_create_refuses_a_short_password(run: Callable[..., object]) -> None:
    result = run(
        "admin",
        "create",
        "--email",
        "a@example.com",
        "--name",
        "A",
        "--role",
        "admin",
        input="short\nshort\n",
    )
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert "error: the password must have at least 12 characters" in result.output  # type: ignore[attr-defined]
    bad_role = run(
        "admin",
        "create",
        "--email",
        "a@example.com",
        "--name",
        "A",
        "--role",
        "god",
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert "error: unknown role 'god'" in bad_role.output  # type: ignore[attr-defined]


def test_apikey_create_list_revoke(run: Callable[..., object]) -> None:
    made = run(
        "apikey",
        "create",
        "--name",
        "backup",
        "--role",
        "auditor",
        "--scope",
        "gateway:read",
        "--expires-in-days",
        "10",
        "--json",
    )
    assert made.exit_code == 0, made.output  # type: ignore[attr-defined]
    key = json.loads(made.output)  # type: ignore[attr-defined]
    assert key["role"] == "auditor" and key["scopes"] == ["gateway:read"]
    assert key["key"].startswith(key["prefix"] + "_")
    listed = json.loads(run("apikey", "list", "--json").output)  # type: ignore[attr-defined]
    assert [k["prefix"] for k in listed] == [key["prefix"]]
    assert key["key"] not in json.dumps(listed)
    revoked = run("apikey", "revoke", key["prefix"])
    assert revoked.output.strip() == f"revoked {key['prefix']}"  # type: ignore[attr-defined]
    again = run("apikey", "revoke", str(key["id"]))
    assert f"error: the API key {key['prefix']} is already revoked" in again.output  # type: ignore[attr-defined]
    missing = run("apikey", "revoke", "obk_nothing")
    assert "error: there is no API key 'obk_nothing'" in missing.output  # type: ignore[attr-defined]
    table = run("apikey", "list").output  # type: ignore[attr-defined]
    assert "revoked" in table and "backup" in table


def test_serve_answers_and_refuses_a_placeholder_secret(store_url: str, tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": store_url, "ODOOBRIDGE_PORT": str(port)}
    refused = subprocess.run(
        [sys.executable, "-m", "odoobridge", "serve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 1
    assert refused.stderr.startswith("error: ODOOBRIDGE_SECRET_KEY must be set to 32 or more")
    env["ODOOBRIDGE_SECRET_KEY"] = "s" * 48
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "odoobridge", "serve"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "serve did not start"
                time.sleep(0.2)
        assert answer.json()["status"] == "ready"
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    assert "msg=serving url=http://127.0.0.1:" in log.read_text()
