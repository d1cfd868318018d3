"""The application shell: health and readiness, the docs without a CDN, one error format,
security headers, and the refusal of a placeholder secret key."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import text

from odoobridge.auth.roles import Role
from odoobridge.errors import ConfigError
from odoobridge.settings import Settings
from odoobridge.store.engine import Store
from odoobridge.web.app import create_app
from tests.web.conftest import SignedIn
from tests.web.live import client, live_server


def test_health_and_readiness(anonymous: httpx.Client) -> None:
    assert anonymous.get("/healthz").json() == {"status": "ok"}
    ready = anonymous.get("/readyz").json()
    assert ready["status"] == "ready"
    assert "20261123_gateway" in ready["migrations"]
    assert "20261123_foundation" not in ready["migrations"]  # it is not a head


def test_not_ready_when_migrations_are_missing(store: Store, anonymous: httpx.Client) -> None:
    with store.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE alembic_version SET version_num = '20261123_foundation' "
                "WHERE version_num = '20261123_gateway'"
            )
        )
    answer = anonymous.get("/readyz")
    assert answer.status_code == 503
    assert answer.json() == {
        "detail": "the store lacks migrations 20261123_gateway: run `odoobridge db upgrade`"
    }


def test_not_ready_when_the_store_is_gone(
    make_settings: Callable[..., Settings], store: Store
) -> None:
    app = create_app(make_settings(ODOOBRIDGE_SECRET_KEY="k" * 40), store)
    with live_server(app) as base, client(base) as c:
        store.engine.dispose()
        store.engine.pool._creator = _refuse  # type: ignore[attr-defined]
        answer = c.get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["detail"] == (
        f"cannot connect to the store at {store.engine.url.host}:{store.engine.url.port}/"
        f"{store.engine.url.database}: connection refused: check DATABASE_URL and that the "
        "server runs"
    )


def _refuse() -> None:
    import psycopg

    raise psycopg.OperationalError("connection refused")


def test_docs_load_nothing_from_outside(anonymous: httpx.Client) -> None:
    page = anonymous.get("/docs").text
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources and all(s.startswith("/") for s in sources), sources
    for source in sources:
        assert anonymous.get(source).status_code == 200, source
    bundle = anonymous.get("/static/vendor/swagger-ui-bundle.js")
    assert bundle.headers["content-type"].startswith("text/javascript")
    assert "SwaggerUIBundle" in bundle.text
    schema = anonymous.get("/openapi.json").json()
    assert "/api/admin/api-keys" in schema["paths"]
    assert anonymous.get("/static/vendor/nothing.js").status_code == 404


def test_plotly_is_served_from_the_package(anonymous: httpx.Client) -> None:
    from odoobridge.web.vendor import vendor_path

    answer = anonymous.get("/static/vendor/plotly.min.js")
    assert answer.status_code == 200
    assert answer.content == vendor_path("plotly.min.js").read_bytes()
    assert answer.text.startswith("/**\n* plotly.js v")


def test_errors_answer_one_json_line(
    signed_in: Callable[[Role], SignedIn], anonymous: httpx.Client
) -> None:
    admin = signed_in(Role.SUPER_ADMIN)
    missing = admin.client.get("/api/admin/api-keys").json()
    assert missing == []
    answer = admin.post("/api/admin/api-keys", json={"role": "admin"})
    assert answer.status_code == 422
    assert answer.json() == {"detail": "name: Field required"}
    answer = admin.post("/api/admin/api-keys", json={"name": "x", "expires_in_days": 0})
    assert answer.status_code == 422
    detail = "expires_in_days: Input should be greater than or equal to 1"
    assert answer.json() == {"detail": detail}
    answer = admin.post("/api/admin/api-keys/424242/revoke")
    assert answer.status_code == 404
    detail = "there is no API key 424242: `odoobridge apikey list` shows them"
    assert answer.json() == {"detail": detail}
    assert anonymous.get("/api/nothing-here").json() == {"detail": "Not Found"}


def test_pages_render_errors_as_pages(signed_in: Callable[[Role], SignedIn]) -> None:
    viewer = signed_in(Role.VIEWER)
    answer = viewer.client.get("/admin")
    assert answer.status_code == 403
    assert answer.headers["content-type"].startswith("text/html")
    assert "this needs the admin role; you are viewer" in answer.text


def test_security_headers(anonymous: httpx.Client) -> None:
    headers = anonymous.get("/login").headers
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["cache-control"] == "no-store"


@pytest.mark.parametrize("key", [None, "", "CHANGE_ME_CHANGE_ME_CHANGE_ME_CHANGE_ME", "short"])
def test_a_placeholder_secret_is_refused(
    make_settings: Callable[..., Settings], store: Store, key: str | None
) -> None:
    values = {} if key is None else {"ODOOBRIDGE_SECRET_KEY": key}
    with pytest.raises(ConfigError, match="ODOOBRIDGE_SECRET_KEY must be set to 32 or more"):
        create_app(make_settings(**values), store)


def test_development_mode_makes_a_key(make_settings: Callable[..., Settings], store: Store) -> None:
    settings = make_settings(ODOOBRIDGE_DEVELOPMENT="1")
    assert len(settings.session_secret()) >= 32
    create_app(settings, store)
