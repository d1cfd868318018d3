"""Fixtures for the analysis tests: a fixture copy synced into a store, and its access index."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from odoobridge.access.analysis.effective import AccessIndex, index_for
from odoobridge.access.sync import sync_odoo
from odoobridge.environment import Environment
from odoobridge.settings import Settings
from odoobridge.store.engine import Store
from tests import pg


@dataclass
class Synced:
    db: pg.OdooDatabase
    store: Store
    settings: Settings
    environment: Environment = Environment.PREPROD

    def sync(self) -> int:
        return sync_odoo(self.store, self.settings, self.environment).id

    def index(self, run_id: int | None = None) -> AccessIndex:
        with self.store.session() as session:
            return index_for(session, self.environment, run_id)


@pytest.fixture
def make_synced(
    make_odoo_db: Callable[[int], pg.OdooDatabase], sqlite_store_url: str
) -> Callable[[int], Synced]:
    """A fresh fixture copy of the given version synced once into a SQLite store."""
    store = Store(sqlite_store_url)

    def make(version: int, environment: Environment = Environment.PREPROD) -> Synced:
        db = make_odoo_db(version)
        setting = "ODOO_PROD_DSN" if environment is Environment.PROD else "ODOO_PREPROD_DSN"
        settings = Settings(
            _env_file=None, DATABASE_URL=sqlite_store_url, **{setting: db.reader_dsn}
        )
        synced = Synced(db, store, settings, environment)
        synced.sync()
        return synced

    return make


@pytest.fixture
def synced18(make_synced: Callable[[int], Synced]) -> Synced:
    return make_synced(18)
