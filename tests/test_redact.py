"""Redaction (issue 18.4, 18.8): every form of a DSN password is masked whole — a password with
``/``, ``?password=``, ``?sslpassword=``, libpq conninfo — in text, in settings and in log lines;
a configured secret is masked where it stands as a value, never cut out of another word."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy.engine import make_url

from odoobridge.logs import configure_logging, get_logger, kv
from odoobridge.redact import MASK, redact, redact_url, redact_value, value_secrets
from odoobridge.settings import Settings

# (value, its secrets, how it reads redacted)
FORMS = [
    ("postgresql+psycopg://reader:Sl4sh/Pw-1@db.example.com:5432/odoo", ["Sl4sh/Pw-1"],
     "postgresql+psycopg://reader:***@db.example.com:5432/odoo"),
    ("postgresql://reader@db.example.com/odoo?password=Qu3ry-Pw-2&sslmode=require",
     ["Qu3ry-Pw-2"], "postgresql://reader@db.example.com/odoo?password=***&sslmode=require"),
    ("postgresql://reader@db.example.com/odoo?sslmode=verify-full&sslpassword=Ssl-Pw-3",
     ["Ssl-Pw-3"], "postgresql://reader@db.example.com/odoo?sslmode=verify-full&sslpassword=***"),
    ("postgresql://reader:P%40ss%2Fw0rd-4@db.example.com/odoo", ["P%40ss%2Fw0rd-4", "P@ss/w0rd-4"],
     "postgresql://reader:***@db.example.com/odoo"),
    ("host=db.example.com user=reader password='Conn Info Pw 5' sslpassword=Ssl-Pw-6 dbname=odoo",
     ["Conn Info Pw 5", "Ssl-Pw-6"], "host=db.example.com user=reader password=*** sslpassword=*** dbname=odoo"),
    ("host=db.example.com password=Plain-Pw-7 dbname=odoo", ["Plain-Pw-7"],
     "host=db.example.com password=*** dbname=odoo"),
]  # fmt: skip


@pytest.mark.parametrize(("value", "secrets", "shown"), FORMS)
def test_every_dsn_form_is_redacted_whole(value: str, secrets: list[str], shown: str) -> None:
    assert redact_value(value) == shown
    assert set(secrets) <= set(value_secrets(value))
    message = f"cannot connect to '{value}': check it"
    assert redact(message) == f"cannot connect to '{shown}': check it"


def test_the_url_password_is_the_one_sqlalchemy_connects_with() -> None:
    url = "postgresql+psycopg://reader:Sl4sh/Pw-1@db.example.com:5432/odoo"
    assert make_url(url).password == "Sl4sh/Pw-1"  # what the connection would use
    assert "Sl4sh" not in redact_url(url) and "Pw-1" not in redact_url(url)
    # A URL SQLAlchemy cannot read whole (port not a number) still loses its password.
    assert redact_url("postgresql://u:Sl4sh/Pw@h:notaport/db") == "postgresql://u:***@h:notaport/db"
    # The placeholder of an example stays readable.
    example = "use postgresql+psycopg://user:password@host:5432/dbname"
    assert redact_url(example) == example


def test_values_in_mappings_and_headers() -> None:
    text = (
        'body {"password": "Js0n-Pw", "name": "x"} {\'client_secret\': \'Py-Secret\'} '
        "Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln X-API-Key: ob_live_1234abcd "
        "Cookie: session=abc.def; other=1"
    )
    cleaned = redact(text)
    for secret in ("Js0n-Pw", "Py-Secret", "eyJhbGciOiJSUzI1NiJ9", "ob_live_1234abcd", "abc.def"):
        assert secret not in cleaned
    assert '"name": "x"' in cleaned and "Authorization: Bearer ***" in cleaned
    assert redact("Bearer authentication failed") == "Bearer authentication failed"


def test_a_short_secret_is_not_cut_out_of_words() -> None:
    """The password ``admin`` made "an ***istrator" (and so showed itself): a configured secret
    is masked as a whole value, not as a piece of another word."""
    secrets = ["admin", "Long-Secret-Value"]
    assert redact("ask an administrator", secrets) == "ask an administrator"
    assert redact("the badminton club", secrets) == "the badminton club"
    assert redact("ODOO_PASSWORD=admin, password: admin", secrets) == (
        f"ODOO_PASSWORD={MASK}, password: {MASK}"
    )
    assert redact("cannot use Long-Secret-Value here", secrets) == "cannot use *** here"
    assert redact("xLong-Secret-Valuex stays", secrets) == "xLong-Secret-Valuex stays"


def test_settings_show_and_list_every_form() -> None:
    settings = Settings(
        _env_file=None,
        DATABASE_URL=FORMS[0][0],
        ODOO_PROD_DSN=FORMS[1][0],
        ODOO_PREPROD_DSN=FORMS[2][0],
        ODOOBRIDGE_BI_ADMIN_DSN=FORMS[4][0],
        ODOOBRIDGE_BI_READ_DSN="not a url nor conninfo Odd-Pw-8",
        ODOO_PASSWORD="admin",
    )
    shown = settings.public_view()
    assert shown["DATABASE_URL"] == FORMS[0][2]
    assert shown["ODOO_PROD_DSN"] == FORMS[1][2]
    assert shown["ODOO_PREPROD_DSN"] == FORMS[2][2]
    assert shown["ODOOBRIDGE_BI_ADMIN_DSN"] == FORMS[4][2]
    assert shown["ODOOBRIDGE_BI_READ_DSN"] == MASK
    assert shown["ODOO_PASSWORD"] == "**********"
    listed = settings.secret_values()
    for secret in ("Sl4sh/Pw-1", "Qu3ry-Pw-2", "Ssl-Pw-3", "Conn Info Pw 5", "Ssl-Pw-6", "admin"):
        assert secret in listed


@pytest.mark.parametrize("fmt", ["json", "kv"])
def test_log_lines_carry_no_form_of_a_secret_and_stay_well_formed(
    fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("INFO", fmt, ["admin", "Known-Secret-9"])
    try:
        log = get_logger("odoobridge.test")
        for value, _secrets, _shown in FORMS:
            log.warning("cannot connect to %s", value, extra=kv(dsn=value))
        log.warning("an administrator set password: admin and Known-Secret-9")
    finally:
        logging.getLogger("odoobridge").handlers.clear()
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == len(FORMS) + 1
    for (_value, secrets, shown), line in zip(FORMS, lines, strict=False):
        for secret in secrets:
            assert secret not in line, line
        if fmt == "json":
            fields = json.loads(line)
            assert fields["msg"] == f"cannot connect to {shown}" and fields["dsn"] == shown
    assert "an administrator set password: *** and ***" in lines[-1]
