"""Fixtures of the sales API tests: the app (PostgreSQL store) configured for a stub Odoo — its
CRM through the API, its security model from the same database — and a scene built on it
(tests/sales/api/scene.py) with every person signed in."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from odoobridge.settings import Settings
from odoobridge.store.engine import Store
from tests.fakes.odoo_rpc_fixtures import RunningStub
from tests.sales.api.scene import Scene, build, signed_in_people
from tests.sales.conftest import odoo_env
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


@pytest.fixture
def web_settings(make_settings: Callable[..., Settings], odoo_rpc_stub: RunningStub) -> Settings:
    return make_settings(
        ODOOBRIDGE_SECRET_KEY=SECRET_KEY,
        ODOO_PROD_DSN=odoo_rpc_stub.database.reader_dsn,
        **odoo_env(odoo_rpc_stub),
    )


@pytest.fixture
def scene(
    request: pytest.FixtureRequest,
    store: Store,
    web_settings: Settings,
    odoo_rpc_stub: RunningStub,
) -> Iterator[Scene]:
    built = build(store, web_settings, odoo_rpc_stub)
    with signed_in_people(built, request.getfixturevalue("base_url")) as ready:
        yield ready
