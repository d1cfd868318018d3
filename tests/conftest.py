"""Shared fixtures: PostgreSQL with the real Odoo fixtures, stores on SQLite and PostgreSQL,
settings that ignore the developer's environment, and the CLI runner."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from odoobridge.settings import Settings
from odoobridge.store.engine import Store
from odoobridge.store.migrate import MIGRATIONS_DIR
from tests import pg
from tests.fakes.odoo_rpc_fixtures import make_odoo_rpc_stub, odoo_rpc_stub  # noqa: F401

_OWN_VARIABLES = ("DATABASE_URL", "ALLOW_SYNC_MOCKS", "REDIS_URL")
_OWN_PREFIXES = ("ODOO_", "ODOOBRIDGE_", "AZURE_")


def pytest_configure(config: pytest.Config) -> None:
    reason = pg.server_available()
    if reason is not None:
        raise pytest.UsageError(
            f"no PostgreSQL at {pg.admin_url()} ({reason}). The tests need one: run `./run test`, "
            "which starts a private cluster where Debian's postgresql is installed, or set "
            "TEST_PG_URL=postgresql://user@host:5432/postgres for a server where that user may "
            "create databases and roles."
        )


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests see none of the developer's OdooBridge settings, and no .env file."""
    for name in list(os.environ):
        if name in _OWN_VARIABLES or name.startswith(_OWN_PREFIXES):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ODOOBRIDGE_DATA_DIR", str(tmp_path / "data"))


# --- Odoo databases ---------------------------------------------------------------------------


@pytest.fixture
def make_odoo_db() -> Iterator[Callable[[int], pg.OdooDatabase]]:
    """Fresh copies of the fixtures, dropped after the test: ``make_odoo_db(18)``."""
    made: list[pg.OdooDatabase] = []

    def make(version: int) -> pg.OdooDatabase:
        database = pg.copy_fixture(version)
        made.append(database)
        return database

    yield make
    for database in made:
        pg.drop_database(database.name)


@pytest.fixture
def odoo18(make_odoo_db: Callable[[int], pg.OdooDatabase]) -> pg.OdooDatabase:
    return make_odoo_db(18)


@pytest.fixture(params=pg.ODOO_VERSIONS, ids=lambda v: f"odoo{v}")
def odoo_any(
    request: pytest.FixtureRequest, make_odoo_db: Callable[[int], pg.OdooDatabase]
) -> pg.OdooDatabase:
    """Each test using this runs once per fixture version (16, 18, 19)."""
    return make_odoo_db(request.param)


# --- the store --------------------------------------------------------------------------------


def _migrations_digest() -> str:
    digest = hashlib.sha1()
    for path in sorted(MIGRATIONS_DIR.rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def _postgres_store_template() -> str:
    name = f"obtpl_store_{_migrations_digest()}"
    with pg.advisory_lock(name):
        if not pg.database_exists(name):
            staging = f"{name}_loading"
            pg.drop_database(staging)
            pg.create_database(staging)
            Store(pg.url_for(staging)).dispose()
            with pg.connect() as conn:
                conn.execute(f'ALTER DATABASE "{staging}" RENAME TO "{name}"')
    return name


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty store on each engine."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.sqlite'}"
        return
    name = f"obt_store_{uuid.uuid4().hex[:10]}"
    pg.create_database(name, _postgres_store_template())
    try:
        yield pg.url_for(name)
    finally:
        pg.drop_database(name)


@pytest.fixture
def sqlite_store_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store.sqlite'}"


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    store = Store(store_url)
    yield store
    store.dispose()


@pytest.fixture
def make_settings(store_url: str, tmp_path: Path) -> Callable[..., Settings]:
    """``make_settings(ODOO_PREPROD_DSN=…)``: settings on the test store, nothing from outside."""

    def make(**values: Any) -> Settings:
        base: dict[str, Any] = {"DATABASE_URL": store_url, "ODOOBRIDGE_DATA_DIR": str(tmp_path)}
        base.update(values)
        return Settings(_env_file=None, **base)

    return make
