"""Every way reading Odoo's database can fail gives one clear, secret-free sentence."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator

import psycopg
import pytest

from odoobridge.errors import ConfigError
from odoobridge.sources.odoo_db import (
    OdooDbConnectError,
    OdooDbPermissionError,
    OdooDbQueryError,
    OdooDbReader,
    OdooDbSchemaError,
    OdooDbTarget,
    translate_error,
)
from tests import pg


def open_reader(dsn: str, **target: object) -> None:
    with OdooDbReader(OdooDbTarget(dsn=dsn, setting="ODOO_PREPROD_DSN", **target)):  # type: ignore[arg-type]
        pass


@pytest.mark.parametrize(
    ("dsn", "message"),
    [
        ("not a url", "ODOO_PREPROD_DSN is not a PostgreSQL URL"),
        ("mysql://u:p@h/db", "must point at PostgreSQL"),
        ("postgresql+psycopg://u:p@127.0.0.1:5432", "names no database"),
        ("postgresql+psycopg://u:p@127.0.0.1:notaport/odoo", "is not a PostgreSQL URL"),
    ],
)
def test_malformed_dsn(dsn: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        open_reader(dsn)
    assert ":p@" not in str(caught.value)


def test_connection_refused_is_fast() -> None:
    port = pg.free_port()
    started = time.monotonic()
    with pytest.raises(OdooDbConnectError, match=f"127.0.0.1:{port}/odoo refused the connection"):
        open_reader(f"postgresql+psycopg://u:SecretPw1@127.0.0.1:{port}/odoo")
    assert time.monotonic() - started < 2


def test_an_invalid_option_is_named_not_called_a_lost_connection(odoo18: pg.OdooDatabase) -> None:
    """``?sslmode=bogus`` read "the connection … was lost during the read; … run the sync again"."""
    with pytest.raises(OdooDbConnectError) as caught:
        open_reader(odoo18.reader_dsn + "?sslmode=bogus")
    assert caught.value.message == (
        'ODOO_PREPROD_DSN has an invalid option: invalid sslmode value: "bogus": fix it there'
    )


def test_unknown_host() -> None:
    with pytest.raises(OdooDbConnectError, match="unknown host in ODOO_PREPROD_DSN"):
        open_reader("postgresql+psycopg://u:SecretPw1@odoo-db.invalid:5432/odoo")


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP port that accepts connections and never answers (a black-holed database)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    listener.close()


def test_unanswered_connection_times_out(silent_server: int) -> None:
    started = time.monotonic()
    with pytest.raises(OdooDbConnectError, match=r"no answer from 127\.0\.0\.1:\d+/odoo within 2s"):
        open_reader(
            f"postgresql+psycopg://u:SecretPw1@127.0.0.1:{silent_server}/odoo", connect_timeout=2
        )
    assert time.monotonic() - started < 6


@pytest.fixture(scope="module")
def password_server() -> Iterator[str]:
    with pg.password_cluster("odoo_reader", "Right-Pass-1") as url:
        yield url


def test_wrong_password(password_server: str) -> None:
    wrong = password_server.replace("Right-Pass-1", "Wrong-Pass-2")
    with pytest.raises(OdooDbConnectError) as caught:
        open_reader(wrong)
    assert str(caught.value) == (
        f"{OdooDbTarget(dsn=wrong).where} refused the login for odoo_reader: "
        "check the user and password in ODOO_PREPROD_DSN"
    )
    assert "Wrong-Pass-2" not in str(caught.value)


def test_unknown_database(password_server: str) -> None:
    missing = password_server.rsplit("/", 1)[0] + "/no_such_db"
    with pytest.raises(OdooDbConnectError, match="database no_such_db does not exist"):
        open_reader(missing)


def test_right_password_reaches_the_schema_check(password_server: str) -> None:
    # The login works; the empty postgres database is simply not Odoo.
    with pytest.raises(OdooDbSchemaError, match="is it an Odoo database"):
        open_reader(password_server)


def test_missing_table_is_named(odoo18: pg.OdooDatabase) -> None:
    odoo18.execute("DROP TABLE ir_rule")
    with pytest.raises(OdooDbSchemaError, match="lacks ir_rule"):
        open_reader(odoo18.reader_dsn)


def test_missing_column_is_named(odoo18: pg.OdooDatabase) -> None:
    odoo18.execute("ALTER TABLE res_users DROP COLUMN share")
    with pytest.raises(OdooDbSchemaError, match=r"lacks res_users\.share"):
        open_reader(odoo18.reader_dsn)


def test_missing_grant_says_how_to_fix_it(odoo18: pg.OdooDatabase) -> None:
    odoo18.execute(f"REVOKE SELECT ON ir_model_access FROM {pg.READER_ROLE}")
    with pytest.raises(OdooDbPermissionError) as caught:
        open_reader(odoo18.reader_dsn)
    assert str(caught.value) == (
        "permission denied for table ir_model_access — run: GRANT SELECT (id, name, model_id, "
        "group_id, perm_read, perm_write, perm_create, perm_unlink, active) ON ir_model_access "
        f"TO {pg.READER_ROLE};"
    )


def test_missing_column_grant_lists_only_that_column(odoo18: pg.OdooDatabase) -> None:
    odoo18.execute(f"REVOKE SELECT (email) ON res_partner FROM {pg.READER_ROLE}")
    with pytest.raises(OdooDbPermissionError, match=r"GRANT SELECT \(email\) ON res_partner"):
        open_reader(odoo18.reader_dsn)


def test_missing_optional_grant_skips_the_entity(odoo18: pg.OdooDatabase) -> None:
    odoo18.execute(f"REVOKE SELECT ON hr_employee FROM {pg.READER_ROLE}")
    with OdooDbReader(OdooDbTarget(dsn=odoo18.reader_dsn)) as reader:
        assert reader.info is not None
        assert "employees" not in reader.info.entities
        assert reader.info.skipped["employees"].startswith(
            "not readable: GRANT SELECT (id, user_id"
        )


def test_runtime_permission_error_is_translated(odoo18: pg.OdooDatabase) -> None:
    target = OdooDbTarget(dsn=odoo18.reader_dsn)
    with (
        psycopg.connect(odoo18.reader_dsn.replace("+psycopg", "")) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege) as caught,
    ):
        conn.execute("SELECT * FROM account_move")
    error = translate_error(caught.value, target)
    assert isinstance(error, OdooDbPermissionError)
    assert str(error) == (
        "permission denied for table account_move — run: "
        f"GRANT SELECT ON account_move TO {pg.READER_ROLE}"
    )


def test_statement_timeout(odoo18: pg.OdooDatabase) -> None:
    with odoo18.connect() as locker:
        locker.autocommit = False
        locker.execute("LOCK TABLE ir_rule IN ACCESS EXCLUSIVE MODE")
        target = OdooDbTarget(dsn=odoo18.reader_dsn, statement_timeout=1)
        with OdooDbReader(target) as reader, pytest.raises(OdooDbQueryError) as caught:
            list(reader.batches("rules"))
        locker.rollback()
    assert "ran longer than ODOOBRIDGE_ODOO_STATEMENT_TIMEOUT=1s" in str(caught.value)


def test_connection_killed_mid_read(
    odoo18: pg.OdooDatabase,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """One line, and no second traceback: the pool used to roll back the dead connection on
    return and log "Exception during reset or similar" with 28 lines of traceback."""
    caplog.set_level(logging.DEBUG)
    target = OdooDbTarget(dsn=odoo18.reader_dsn, batch_size=100)
    with OdooDbReader(target) as reader, pytest.raises(OdooDbQueryError) as caught:
        for i, _batch in enumerate(reader.batches("acls")):
            if i == 2:
                odoo18.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = 'odoobridge' AND datname = current_database()"
                )
    assert "was lost during the read" in str(caught.value)
    assert "nothing was changed" in str(caught.value)
    noisy = [r for r in caplog.records if r.exc_info or r.levelno >= logging.WARNING]
    assert noisy == [], [r.getMessage() for r in noisy]
    assert "Traceback" not in capfd.readouterr().err
