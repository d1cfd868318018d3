"""The Superset client against a stub of Superset's security API over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from pydantic import SecretStr

from odoobridge.sources.superset import (
    GuestUser,
    RlsRule,
    SupersetAuthError,
    SupersetClient,
    SupersetConnectError,
    SupersetPermissionError,
    SupersetRequestError,
)
from tests import pg
from tests.fakes.superset import AUDIENCE, FakeSuperset, decode_jwt

DASHBOARD = "7d1c1b1e-3f4a-4b7e-9c1d-2a5e8f0b6c3d"


@pytest.fixture
def superset() -> Iterator[FakeSuperset]:
    fake = FakeSuperset().start()
    yield fake
    fake.stop()


def client_for(fake: FakeSuperset, password: str | None = None) -> SupersetClient:
    return SupersetClient(
        base_url=fake.url, username=fake.username,
        password=SecretStr(password or fake.password), timeout=5,
    )  # fmt: skip


def test_guest_token_with_user_resources_and_rls(superset: FakeSuperset) -> None:
    client = client_for(superset)
    token = client.guest_token(
        GuestUser("reader.a@example.com", "Reader", "A"),
        [("dashboard", DASHBOARD)],
        [RlsRule("company_id IN (1)"), RlsRule("company_id = 1", dataset=7)],
    )
    claims = decode_jwt(token)
    assert claims["type"] == "guest" and claims["aud"] == AUDIENCE
    assert claims["user"] == {"username": "reader.a@example.com", "first_name": "Reader",
                              "last_name": "A"}  # fmt: skip
    assert claims["resources"] == [{"type": "dashboard", "id": DASHBOARD}]
    assert claims["rls_rules"] == [
        {"clause": "company_id IN (1)"},
        {"clause": "company_id = 1", "dataset": 7},
    ]
    paths = [(r.method, r.path) for r in superset.requests]
    assert paths == [
        ("POST", "/api/v1/security/login"),
        ("GET", "/api/v1/security/csrf_token/"),
        ("POST", "/api/v1/security/guest_token/"),
    ]
    login = superset.requests[0].body
    assert login == {"username": superset.username, "password": superset.password,
                     "provider": "db", "refresh": True}  # fmt: skip
    # A second token reuses the session: no new login, no new CSRF token.
    client.guest_token(GuestUser("b@example.com"), [("dashboard", DASHBOARD)], [])
    assert superset.logins == 1 and len(superset.requests) == 4
    client.close()


def test_an_expired_access_token_logs_in_again_once(superset: FakeSuperset) -> None:
    client = client_for(superset)
    client.guest_token(GuestUser("a@example.com"), [("dashboard", DASHBOARD)], [])
    superset.expire_tokens()
    client.guest_token(GuestUser("a@example.com"), [("dashboard", DASHBOARD)], [])
    assert superset.logins == 2
    client.close()


def test_wrong_password_is_one_line_without_the_password(superset: FakeSuperset) -> None:
    client = client_for(superset, password="Wrong-Secret-123")
    with pytest.raises(SupersetAuthError) as caught:
        client.guest_token(GuestUser("a@example.com"), [("dashboard", DASHBOARD)], [])
    message = caught.value.message
    assert "refused the login of guest_token_service (Not authorized)" in message
    assert "Wrong-Secret-123" not in message and "\n" not in message


def test_missing_permission_unknown_dashboard_and_bad_payload(superset: FakeSuperset) -> None:
    client = client_for(superset)
    with pytest.raises(SupersetRequestError, match="Embedded dashboard not found"):
        client.guest_token(GuestUser("a@example.com"), [("dashboard", "no-such")], [])
    with pytest.raises(SupersetRequestError, match="Must be one of: dashboard"):
        client.guest_token(GuestUser("a@example.com"), [("chart", DASHBOARD)], [])
    superset.may_grant = False
    with pytest.raises(SupersetPermissionError) as refused:
        client.guest_token(GuestUser("a@example.com"), [("dashboard", DASHBOARD)], [])
    assert refused.value.message.startswith(
        f"Superset at {superset.url} refused guest_token_service a guest token (Forbidden): "
        "give that user's role the can grant guest token on SecurityRestApi permission"
    )
    client.close()


def test_a_role_without_can_read_on_security_rest_api_is_told_so(
    superset: FakeSuperset,
) -> None:
    """Superset answers the CSRF token call 403 without *can read on SecurityRestApi*, although
    the role may grant guest tokens: the error names the permission that is missing."""
    superset.may_read = False
    client = client_for(superset)
    with pytest.raises(SupersetPermissionError) as refused:
        client.guest_token(GuestUser("a@example.com"), [("dashboard", DASHBOARD)], [])
    message = refused.value.message
    assert message == (
        f"Superset at {superset.url} refused guest_token_service a CSRF token (Forbidden): give "
        "that user's role the can read on SecurityRestApi permission (a guest token needs both "
        "can read on SecurityRestApi and can grant guest token on SecurityRestApi)"
    )
    assert [r.path for r in superset.requests] == [
        "/api/v1/security/login", "/api/v1/security/csrf_token/"
    ]  # fmt: skip
    client.close()


def test_the_stub_checks_the_documented_payload(superset: FakeSuperset) -> None:
    """The stub refuses what Superset's GuestTokenCreateSchema refuses."""
    client = client_for(superset)
    token = client.login()
    csrf = client.csrf_token()
    headers = {"Authorization": f"Bearer {token}", "X-CSRFToken": csrf}
    bad_bodies = {
        "rls": {"user": {}, "resources": [{"type": "dashboard", "id": DASHBOARD}]},
        "resources": {"user": {}, "rls": []},
        "clause": {"resources": [{"type": "dashboard", "id": DASHBOARD}], "rls": [{"x": 1}]},
        "dataset": {
            "resources": [{"type": "dashboard", "id": DASHBOARD}],
            "rls": [{"clause": "1=1", "dataset": "seven"}],
        },
        "username": {"user": {"username": 5}, "resources": [], "rls": []},
    }
    for field, body in bad_bodies.items():
        response = client.http.post("/api/v1/security/guest_token/", json=body, headers=headers)
        assert response.status_code == 400, field
        assert field in response.text
    no_csrf = client.http.post(
        "/api/v1/security/guest_token/",
        json={"resources": [], "rls": []},
        headers={"Authorization": f"Bearer {token}", "X-CSRFToken": "forged"},
    )
    assert no_csrf.status_code == 400 and "CSRF" in no_csrf.text
    client.close()


def test_unreachable_superset_and_a_non_superset_answer() -> None:
    port = pg.free_port()
    client = SupersetClient(f"http://127.0.0.1:{port}", "svc", SecretStr("pw-Secret-99"))
    with pytest.raises(SupersetConnectError, match=r"cannot reach Superset at http://127\.0\.0\.1"):
        client.login()

    def html(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>not superset</html>")

    odd = SupersetClient("https://intranet.example", "svc", SecretStr("pw-Secret-99"),
                         transport=httpx.MockTransport(html))  # fmt: skip
    with pytest.raises(Exception, match="something other than a JSON object"):
        odd.login()
    with pytest.raises(Exception, match="is not a URL"):
        SupersetClient("superset.example", "svc", SecretStr("x"))
