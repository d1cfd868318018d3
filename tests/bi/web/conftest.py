"""Fixtures of the BI web tests: the web tests' app, accounts and clients, with BI settings
pointing at the Superset stub and an Odoo copy with the views installed."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from pydantic import SecretStr

from odoobridge.access.sync import sync_odoo
from odoobridge.auth.roles import Role
from odoobridge.bi.access import set_access
from odoobridge.bi.grants import grant_readonly
from odoobridge.bi.install import install
from odoobridge.bi.models import AccessLevel
from odoobridge.environment import Environment
from odoobridge.settings import Settings
from odoobridge.store.engine import Store
from tests import pg
from tests.auth.quick_hashes import _quick_password_hashes  # noqa: F401 (autouse fixture)
from tests.bi.conftest import RoleNames, add_company_b, admin
from tests.fakes.superset import FakeSuperset
from tests.web.conftest import (  # noqa: F401 (the web tests' fixtures)
    SECRET_KEY,
    app,
    base_url,
    email_for,
    make_key,
    people,
    signed_in,
    store_url,
)

VIEWER = email_for(Role.VIEWER)
AUDITOR = email_for(Role.AUDITOR)


@pytest.fixture
def superset() -> Iterator[FakeSuperset]:
    fake = FakeSuperset().start()
    yield fake
    fake.stop()


@pytest.fixture
def analytics_db(bi_db: pg.OdooDatabase, roles: RoleNames) -> tuple[pg.OdooDatabase, str]:
    """Odoo 18 with company B's data, the views installed and a read-only login for the page."""
    add_company_b(bi_db)
    reader = roles.new("superset_readonly")
    with admin(bi_db) as conn:
        install(conn, bi_db.name, materialized=True)
    with admin(bi_db) as conn:
        grant_readonly(conn, bi_db.name, reader, statement_timeout=10, idle_timeout=10)
    return bi_db, pg.url_for(bi_db.name, user=reader)


@pytest.fixture
def web_settings(
    make_settings: Callable[..., Settings],
    superset: FakeSuperset,
    analytics_db: tuple[pg.OdooDatabase, str],
) -> Settings:
    return make_settings(
        ODOOBRIDGE_SECRET_KEY=SECRET_KEY,
        ODOOBRIDGE_BI_READ_DSN=analytics_db[1],
        ODOOBRIDGE_SUPERSET_URL=superset.url,
        ODOOBRIDGE_SUPERSET_USERNAME=superset.username,
        ODOOBRIDGE_SUPERSET_PASSWORD=superset.password,
    )


@pytest.fixture
def access(store: Store, web_settings: Settings, analytics_db: tuple[pg.OdooDatabase, str]) -> None:
    """The viewer reads company A only; the auditor both. Company names from an Odoo sync."""
    db = analytics_db[0]
    settings = web_settings.model_copy(update={"odoo_preprod_dsn": SecretStr(db.reader_dsn)})
    sync_odoo(store, settings, Environment.PREPROD)
    with store.session() as session:
        set_access(session, VIEWER, 1, AccessLevel.READ, by="test")
        set_access(session, VIEWER, 2, AccessLevel.NONE, by="test")
        set_access(session, AUDITOR, 1, AccessLevel.FULL, by="test")
        set_access(session, AUDITOR, 2, AccessLevel.READ, by="test")
