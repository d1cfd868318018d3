"""Microsoft Entra sign-in when something around it fails or is set wrong: Graph's /me, the token
endpoint, the app's credentials, the redirect URI, the tenant, the settings. Each is one line on
the sign-in page (or a refused start), never a traceback."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from odoobridge.errors import ConfigError
from odoobridge.settings import Settings
from odoobridge.store.engine import Store
from odoobridge.web.app import create_app
from tests.auth.entra_steps import (
    OTHER_TENANT,
    account_of,
    auth_code_redemptions,
    callback_url,
    entra_sign_in,
    refused,
    with_query,
)
from tests.fakes.identity import CLIENT_SECRET, FakeIdentityPlatform, Fault
from tests.fakes.identity_fixtures import KELLY
from tests.pg import free_port
from tests.web.conftest import SECRET_KEY
from tests.web.live import client, live_server

pytestmark = pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)


@pytest.fixture
def web_settings(make_settings: Callable[..., Settings], fake: FakeIdentityPlatform) -> Settings:
    return make_settings(
        ODOOBRIDGE_SECRET_KEY=SECRET_KEY, **fake.settings(ODOOBRIDGE_SSO_ENABLED="1")
    )


@pytest.mark.parametrize(
    ("fault", "line"),
    [
        (
            Fault(503),
            "Microsoft Graph answered 503 to GET /me (serviceNotAvailable: Service unavailable.); "
            "try again in a minute",
        ),
        (
            Fault(403),
            "Microsoft Graph answered 403 to GET /me (Authorization_RequestDenied: Insufficient "
            "privileges to complete the operation.): the app needs the delegated Microsoft Graph "
            "permission User.Read",
        ),
        (
            Fault(transform=lambda body: {**body, "id": "someone-else"}),
            "Microsoft Graph's GET /me answered for another user than the ID token's",
        ),
        (Fault(200, body=b"{not json"), "Microsoft Graph answered GET /me with malformed JSON"),
    ],
    ids=["unavailable", "no-permission", "another-user", "malformed"],
)
def test_graph_me_failing_is_one_line(
    anonymous: httpx.Client, fake: FakeIdentityPlatform, store: Store, fault: Fault, line: str
) -> None:
    fake.fail("me", fault)
    refused(entra_sign_in(anonymous, fake, KELLY), 502, line)
    assert account_of(store, KELLY) is None


@pytest.mark.parametrize(
    ("fault", "line"),
    [
        (Fault(503), "failed (HTTP Error: 503): try again in a minute"),
        (Fault(200, body=b"<html>maintenance</html>"), "could not be read: sign in again"),
        (
            Fault(transform=lambda body: {k: v for k, v in body.items() if k != "id_token"}),
            "answered without an ID token or an access token",
        ),
    ],
    ids=["unavailable", "not-json", "no-id-token"],
)
def test_the_token_endpoint_failing_is_one_line(
    anonymous: httpx.Client, fake: FakeIdentityPlatform, store: Store, fault: Fault, line: str
) -> None:
    fake.fail("token", fault)
    refused(entra_sign_in(anonymous, fake, KELLY), 502, line)
    assert account_of(store, KELLY) is None and fake.calls("me") == []


def test_an_answer_without_code_or_error_is_refused(
    anonymous: httpx.Client, fake: FakeIdentityPlatform
) -> None:
    url = callback_url(anonymous, fake, KELLY)
    state = parse_qs(urlsplit(url).query)["state"][0]
    answer = anonymous.get("/auth/entra/callback", params={"state": state})
    refused(answer, 401, "(no code or error for its state)")
    assert auth_code_redemptions(fake) == []


def test_a_rotated_secret_or_another_redirect_uri_says_what_to_fix(
    anonymous: httpx.Client, fake: FakeIdentityPlatform, base_url: str
) -> None:
    url = callback_url(anonymous, fake, KELLY)
    fake.client_secret = "the-new-secret-nobody-told-us-about"
    answer = anonymous.get(url)
    refused(
        answer,
        502,
        "Microsoft refused the app's credentials (invalid_client: AADSTS7000215: Invalid client "
        "secret provided.",
    )
    assert "): check AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (or the certificate)" in answer.text
    assert "Trace ID" not in answer.text
    fake.client_secret = CLIENT_SECRET
    elsewhere = f"{base_url}/auth/entra/callback?from=elsewhere"
    url = callback_url(
        anonymous, fake, KELLY, tamper=lambda u: with_query(u, redirect_uri=elsewhere)
    )
    assert url.startswith(elsewhere + "&")
    refused(
        anonymous.get(url),
        502,
        "Microsoft refused the redirect URI (invalid_grant: AADSTS500112: The reply address does "
        "not match",
    )


# --- configuration ------------------------------------------------------------------------------


def test_without_sso_there_is_no_microsoft_button(
    make_settings: Callable[..., Settings], store: Store
) -> None:

    app = create_app(make_settings(ODOOBRIDGE_SECRET_KEY=SECRET_KEY), store)
    with live_server(app) as base, client(base) as c:
        assert "Sign in with Microsoft" not in c.get("/login").text
        answer = c.get("/auth/entra/login")
        assert answer.status_code == 404
        assert "Microsoft sign-in is not enabled here" in answer.text
        assert c.get("/auth/entra/callback?code=x&state=y").status_code == 404


def test_incomplete_settings_stop_the_start(
    make_settings: Callable[..., Settings], fake: FakeIdentityPlatform, store: Store
) -> None:
    incomplete = fake.settings(ODOOBRIDGE_SSO_ENABLED="1", AZURE_CLIENT_ID=None)
    with pytest.raises(ConfigError, match=r"^AZURE_CLIENT_ID not set: Microsoft sign-in"):
        create_app(make_settings(ODOOBRIDGE_SECRET_KEY=SECRET_KEY, **incomplete), store)
    by_name = fake.settings(ODOOBRIDGE_SSO_ENABLED="1", AZURE_TENANT_ID="contoso.onmicrosoft.com")
    with pytest.raises(ConfigError, match="needs the directory \\(tenant\\) id, a GUID"):
        create_app(make_settings(ODOOBRIDGE_SECRET_KEY=SECRET_KEY, **by_name), store)
    with pytest.raises(ValueError, match="must be an https:// URL"):
        make_settings(ODOOBRIDGE_SSO_REDIRECT_URI="http://bridge.example.com/auth/entra/callback")
    with pytest.raises(ValueError, match="must end in /auth/entra/callback"):
        make_settings(ODOOBRIDGE_SSO_REDIRECT_URI="https://bridge.example.com/signin")


def test_the_redirect_uri_setting_is_what_microsoft_is_given(
    make_settings: Callable[..., Settings], fake: FakeIdentityPlatform, store: Store
) -> None:
    registered = "https://bridge.example.com/auth/entra/callback"
    settings = make_settings(
        ODOOBRIDGE_SECRET_KEY=SECRET_KEY,
        **fake.settings(ODOOBRIDGE_SSO_ENABLED="1", ODOOBRIDGE_SSO_REDIRECT_URI=registered),
    )
    with live_server(create_app(settings, store)) as base, client(base) as c:
        start = c.get("/auth/entra/login")
    assert parse_qs(urlsplit(start.headers["location"]).query)["redirect_uri"] == [registered]


def test_an_unknown_tenant_or_an_unreachable_authority_is_one_line(
    make_settings: Callable[..., Settings], fake: FakeIdentityPlatform, store: Store
) -> None:
    cases = [
        (
            {"AZURE_TENANT_ID": OTHER_TENANT},
            f"does not know tenant '{OTHER_TENANT}': check AZURE_TENANT_ID",
        ),
        (
            {"ODOOBRIDGE_AZURE_AUTHORITY_HOST": f"https://127.0.0.1:{free_port()}"},
            "cannot reach https://127.0.0.1:",
        ),
    ]
    for overrides, line in cases:
        settings = make_settings(
            ODOOBRIDGE_SECRET_KEY=SECRET_KEY,
            **fake.settings(ODOOBRIDGE_SSO_ENABLED="1", **overrides),
        )
        with live_server(create_app(settings, store)) as base, client(base) as c:
            refused(c.get("/auth/entra/login"), 502, line)
