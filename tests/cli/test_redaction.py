"""Redaction at the command line (issue 18.4, 18.8): ``config show`` and one-line errors never
show a DSN password in any form, and never garble a word that holds a short password."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from odoobridge.cli.main import app

runner = CliRunner()
DASHBOARD = "7d1c1b1e-3f4a-4b7e-9c1d-2a5e8f0b6c3d"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, sqlite_store_url: str) -> pytest.MonkeyPatch:
    monkeypatch.setenv("DATABASE_URL", sqlite_store_url)
    return monkeypatch


def cli(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_config_show_hides_every_form_of_a_dsn_password(env: pytest.MonkeyPatch) -> None:
    env.setenv("ODOO_PROD_DSN", "postgresql+psycopg://reader:Sl4sh/Pw@db.example.com/odoo")
    env.setenv("ODOO_PREPROD_DSN", "postgresql://reader@db.example.com/odoo?password=Qu3ry-Pw")
    env.setenv("ODOOBRIDGE_BI_ADMIN_DSN", "postgresql://o@db/odoo?sslpassword=Ssl-Key-Pw")
    env.setenv("ODOOBRIDGE_BI_READ_DSN", "host=db user=r password='Conn Pw' dbname=odoo")
    code, out, _ = cli("config", "show", "--json")
    assert code == 0
    shown = json.loads(out)
    assert shown["ODOO_PROD_DSN"] == "postgresql+psycopg://reader:***@db.example.com/odoo"
    assert shown["ODOO_PREPROD_DSN"] == "postgresql://reader@db.example.com/odoo?password=***"
    assert shown["ODOOBRIDGE_BI_ADMIN_DSN"] == "postgresql://o@db/odoo?sslpassword=***"
    assert shown["ODOOBRIDGE_BI_READ_DSN"] == "host=db user=r password=*** dbname=odoo"
    _code, table, _ = cli("config", "show")
    for secret in ("Sl4sh", "Qu3ry-Pw", "Ssl-Key-Pw", "Conn Pw"):
        assert secret not in out and secret not in table


@pytest.mark.parametrize(
    ("url", "secret", "shown"),
    [
        ("ftp://svc:Sl4sh/Pw@superset.example.com", "Sl4sh/Pw", "ftp://svc:***@superset.example.com"),
        ("ftp://superset.example.com/?password=Qu3ry-Pw", "Qu3ry-Pw", "ftp://superset.example.com/?password=***"),
        ("ftp://superset.example.com/?sslpassword=Ssl-Pw", "Ssl-Pw", "ftp://superset.example.com/?sslpassword=***"),
        ("host=superset password='Conn Pw' port=8088", "Conn Pw", "host=superset password=*** port=8088"),
    ],
)  # fmt: skip
def test_an_error_line_hides_every_form(
    env: pytest.MonkeyPatch, url: str, secret: str, shown: str
) -> None:
    env.setenv("ODOOBRIDGE_SUPERSET_URL", url)
    env.setenv("ODOOBRIDGE_SUPERSET_USERNAME", "svc")
    env.setenv("ODOOBRIDGE_SUPERSET_PASSWORD", "Superset-Pw-1")
    code, _, err = cli("bi", "token", "--user", "a@example.com", "--dashboard", DASHBOARD)
    assert code == 1 and secret not in err
    quote = '"' if "'" in url else "'"  # as repr() quotes it
    assert err == (
        f"error: ODOOBRIDGE_SUPERSET_URL {quote}{shown}{quote} is not a URL: "
        "use https://superset.example.com\n"
    )


def test_a_short_password_does_not_garble_an_error(env: pytest.MonkeyPatch) -> None:
    env.setenv("ODOO_PASSWORD", "admin")
    code, _, err = cli("bi", "access", "list", "--user", "administrator")
    assert code == 1
    assert err == (
        "error: 'administrator' is not an e-mail address: give one like name@example.com\n"
    )
