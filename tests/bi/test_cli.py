"""``odoobridge bi …`` end to end: install, status, refresh, grant, rls, access, token, uninstall;
errors are one line on stderr with a non-zero exit, and never show a password."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from odoobridge.cli.main import app
from tests import pg
from tests.bi.conftest import RoleNames
from tests.fakes.superset import FakeSuperset, decode_jwt

runner = CliRunner()
DASHBOARD = "7d1c1b1e-3f4a-4b7e-9c1d-2a5e8f0b6c3d"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, sqlite_store_url: str) -> pytest.MonkeyPatch:
    monkeypatch.setenv("DATABASE_URL", sqlite_store_url)
    return monkeypatch


def cli(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=stdin)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def superset() -> Iterator[FakeSuperset]:
    fake = FakeSuperset().start()
    yield fake
    fake.stop()


def test_the_whole_cycle(env: pytest.MonkeyPatch, bi_db: pg.OdooDatabase, roles: RoleNames) -> None:
    env.setenv("ODOOBRIDGE_BI_ADMIN_DSN", bi_db.admin_dsn)
    code, out, _ = cli("bi", "status")
    assert code == 1 and "not installed" in out
    code, out, _ = cli("bi", "install", "--materialized", "--json")
    assert code == 0
    report = json.loads(out)
    assert report["schema_created"] and len(report["installed"]) == 17
    code, out, _ = cli("bi", "install")
    assert code == 0 and "already up to date" in out
    code, out, _ = cli("bi", "status", "--json")
    status = json.loads(out)
    assert status["up_to_date"] and status["materialized"]
    assert {o["state"] for o in status["objects"]} == {"current"}
    code, out, _ = cli("bi", "refresh", "--view", "sales_kpi_day", "--json")
    assert code == 0 and json.loads(out)["stats"]["views"]["mv_sales_kpi_day"]["rows"] == 7
    role = roles.new("superset_readonly")
    code, out, _ = cli("bi", "grant", "--role", role, "--statement-timeout", "20")
    assert code == 0, out
    assert "reads the analytics schema only" in out and "statement_timeout=20s" in out
    code, out, _ = cli("bi", "rls", "enable", "--prefix", roles.prefix())
    assert code == 0 and "native row-level security on 8 tables" in out
    code, out, _ = cli("bi", "uninstall", stdin="n\n")
    assert code == 1
    code, out, _ = cli("bi", "uninstall", "--yes", "--json")
    assert code == 0 and "analytics" in json.loads(out)["removed"]


def test_grant_print_needs_no_connection(env: pytest.MonkeyPatch) -> None:
    code, out, _ = cli("bi", "grant", "--print", "--database", "odoo_prod")
    assert code == 0
    assert 'GRANT CONNECT ON DATABASE "odoo_prod" TO "superset_readonly";' in out
    assert 'ALTER ROLE "superset_readonly" SET "statement_timeout" = \'30s\';' in out


def test_errors_are_one_line_without_secrets(
    env: pytest.MonkeyPatch, bi_db: pg.OdooDatabase
) -> None:
    code, _, err = cli("bi", "install")
    assert code == 1 and err.startswith("error: give --dsn") and err.count("\n") == 1
    port = pg.free_port()
    code, _, err = cli("bi", "install", "--dsn", f"postgresql://u:Hush-Secret-1@127.0.0.1:{port}/x")
    assert code == 1 and "refused the connection" in err and "Hush-Secret-1" not in err
    code, _, err = cli("bi", "install", "--dsn", bi_db.reader_dsn)
    assert code == 1 and "permission denied for database" in err
    assert pg.READER_PASSWORD not in err and err.count("\n") == 1
    code, _, err = cli("bi", "grant", "--role", "Bad Name", "--dsn", bi_db.admin_dsn)
    assert code == 1 and "role name 'Bad Name' is not allowed" in err
    code, _, err = cli("bi", "access", "set", "someone", "1", "read")
    assert code == 1 and "is not an e-mail address" in err
    code, _, err = cli("bi", "access", "set", "a@example.com", "1", "owner")
    assert code == 1 and "use full, read or none" in err


def test_access_set_refuses_a_company_odoo_does_not_have(
    env: pytest.MonkeyPatch, bi_db: pg.OdooDatabase
) -> None:
    code, _, err = cli("bi", "access", "set", "a@example.com", "1", "read")
    assert code == 1 and err.startswith("error: give --dsn") and err.count("\n") == 1
    env.setenv("ODOOBRIDGE_BI_ADMIN_DSN", bi_db.admin_dsn)
    code, _, err = cli("bi", "access", "set", "a@example.com", "3", "read")
    assert (code, err) == (1, "error: Odoo has no company 3: give one of its companies' ids: "
                              "1 (My Company (San Francisco)), 2 (My Company (Chicago))\n")  # fmt: skip
    bi_db.execute("INSERT INTO res_company SELECT (jsonb_populate_record(NULL::res_company, "
                  "to_jsonb(c) || '{\"id\": 3, \"name\": \"Third Co\"}')).* "
                  "FROM res_company c WHERE id = 2")  # fmt: skip
    assert cli("bi", "access", "set", "a@example.com", "3", "read") == (
        0, "a@example.com: company 3 → read\n", ""
    )  # fmt: skip
    assert json.loads(cli("bi", "access", "list", "--json")[1])[0]["company_id"] == 3


def test_access_and_token_commands(
    env: pytest.MonkeyPatch, superset: FakeSuperset, bi_db: pg.OdooDatabase
) -> None:
    env.setenv("ODOOBRIDGE_BI_ADMIN_DSN", bi_db.admin_dsn)
    env.setenv("ODOOBRIDGE_SUPERSET_URL", superset.url)
    env.setenv("ODOOBRIDGE_SUPERSET_USERNAME", superset.username)
    env.setenv("ODOOBRIDGE_SUPERSET_PASSWORD", superset.password)
    assert cli("bi", "access", "set", "Reader.A@example.com", "1", "read")[0] == 0
    assert cli("bi", "access", "set", "reader.a@example.com", "2", "none")[0] == 0
    code, out, _ = cli("bi", "access", "list", "--json")
    assert [(r["user_email"], r["company_id"], r["access_level"]) for r in json.loads(out)] == [
        ("reader.a@example.com", 1, "read"), ("reader.a@example.com", 2, "none")
    ]  # fmt: skip
    code, out, _ = cli("bi", "access", "clause", "reader.a@example.com")
    assert out == "company_id IN (1)\n"
    code, out, _ = cli("bi", "access", "clause", "ann@example.com", "--mode", "lookup")
    assert "user_email = convert_from(decode('616e6e406578616d706c652e636f6d', 'hex')" in out
    code, _, err = cli("bi", "access", "clause", "o'brien@example.com", "--mode", "lookup")
    assert code == 1 and err.count("\n") == 1
    assert "\"o'brien@example.com\" cannot be used for analytics: addresses holding ' are" in err
    code, out, _ = cli("bi", "token", "--user", "reader.a@example.com", "--dashboard", DASHBOARD)
    assert code == 0
    assert decode_jwt(out.strip())["rls_rules"] == [{"clause": "company_id IN (1)"}]
    code, out, _ = cli("bi", "access", "log", "--json")
    (entry,) = json.loads(out)
    assert entry["user_email"] == "reader.a@example.com" and entry["dashboard_id"] == DASHBOARD
    assert entry["rls_clauses"] == ["company_id IN (1)"] and entry["issued_via"].startswith("cli")
    env.setenv("ODOOBRIDGE_SUPERSET_PASSWORD", "Not-The-Password-7")
    code, _, err = cli("bi", "token", "--user", "reader.a@example.com", "--dashboard", DASHBOARD)
    assert code == 1 and "refused the login" in err and "Not-The-Password-7" not in err
    assert cli("bi", "access", "remove", "reader.a@example.com")[1] == "removed 2 rows\n"
