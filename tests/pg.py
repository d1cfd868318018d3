"""PostgreSQL for the tests: the server, template databases loaded from the real Odoo fixtures,
fresh copies per test, and a read-only login set up the way ``odoobridge setup-sql`` says.

Templates are named after a hash of their source, loaded once per server (under an advisory lock
so parallel workers never race) and copied with ``CREATE DATABASE … TEMPLATE`` (fast).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from odoobridge.sources.odoo_schema import (
    Catalog,
    JsonbAdapter,
    LegacyAdapter,
    PrivilegeAdapter,
    SchemaAdapter,
)

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT.parent / "shared" / "odoo-fixtures"
ODOO_VERSIONS = (16, 18, 19)
READER_ROLE = "obtest_reader"
READER_PASSWORD = "reader-Secret-4711"  # trust auth on the test server ignores it


def admin_url() -> str:
    return os.environ.get("TEST_PG_URL", "postgresql://root@127.0.0.1:5432/postgres")


def url_for(database: str, *, user: str | None = None, password: str | None = None) -> str:
    """The admin URL pointed at ``database`` (optionally as another login)."""
    info = psycopg.conninfo.conninfo_to_dict(admin_url())
    info["dbname"] = database
    if user is not None:
        info["user"] = user
    if password is not None:
        info["password"] = password
    host = info.get("host", "127.0.0.1")
    port = info.get("port", "5432")
    auth = str(info.get("user", ""))
    if info.get("password"):
        auth += f":{info['password']}"
    return f"postgresql+psycopg://{auth}@{host}:{port}/{database}"


def connect(database: str = "postgres", **kwargs: Any) -> psycopg.Connection[Any]:
    info: dict[str, Any] = {**psycopg.conninfo.conninfo_to_dict(admin_url()), **kwargs}
    info["dbname"] = database
    return psycopg.connect(**info, autocommit=True)


def server_available() -> str | None:
    """None when the server answers, else why not."""
    try:
        with connect(connect_timeout=3):
            return None
    except psycopg.OperationalError as exc:
        return str(exc).strip().splitlines()[0]


@contextmanager
def advisory_lock(name: str) -> Iterator[None]:
    with connect() as conn:
        key = int(hashlib.sha1(name.encode()).hexdigest()[:15], 16)
        conn.execute("SELECT pg_advisory_lock(%s)", (key,))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (key,))


def database_exists(name: str) -> bool:
    with connect() as conn:
        return (
            conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            is not None
        )


def drop_database(name: str) -> None:
    with connect() as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def create_database(name: str, template: str | None = None) -> None:
    with connect() as conn:
        query = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            query += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        conn.execute(query)


def fixture_template(version: int) -> str:
    """The template database holding ``odoo{version}_demo.sql``, loaded if not there yet."""
    path = FIXTURES / f"odoo{version}_demo.sql"
    digest = hashlib.sha1(path.read_bytes()).hexdigest()[:10]
    name = f"obtpl_odoo{version}_{digest}"
    with advisory_lock(name):
        if not database_exists(name):
            staging = f"{name}_loading"
            drop_database(staging)
            create_database(staging)
            dsn = url_for(staging).replace("postgresql+psycopg://", "postgresql://")
            subprocess.run(
                ["psql", "-q", "-v", "ON_ERROR_STOP=1", "-d", dsn, "-f", str(path)],
                check=True,
                stdout=subprocess.DEVNULL,
            )
            with connect() as conn:
                conn.execute(
                    sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                        sql.Identifier(staging), sql.Identifier(name)
                    )
                )
    return name


def adapter_for(version: int, lang: str = "en_US") -> SchemaAdapter:
    if version >= 19:
        return PrivilegeAdapter(Catalog(), lang)
    if version >= 16:
        return JsonbAdapter(Catalog(), lang)
    return LegacyAdapter(Catalog(), lang)


def ensure_reader_role() -> None:
    with advisory_lock(READER_ROLE), connect() as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_roles WHERE rolname = %s", (READER_ROLE,)
        ).fetchone()
        if not exists:
            conn.execute(
                sql.SQL("CREATE ROLE {} LOGIN PASSWORD {} NOSUPERUSER NOCREATEDB").format(
                    sql.Identifier(READER_ROLE), sql.Literal(READER_PASSWORD)
                )
            )


def grant_reader(database: str, version: int) -> None:
    """Grant the test reader what ``setup-sql`` grants (required and optional tables)."""
    ensure_reader_role()
    with connect(database) as conn:
        conn.execute(
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
                sql.Identifier(database), sql.Identifier(READER_ROLE)
            )
        )
        conn.execute(
            sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(sql.Identifier(READER_ROLE))
        )
        conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        conn.execute(
            sql.SQL("REVOKE TEMPORARY ON DATABASE {} FROM PUBLIC").format(sql.Identifier(database))
        )
        present = {
            r[0]
            for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        }
        for need in adapter_for(version).needs():
            if need.table in present:
                conn.execute(need.grant(READER_ROLE))  # type: ignore[arg-type]


@dataclass
class OdooDatabase:
    """A fresh copy of a fixture: ``admin`` may write, ``reader`` is the least-privilege login."""

    name: str
    version: int

    @property
    def admin_dsn(self) -> str:
        return url_for(self.name)

    @property
    def reader_dsn(self) -> str:
        return url_for(self.name, user=READER_ROLE, password=READER_PASSWORD)

    def connect(self) -> psycopg.Connection[Any]:
        return connect(self.name)

    def execute(self, query: str, params: Any = None) -> list[tuple[Any, ...]]:
        with self.connect() as conn:
            cur = conn.execute(query, params)  # type: ignore[call-overload]
            return cur.fetchall() if cur.description else []


def copy_fixture(version: int) -> OdooDatabase:
    template = fixture_template(version)
    name = f"obt_odoo{version}_{uuid.uuid4().hex[:10]}"
    create_database(name, template)
    grant_reader(name, version)
    return OdooDatabase(name, version)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def password_cluster(user: str, password: str) -> Iterator[str]:
    """A private PostgreSQL cluster that checks passwords (scram-sha-256), from Debian's binaries;
    yields its URL for ``user``. The shared test server trusts every login, so wrong-password
    behaviour needs this one."""
    import glob
    import shutil

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise RuntimeError("Debian's postgresql binaries are needed: apt-get install postgresql")
    import tempfile

    bindir = Path(found[-1]).parent
    # Not under pytest's tmp dir: that one is private to root, and the server runs as postgres.
    workdir = Path(tempfile.mkdtemp(prefix="odoobridge-pg-"))
    datadir = workdir / "pgdata"
    pwfile = workdir / "pw"
    pwfile.write_text(password)
    as_postgres: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(workdir, "postgres")
        shutil.chown(pwfile, "postgres")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    subprocess.run(
        [*as_postgres, str(bindir / "initdb"), "-D", str(datadir), "-U", user,
         "--auth=scram-sha-256", f"--pwfile={pwfile}", "-E", "UTF8"],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    subprocess.run(
        [*as_postgres, str(bindir / "pg_ctl"), "-D", str(datadir), "-w", "-l",
         str(workdir / "log"), "-o", f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1",
         "start"],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        yield f"postgresql+psycopg://{user}:{password}@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*as_postgres, str(bindir / "pg_ctl"), "-D", str(datadir), "-m", "immediate", "stop"],
            check=False, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        shutil.rmtree(workdir, ignore_errors=True)
