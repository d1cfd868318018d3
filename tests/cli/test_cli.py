"""The command line: JSON shapes, one-line errors without tracebacks, redaction, setup-sql."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from odoobridge.cli.main import app
from odoobridge.store.migrate import head_revisions
from tests import facts, pg

runner = CliRunner()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, sqlite_store_url: str) -> pytest.MonkeyPatch:
    monkeypatch.setenv("DATABASE_URL", sqlite_store_url)
    return monkeypatch


def cli(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def odoobridge(
    *args: str, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The real executable in a subprocess (as a user runs it)."""
    environment = {**os.environ, **(extra_env or {})}
    return subprocess.run(
        [sys.executable, "-m", "odoobridge", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
    )


def test_sync_json_prints_the_finished_run(
    env: pytest.MonkeyPatch, odoo18: pg.OdooDatabase
) -> None:
    env.setenv("ODOO_PREPROD_DSN", odoo18.reader_dsn)
    code, out, _ = cli("sync", "odoo", "--env", "preprod", "--json")
    assert code == 0
    run = json.loads(out)
    assert {
        "id",
        "sync_type",
        "environment",
        "status",
        "started_at",
        "completed_at",
        "stats",
        "error",
    } <= set(run)
    assert (run["sync_type"], run["environment"], run["status"], run["error"]) == (
        "odoo_postgres",
        "PREPROD",
        "success",
        None,
    )
    for entity in ("groups", "users", "memberships", "implications", "acls", "rules"):
        count = facts.COUNTS[18][entity]
        assert run["stats"][entity] == {"count": count, "added": count, "changed": 0, "removed": 0}

    code, out, _ = cli("runs", "--json")
    listed = json.loads(out)
    assert listed["count"] == 1 and listed["runs"][0]["id"] == run["id"]
    code, out, _ = cli("runs", str(run["id"]), "--json")
    assert json.loads(out)["stats"] == run["stats"]
    code, _, err = cli("runs", "99")
    assert code == 1 and err == "error: there is no sync run 99: `odoobridge runs` lists them\n"


def test_human_output_and_status(env: pytest.MonkeyPatch, odoo18: pg.OdooDatabase) -> None:
    env.setenv("ODOO_PREPROD_DSN", odoo18.reader_dsn)
    code, out, _ = cli("status")
    assert code == 0 and "Odoo (Pre-Production): not synced yet" in out
    code, out, _ = cli("sync", "odoo")
    assert code == 0 and "memberships" in out and "847" in out
    code, out, _ = cli("status", "--json")
    summary = json.loads(out)["odoo"][0]
    assert summary["counts"]["internal users (active)"] == 2
    assert summary["counts"]["global ACL rows (active)"] == 18
    assert summary["counts"]["archived users"] == 4


@pytest.mark.parametrize(
    ("extra_env", "args", "expected"),
    [
        (
            {"ODOO_PREPROD_DSN": "postgresql+psycopg://reader:Pw-Sekrit-9@127.0.0.1:1/odoo"},
            ["sync", "odoo"],
            "error: 127.0.0.1:1/odoo refused the connection: check host and port in ODOO_PREPROD_DSN "
            "and that PostgreSQL listens there",
        ),
        (
            {"ODOO_PREPROD_DSN": "no-url-at-all"},
            ["sync", "odoo"],
            "error: ODOO_PREPROD_DSN is not a PostgreSQL URL: use "
            "postgresql+psycopg://user:password@host:5432/dbname?sslmode=require",
        ),
        (
            {"ALLOW_SYNC_MOCKS": "0"},
            ["sync", "odoo", "--env", "prod"],
            "error: ODOO_PROD_DSN is not set: set it to postgresql+psycopg://user:password@host:5432/db "
            "(ALLOW_SYNC_MOCKS=0 forces live reads), or use ALLOW_SYNC_MOCKS=1 with ODOO_SYNC_MOCK_FILE",
        ),
        (
            {},
            ["sync", "odoo", "--env", "staging"],
            "error: unknown environment 'staging': use preprod or prod",
        ),
        (
            {"ODOOBRIDGE_ODOO_CONNECT_TIMEOUT": "soon"},
            ["sync", "odoo"],
            "error: setting ODOOBRIDGE_ODOO_CONNECT_TIMEOUT is invalid: "
            "Input should be a valid integer, unable to parse string as an integer",
        ),
        (
            {"DATABASE_URL": "oracle://u:Pw-Sekrit-9@db/x"},
            ["status"],
            "error: DATABASE_URL uses 'oracle': the store runs on sqlite or postgresql",
        ),
    ],
)
def test_errors_are_one_line_without_traceback(
    sqlite_store_url: str, extra_env: dict[str, str], args: list[str], expected: str
) -> None:
    result = odoobridge(*args, extra_env={"DATABASE_URL": sqlite_store_url, **extra_env})
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == expected
    assert "Traceback" not in result.stderr
    assert "Pw-Sekrit-9" not in result.stderr + result.stdout


def test_malformed_mock_file(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    mock = tmp_path / "odoo.json"
    mock.write_text(json.dumps({"groups": [{"odoo_id": "x", "name": "G"}], "users": []}))
    env.setenv("ODOO_SYNC_MOCK_FILE", str(mock))
    code, _, err = cli("sync", "odoo")
    assert code == 1
    assert err == (
        f"error: ODOO_SYNC_MOCK_FILE {mock} is malformed: groups[0].odoo_id: "
        "Input should be a valid integer, unable to parse string as an integer\n"
    )


def test_config_show_redacts_secrets(env: pytest.MonkeyPatch) -> None:
    env.setenv("ODOO_PROD_DSN", "postgresql+psycopg://reader:Pw-Sekrit-9@db.example.com:5432/odoo")
    code, out, _ = cli("config", "show", "--json")
    assert code == 0
    shown = json.loads(out)
    assert shown["ODOO_PROD_DSN"] == "postgresql+psycopg://reader:***@db.example.com:5432/odoo"
    assert shown["ODOO_ENVIRONMENT"] == "PREPROD"
    assert shown["ODOO_PREPROD_DSN"] is None
    _code, out, _ = cli("config", "show")
    assert "Pw-Sekrit-9" not in out and "ODOO_PROD_DSN" in out


def test_logs_carry_the_run_id_and_no_password(
    sqlite_store_url: str, odoo18: pg.OdooDatabase
) -> None:
    dsn = odoo18.reader_dsn.replace(f":{pg.READER_PASSWORD}@", ":Pw-Sekrit-9@")
    result = odoobridge(
        "sync",
        "odoo",
        "--json",
        extra_env={
            "DATABASE_URL": sqlite_store_url,
            "ODOO_PREPROD_DSN": dsn,
            "ODOOBRIDGE_LOG_FORMAT": "json",
            "ODOOBRIDGE_LOG_LEVEL": "INFO",
        },
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    run_id = json.loads(result.stdout)["id"]
    assert [line["msg"] for line in lines] == ["sync started", "sync finished"]
    assert all(line["run_id"] == run_id and line["environment"] == "PREPROD" for line in lines)
    assert "Pw-Sekrit-9" not in result.stderr + result.stdout


def test_check_reports_a_missing_grant(env: pytest.MonkeyPatch, odoo18: pg.OdooDatabase) -> None:
    odoo18.execute(f"REVOKE SELECT ON ir_rule FROM {pg.READER_ROLE}")
    odoo18.execute("GRANT CREATE ON SCHEMA public TO PUBLIC")
    odoo18.execute(f"GRANT TEMPORARY ON DATABASE {odoo18.name} TO PUBLIC")
    env.setenv("ODOO_PREPROD_DSN", odoo18.reader_dsn)
    code, out, _ = cli("check", "odoo")
    assert code == 1
    assert (
        "  FAIL ir_rule: missing grant — run: GRANT SELECT (id, name, model_id, domain_force, perm_read, "
        f"perm_write, perm_create, perm_unlink, global, active) ON ir_rule TO {pg.READER_ROLE};"
    ) in out.splitlines()
    assert (
        f"  warn {pg.READER_ROLE} can create tables in the schema — run: REVOKE CREATE ON SCHEMA public FROM PUBLIC;"
        in out.splitlines()
    )
    assert (
        f"  warn {pg.READER_ROLE} can create temporary tables — run: "
        f"REVOKE TEMPORARY ON DATABASE {odoo18.name} FROM PUBLIC;"
    ) in out.splitlines()
    assert "  ok   res_groups (groups)" in out.splitlines()


def test_setup_sql_for_odoo19_reads_privileges(env: pytest.MonkeyPatch) -> None:
    code, out, _ = cli("setup-sql", "--database", "odoo", "--odoo-version", "19")
    assert code == 0
    assert (
        "GRANT SELECT (id, name, privilege_id, share, comment) ON res_groups TO odoo_security_reader;"
        in out
    )
    assert (
        "GRANT SELECT (id, name, category_id) ON res_groups_privilege TO odoo_security_reader;"
        in out
    )
    code, _, err = cli("setup-sql")
    assert (
        code == 1 and err == "error: give --database NAME (no DSN is configured to take it from)\n"
    )


def test_demo_runs_on_the_embedded_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ODOOBRIDGE_DATA_DIR", str(tmp_path / "data"))
    code, out, _ = cli("demo", "--no-serve")
    assert code == 0
    assert "synced the demo data into Odoo (Pre-Production): run 1" in out
    assert "synced the demo data into Odoo (Production): run 2" in out
    assert (tmp_path / "data" / "odoobridge.sqlite").exists()
    code, out, _ = cli("status", "--json")
    assert json.loads(out)["odoo"][0]["counts"]["groups"] == 68


def test_db_commands(env: pytest.MonkeyPatch) -> None:
    code, out, _ = cli("db", "upgrade")
    assert code == 0 and out == f"store at {', '.join(sorted(head_revisions()))} (head)\n"
    code, out, _ = cli("db", "current")
    assert code == 0 and out.startswith("current: ")
    code, _, err = cli("db", "prune")
    assert code == 2 and "give --keep-days or set ODOOBRIDGE_RETENTION_DAYS" in err
    code, out, _ = cli("db", "prune", "--keep-days", "30", "--json")
    assert code == 0 and json.loads(out) == {"runs": 0, "facts": 0}
