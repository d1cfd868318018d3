"""Fixtures of the gateway tests: the app on a PostgreSQL store, configured for a running stub
Odoo (tests/fakes/odoo_rpc.py, Odoo 18 over XML-RPC unless parametrised), and API keys for
each kind of caller.

``gateway_env`` adds settings: ``@pytest.mark.parametrize("gateway_env",
[{"ODOOBRIDGE_GATEWAY_READ_LIMIT": "2/minute"}], indirect=True)``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from odoobridge.auth.roles import Role
from odoobridge.settings import Settings
from tests.auth.conftest import _quick_password_hashes  # noqa: F401 (autouse fixture)
from tests.fakes.odoo_rpc_fixtures import RunningStub
from tests.web.conftest import (  # noqa: F401 (fixtures)
    SECRET_KEY,
    anonymous,
    app,
    base_url,
    make_key,
    people,
    signed_in,
    store_url,
)
from tests.web.live import client

READ = ["gateway:read"]
PROPOSE = ["gateway:read", "gateway:propose"]
EVERYTHING = ["gateway:read", "gateway:propose", "gateway:execute"]


@pytest.fixture
def gateway_env(request: pytest.FixtureRequest) -> dict[str, str]:
    return dict(getattr(request, "param", {}))


def odoo_env(stub: RunningStub) -> dict[str, str]:
    """Settings for the stub: admin with an API key (random, so the redaction of secrets in
    answers never hides a plain word such as the demo password "admin")."""
    config = stub.config
    return {
        "ODOO_URL": config.url,
        "ODOO_DB": config.db,
        "ODOO_USERNAME": config.username,
        "ODOO_API_KEY": stub.stub.admin_key,
        "ODOOBRIDGE_ODOO_PROTOCOL": config.protocol,
    }


@pytest.fixture
def web_settings(
    make_settings: Callable[..., Settings], odoo_rpc_stub: RunningStub, gateway_env: dict[str, str]
) -> Settings:
    values = {"ODOOBRIDGE_SECRET_KEY": SECRET_KEY, **odoo_env(odoo_rpc_stub), **gateway_env}
    return make_settings(**values)


@dataclass
class Caller:
    """An HTTP client of the app sending one API key."""

    http: httpx.Client
    key: str

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.http.get(url, headers={"X-API-Key": self.key}, **kwargs)

    def post(self, url: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        return self.http.post(url, json=json, headers={"X-API-Key": self.key}, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.http.delete(url, headers={"X-API-Key": self.key}, **kwargs)


@pytest.fixture
def callers(
    base_url: str,  # noqa: F811 (the imported fixture)
    make_key: Callable[..., str],  # noqa: F811 (the imported fixture)
) -> Iterator[Callable[..., Caller]]:
    """``callers(Role.VIEWER, READ)``: a client sending a new key with that role and scopes."""
    opened: list[httpx.Client] = []

    def make(role: Role, scopes: list[str]) -> Caller:
        http = client(base_url)
        opened.append(http)
        return Caller(http, make_key(role, scopes=scopes))

    yield make
    for http in opened:
        http.close()


@pytest.fixture
def reader(callers: Callable[..., Caller]) -> Caller:
    """A script that may search (viewer key with gateway:read)."""
    return callers(Role.VIEWER, READ)


@pytest.fixture
def proposer(callers: Callable[..., Caller]) -> Caller:
    """An agent that may search and propose (viewer key with gateway:read and :propose)."""
    return callers(Role.VIEWER, PROPOSE)


@pytest.fixture
def executor(callers: Callable[..., Caller]) -> Caller:
    """An administrator's key with every gateway scope."""
    return callers(Role.ADMIN, EVERYTHING)


@dataclass
class SharedGateway:
    """One app on one stub for a whole module of tests that change nothing in Odoo."""

    base_url: str
    stub: RunningStub
    reader: Caller


@pytest.fixture(scope="module")
def shared_gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SharedGateway]:
    """Odoo 18 over XML-RPC, a PostgreSQL store and a reader key; reads are not rate-limited
    here (the limit tests have their own app)."""
    from odoobridge.auth.apikeys import create_api_key
    from odoobridge.auth.audit import Origin
    from odoobridge.store.engine import Store
    from odoobridge.web.app import create_app
    from tests import pg
    from tests.conftest import _postgres_store_template
    from tests.fakes.odoo_rpc import OdooRpcStub
    from tests.fakes.odoo_rpc_fixtures import stub_config
    from tests.web.live import live_server

    stub = OdooRpcStub(pg.copy_fixture(18), 18).start()
    running = RunningStub(stub, stub_config(stub))
    store_name = f"obt_store_{uuid.uuid4().hex[:10]}"
    pg.create_database(store_name, _postgres_store_template())
    store = Store(pg.url_for(store_name))
    settings = Settings(
        _env_file=None,
        DATABASE_URL=pg.url_for(store_name),
        ODOOBRIDGE_DATA_DIR=str(tmp_path_factory.mktemp("data")),
        ODOOBRIDGE_SECRET_KEY=SECRET_KEY,
        ODOOBRIDGE_GATEWAY_READ_LIMIT="100000/minute",
        **odoo_env(running),
    )
    with store.session() as session:
        _key, raw = create_api_key(
            session, name="reader", role=Role.VIEWER, scopes=READ, by="test",
            by_role=Role.SUPER_ADMIN, origin=Origin(),
        )  # fmt: skip
    try:
        with live_server(create_app(settings, store)) as base, client(base) as http:
            yield SharedGateway(base, running, Caller(http, raw))
    finally:
        store.dispose()
        pg.drop_database(store_name)
        stub.stop()
        pg.drop_database(stub.database.name)
