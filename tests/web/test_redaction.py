"""Redaction in API answers (issue 18.4, 18.8): an error's ``detail`` shows no form of a DSN
password, and a short password does not garble the words that contain it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from odoobridge.auth.roles import Role
from odoobridge.settings import Settings
from odoobridge.store.engine import Store
from odoobridge.web.app import create_app
from tests.web.conftest import SECRET_KEY
from tests.web.live import client, live_server

DASHBOARD = "7d1c1b1e-3f4a-4b7e-9c1d-2a5e8f0b6c3d"


@pytest.fixture
def api(
    store: Store, make_settings: Callable[..., Settings], make_key: Callable[..., str]
) -> Callable[..., tuple[int, str]]:
    """``api(dashboard, **settings)`` → the guest-token call's status and detail, made with a
    viewer key that holds the BI scope, on an app with those settings."""
    key = make_key(Role.VIEWER, scopes=["bi:guest_token"])

    def call(dashboard: str, **values: str) -> tuple[int, str]:
        settings = make_settings(ODOOBRIDGE_SECRET_KEY=SECRET_KEY, **values)
        with live_server(create_app(settings, store)) as base, client(base) as c:
            answer = c.get(
                "/api/bi/guest-token",
                params={"dashboard": dashboard, "user": "a@example.com"},
                headers={"X-API-Key": key},
            )
        return answer.status_code, answer.json()["detail"]

    return call


@pytest.mark.parametrize(
    ("url", "secret", "shown"),
    [
        ("ftp://svc:Sl4sh/Pw@superset.example.com", "Sl4sh/Pw", "ftp://svc:***@superset.example.com"),
        ("ftp://superset.example.com/?password=Qu3ry-Pw", "Qu3ry-Pw", "ftp://superset.example.com/?password=***"),
        ("ftp://superset.example.com/?sslpassword=Ssl-Pw", "Ssl-Pw", "ftp://superset.example.com/?sslpassword=***"),
        ("host=superset password='Conn Pw' port=8088", "Conn Pw", "host=superset password=*** port=8088"),
    ],
)  # fmt: skip
def test_an_error_detail_hides_every_form(
    api: Callable[..., tuple[int, str]], url: str, secret: str, shown: str
) -> None:
    status, detail = api(
        DASHBOARD,
        ODOOBRIDGE_SUPERSET_URL=url,
        ODOOBRIDGE_SUPERSET_USERNAME="svc",
        ODOOBRIDGE_SUPERSET_PASSWORD="Superset-Pw-1",
    )
    quote = '"' if "'" in url else "'"
    assert status == 400 and secret not in detail
    assert detail == (
        f"ODOOBRIDGE_SUPERSET_URL {quote}{shown}{quote} is not a URL: "
        "use https://superset.example.com"
    )


def test_a_short_password_does_not_garble_a_detail(api: Callable[..., tuple[int, str]]) -> None:
    status, detail = api(
        "administrator",
        ODOO_PASSWORD="admin",
        ODOOBRIDGE_SUPERSET_URL="https://superset.example.com",
        ODOOBRIDGE_SUPERSET_USERNAME="svc",
        ODOOBRIDGE_SUPERSET_PASSWORD="admin",
    )
    assert status == 403
    assert detail.startswith("dashboard administrator is not an embedded dashboard's UUID")
