"""The ``odoo_rpc_stub`` fixture: a running stub Odoo (tests/fakes/odoo_rpc.py) on a fresh copy
of a fixture database, with an :class:`OdooRpcConfig` for it.

``odoo_rpc_stub`` serves Odoo 18 over XML-RPC as admin/admin; parametrise it indirectly for other
versions or protocols::

    @pytest.mark.parametrize("odoo_rpc_stub", [16, 18, 19], indirect=True)
    @pytest.mark.parametrize("odoo_rpc_stub", [{"version": 19, "protocol": "json2"}], indirect=True)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import pytest
from pydantic import SecretStr

from odoobridge.sources.odoo_rpc import OdooRpcClient, OdooRpcConfig
from tests import pg
from tests.fakes.odoo_rpc import OdooRpcStub


@dataclass
class RunningStub:
    stub: OdooRpcStub
    config: OdooRpcConfig

    def client(self, **overrides: Any) -> OdooRpcClient:
        """A client of the stub; ``overrides`` replace config fields (protocol, timeout …)."""
        if overrides.get("protocol") == "json2" and self.config.api_key is None:
            overrides.setdefault("api_key", SecretStr(self.stub.admin_key))
        return OdooRpcClient(replace(self.config, **overrides))

    @property
    def database(self) -> pg.OdooDatabase:
        return self.stub.database


def stub_config(stub: OdooRpcStub, protocol: str = "xmlrpc", **overrides: Any) -> OdooRpcConfig:
    values: dict[str, Any] = {
        "url": stub.url, "db": stub.db_name, "username": "admin",
        "password": SecretStr("admin"), "protocol": protocol, "timeout": 10.0,
    }  # fmt: skip
    if protocol == "json2":
        values["api_key"] = SecretStr(stub.admin_key)
    values.update(overrides)
    return OdooRpcConfig(**values)


@pytest.fixture
def make_odoo_rpc_stub() -> Iterator[Callable[..., RunningStub]]:
    """``make_odoo_rpc_stub(version=18, protocol="xmlrpc")``: more than one stub in a test."""
    started: list[OdooRpcStub] = []

    def make(version: int = 18, protocol: str = "xmlrpc", **overrides: Any) -> RunningStub:
        stub = OdooRpcStub(pg.copy_fixture(version), version).start()
        started.append(stub)
        return RunningStub(stub, stub_config(stub, protocol, **overrides))

    yield make
    for stub in started:
        stub.stop()
        pg.drop_database(stub.database.name)


@pytest.fixture
def odoo_rpc_stub(
    request: pytest.FixtureRequest, make_odoo_rpc_stub: Callable[..., RunningStub]
) -> RunningStub:
    param = getattr(request, "param", 18)
    options = param if isinstance(param, dict) else {"version": param}
    return make_odoo_rpc_stub(**options)
