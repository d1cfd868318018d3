"""Fixtures of the MCP tests: the app served by uvicorn on a PostgreSQL store that holds two
syncs of the real Odoo 18 fixture, configured for the stub Odoo (tests/fakes/odoo_rpc.py), and
the SDK's own client over Streamable HTTP.

``gateway_env`` adds settings (``@pytest.mark.parametrize("gateway_env", [{…}], indirect=True)``).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp_types import CallToolResult, TextContent

from odoobridge.access.sync import sync_odoo
from odoobridge.auth.apikeys import create_api_key
from odoobridge.auth.audit import Origin
from odoobridge.auth.roles import Role
from odoobridge.environment import Environment
from odoobridge.settings import Settings
from odoobridge.store.engine import Store
from tests import pg
from tests.fakes.odoo_rpc_fixtures import RunningStub
from tests.gateway.conftest import (  # noqa: F401 (fixtures)
    EVERYTHING,
    PROPOSE,
    READ,
    SECRET_KEY,
    anonymous,
    app,
    base_url,
    gateway_env,
    make_key,
    odoo_env,
    people,
    signed_in,
    store_url,
)

T = TypeVar("T")
# The test key names what uses it: the audit log must show it.
AGENT = "claude desktop of the sales team"


@pytest.fixture
def web_settings(
    make_settings: Callable[..., Settings],
    odoo_rpc_stub: RunningStub,
    odoo18: pg.OdooDatabase,
    gateway_env: dict[str, str],  # noqa: F811 (the imported fixture)
) -> Settings:
    values = {
        "ODOOBRIDGE_SECRET_KEY": SECRET_KEY,
        "ODOO_PREPROD_DSN": odoo18.reader_dsn,
        **odoo_env(odoo_rpc_stub),
        **gateway_env,
    }
    return make_settings(**values)


@pytest.fixture
def runs(store: Store, web_settings: Settings, odoo18: pg.OdooDatabase) -> tuple[int, int]:
    """Two syncs of PREPROD; between them demo (user 6) left Project / User."""
    first = sync_odoo(store, web_settings, Environment.PREPROD).id
    odoo18.execute(
        "DELETE FROM res_groups_users_rel WHERE uid = 6 AND gid = "
        "(SELECT res_id FROM ir_model_data WHERE module = 'project' "
        "AND name = 'group_project_user')"
    )
    second = sync_odoo(store, web_settings, Environment.PREPROD).id
    return first, second


@pytest.fixture
def new_key(store: Store) -> Callable[..., str]:
    """``new_key(Role.VIEWER, READ, name=…)``: the plain text of a new API key."""

    def make(role: Role, scopes: list[str], name: str = AGENT) -> str:
        with store.session() as session:
            _key, raw = create_api_key(
                session, name=name, role=role, scopes=scopes, by="test", by_role=Role.SUPER_ADMIN,
                origin=Origin(),
            )  # fmt: skip
        return raw

    return make


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


@asynccontextmanager
async def mcp_http(
    base: str, key: str, *, bearer: bool = False, mode: str = "auto"
) -> AsyncIterator[Client]:
    """The SDK's client of ``base``/mcp sending ``key`` (X-API-Key, or a bearer token); ``mode``
    "legacy" speaks the initialize-handshake protocols most agents speak today."""
    headers = {"Authorization": f"Bearer {key}"} if bearer else {"X-API-Key": key}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=60, trust_env=False) as http,
        Client(streamable_http_client(f"{base}/mcp", http_client=http), mode=mode) as client,
    ):
        yield client


def text(result: CallToolResult) -> str:
    """The one text block of a tool's answer."""
    assert len(result.content) == 1 and isinstance(result.content[0], TextContent)
    return result.content[0].text


def answer(result: CallToolResult) -> dict[str, Any]:
    """A successful tool answer, as its structured content (checked against its text)."""
    assert not result.is_error, text(result)
    body = json.loads(text(result))
    assert result.structured_content == body
    assert isinstance(body, dict)
    return body


def error(result: CallToolResult) -> str:
    """A tool error's message."""
    assert result.is_error, text(result)
    return text(result)


__all__ = ["EVERYTHING", "PROPOSE", "READ"]
