"""Fixtures of the sales tests: a stub Odoo on a copy of a real fixture (tests/fakes/odoo_rpc.py;
Odoo 18 over JSON-RPC unless ``odoo_rpc_stub`` is parametrised), settings pointing the CRM sync
at it, and a direct connection to the copy for independent queries."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest

from odoobridge.sales.crm_sync import sync_crm
from odoobridge.settings import Settings
from odoobridge.sources.odoo_rpc import OdooRpcClient
from odoobridge.store.engine import Store
from odoobridge.sync.models import SyncRun
from tests import pg
from tests.fakes.odoo_rpc_fixtures import RunningStub


def odoo_env(stub: RunningStub, **extra: Any) -> dict[str, Any]:
    """Settings for the CRM sync against ``stub`` (its admin's API key: never a plain word)."""
    config = stub.config
    return {
        "ODOO_URL": config.url,
        "ODOO_DB": config.db,
        "ODOO_USERNAME": config.username,
        "ODOO_API_KEY": stub.stub.admin_key,
        "ODOOBRIDGE_ODOO_PROTOCOL": config.protocol,
        **extra,
    }


@pytest.fixture
def crm_settings(make_settings: Callable[..., Settings], odoo_rpc_stub: RunningStub) -> Settings:
    return make_settings(**odoo_env(odoo_rpc_stub))


@pytest.fixture
def client(odoo_rpc_stub: RunningStub) -> Iterator[OdooRpcClient]:
    """A client of the stub as its admin, to change Odoo's data between syncs."""
    with odoo_rpc_stub.client() as client:
        yield client


@pytest.fixture
def odoo_sql(odoo_rpc_stub: RunningStub) -> Iterator[psycopg.Connection[Any]]:
    """A connection to the stub's database: the independent answers."""
    with pg.connect(odoo_rpc_stub.database.name) as conn:
        yield conn


def sql(conn: psycopg.Connection[Any], query: str, params: Any = None) -> list[tuple[Any, ...]]:
    return conn.execute(query, params).fetchall()


@pytest.fixture
def crm_sync(store: Store, crm_settings: Settings) -> Callable[..., SyncRun]:
    """``crm_sync(full=False, only=None)``: one CRM sync on the test store."""

    def run(**options: Any) -> SyncRun:
        return sync_crm(store, crm_settings, **options)

    return run
