"""The Data & Integrations page for an environment read through Odoo's API: it counts as
configured, its check reports the API user's rights, and its sync runs over the API."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from odoobridge.auth.roles import Role
from odoobridge.settings import Settings
from tests.fakes.odoo_rpc_fixtures import RunningStub
from tests.web.conftest import SECRET_KEY, SignedIn


@pytest.fixture
def web_settings(make_settings: Callable[..., Settings], odoo_rpc_stub: RunningStub) -> Settings:
    return make_settings(
        ODOOBRIDGE_SECRET_KEY=SECRET_KEY, ODOO_PREPROD_URL=odoo_rpc_stub.stub.url,
        ODOO_PREPROD_DB="odoo18demo", ODOO_PREPROD_USERNAME="admin",
        ODOO_PREPROD_PASSWORD="admin",
    )  # fmt: skip


def test_check_of_an_api_source(signed_in: Callable[[Role], SignedIn]) -> None:
    admin = signed_in(Role.ADMIN)
    assert (
        "Not configured: set <code>ODOO_PREPROD_DSN" not in admin.client.get("/integrations").text
    )
    checked = admin.post("/integrations/check/odoo", data={"environment": "PREPROD"}).text
    result = checked.split('id="check-result"', 1)[1]
    assert "as <code>admin</code> · Odoo's API (jsonrpc) · Odoo 18.0" in result
    assert "<code>ir.model.access</code>" in result and "chip-error" not in result
    assert "can change Odoo&#39;s settings" in result
