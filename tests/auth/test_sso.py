"""Microsoft Entra sign-in over real HTTP: the app (uvicorn on 127.0.0.1), real MSAL, and the fake
identity platform (real TLS) serving the bundled Entra demo directory. A test plays the browser:
it follows the app's redirect to the fake's authorize endpoint and the fake's redirect back."""

from __future__ import annotations

import logging
import re
import ssl
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx
import pytest
from sqlalchemy import select

from odoobridge.auth import accounts
from odoobridge.auth.models import Account, AccountStatus, AuditEvent
from odoobridge.auth.roles import Role
from odoobridge.settings import Settings
from odoobridge.store.engine import Store
from tests.fakes.certs import make_client_certificate
from tests.fakes.identity import CLIENT_SECRET, FakeIdentityPlatform, Fault
from tests.fakes.identity_fixtures import ADMIN, DORIS, KELLY, PAUL
from tests.fakes.identity_signin import s256
from tests.web.conftest import SECRET_KEY, SignedIn

pytestmark = pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)

OTHER_TENANT = "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6"


@pytest.fixture
def web_settings(make_settings: Callable[..., Settings], fake: FakeIdentityPlatform) -> Settings:
    return make_settings(
        ODOOBRIDGE_SECRET_KEY=SECRET_KEY, **fake.settings(ODOOBRIDGE_SSO_ENABLED="1")
    )


def microsoft(fake: FakeIdentityPlatform) -> httpx.Client:
    """The browser's side of the trip to the fake (which has a CA of its own)."""
    return httpx.Client(verify=ssl.create_default_context(cafile=str(fake.tls.ca_pem)))


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))


def callback_url(
    c: httpx.Client,
    fake: FakeIdentityPlatform,
    user: str,
    *,
    next: str = "/",
    tamper: Callable[[str], str] | None = None,
) -> str:
    """Start the sign-in in the app and let ``user`` sign in at the fake: the URL Microsoft
    sends the browser back to."""
    start = c.get("/auth/entra/login", params={"next": next})
    assert start.status_code == 302, start.text
    authorize = start.headers["location"]
    assert authorize.startswith(f"{fake.authority_host}/{fake.tenant_id}/oauth2/v2.0/authorize?")
    fake.signin.user = user
    with microsoft(fake) as browser:
        back = browser.get(tamper(authorize) if tamper else authorize)
    assert back.status_code == 302, back.text
    return str(back.headers["location"])


def entra_sign_in(
    c: httpx.Client, fake: FakeIdentityPlatform, user: str, **kwargs: Any
) -> httpx.Response:
    return c.get(callback_url(c, fake, user, **kwargs))


def account_of(store: Store, oid: str) -> Account | None:
    with store.session() as session:
        found = session.scalars(select(Account).where(Account.entra_oid == oid)).first()
        if found is not None:
            session.expunge(found)
        return found


def events(store: Store, action: str) -> list[AuditEvent]:
    with store.session() as session:
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        return list(session.scalars(query))


def approved(store: Store, oid: str, email: str, role: Role = Role.VIEWER) -> int:
    """An Entra account a super admin has approved already."""
    with store.session() as session:
        account, _ = accounts.sso_account(
            session, oid=oid, email=email, name=email, job_title=None, department=None
        )
        accounts.approve_account(session, account.id, role=role, by="test")
        return account.id


def auth_code_redemptions(fake: FakeIdentityPlatform) -> list[dict[str, str]]:
    return [r.form for r in fake.calls("token") if r.form.get("grant_type") == "authorization_code"]


# --- the whole round ------------------------------------------------------------------------------


def test_first_sign_in_waits_for_approval_then_signs_in(
    anonymous: httpx.Client,
    fake: FakeIdentityPlatform,
    store: Store,
    base_url: str,
    signed_in: Callable[[Role], SignedIn],
) -> None:
    login = anonymous.get("/login")
    assert (
        'href="/auth/entra/login?next=/"' in login.text and "Sign in with Microsoft" in login.text
    )

    first = entra_sign_in(anonymous, fake, KELLY)
    assert first.status_code == 403
    assert "Waiting for approval" in first.text and "jeffrey.kelly72@example.com" in first.text
    assert anonymous.get("/api/auth/me").status_code == 401  # not signed in
    account = account_of(store, KELLY)
    assert account is not None
    assert (account.email, account.name, account.source, account.status, account.role) == (
        "jeffrey.kelly72@example.com",
        "Jeffrey Kelly",
        "entra",
        AccountStatus.PENDING,
        "viewer",
    )
    assert (account.job_title, account.department) == ("Marketing and Community Manager", "Sales")

    # What MSAL asked Microsoft for: PKCE (S256), a nonce, User.Read and no refresh token.
    [authorize] = fake.calls("authorize")
    query = authorize.query
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert query["nonce"] and query["state"] and query["prompt"] == "select_account"
    assert set(query["scope"].split()) == {"User.Read", "openid", "profile"}
    assert query["redirect_uri"] == f"{base_url}/auth/entra/callback"
    [redeemed] = auth_code_redemptions(fake)
    assert s256(redeemed["code_verifier"]) == query["code_challenge"]
    assert redeemed["client_secret"] == CLIENT_SECRET and "refresh_token" not in redeemed
    assert [r.query["$select"] for r in fake.calls("me")] == [
        "id,displayName,mail,jobTitle,department"
    ]

    again = entra_sign_in(anonymous, fake, KELLY)
    assert again.status_code == 403 and "waits for a super admin" in again.text
    pending = events(store, "sso_pending")
    assert [(e.actor, e.detail) for e in pending] == [
        ("jeffrey.kelly72@example.com", {"method": "entra", "created": True}),
        ("jeffrey.kelly72@example.com", {"method": "entra", "created": False}),
    ]

    boss = signed_in(Role.SUPER_ADMIN)
    admin_page = boss.client.get("/admin")
    assert (
        "jeffrey.kelly72@example.com" in admin_page.text and "pending approval" in admin_page.text
    )
    assert account.id is not None
    approval = boss.post(f"/admin/accounts/{account.id}/approve", data={"role": "auditor"})
    assert approval.status_code == 303

    fake.directory.update(KELLY, jobTitle="Head of Sales", department="Sales")
    signed = entra_sign_in(anonymous, fake, KELLY, next="/users")
    assert signed.status_code == 303 and signed.headers["location"] == "/users"
    me = anonymous.get("/api/auth/me").json()
    assert (me["actor"], me["role"]) == ("jeffrey.kelly72@example.com", "auditor")
    assert anonymous.get("/users").status_code == 200
    refreshed = account_of(store, KELLY)
    assert refreshed is not None and refreshed.job_title == "Head of Sales"
    assert refreshed.status == AccountStatus.ACTIVE and refreshed.last_login_at is not None
    [sign_in] = events(store, "sign_in")[-1:]
    assert (sign_in.actor, sign_in.detail, sign_in.ip) == (
        "jeffrey.kelly72@example.com",
        {"method": "entra"},
        "127.0.0.1",
    )


def test_email_falls_back_to_the_user_principal_name(
    anonymous: httpx.Client, fake: FakeIdentityPlatform, store: Store
) -> None:
    # Mitchell Admin has no mail in the directory: the ID token's preferred_username serves.
    assert entra_sign_in(anonymous, fake, ADMIN).status_code == 403
    account = account_of(store, ADMIN)
    assert account is not None
    assert (account.email, account.job_title, account.department) == (
        "admin@yourcompany.example.com",
        "Chief Executive Officer",
        "Management",
    )


def test_sign_in_with_the_certificate_credential(
    make_settings: Callable[..., Settings],
    fake: FakeIdentityPlatform,
    store: Store,
    tmp_path: Any,
) -> None:
    from odoobridge.web.app import create_app
    from tests.web.live import client, live_server

    certificate = make_client_certificate(tmp_path / "app.pem")
    fake.client_certificates.append(certificate.certificate.public_key())
    fake.client_secret = None
    settings = make_settings(
        ODOOBRIDGE_SECRET_KEY=SECRET_KEY,
        **fake.settings(
            ODOOBRIDGE_SSO_ENABLED="1",
            AZURE_CLIENT_SECRET=None,
            ODOOBRIDGE_AZURE_CLIENT_CERT_PATH=str(certificate.pem),
        ),
    )
    approved(store, PAUL, "paul.williams59@example.com")
    with live_server(create_app(settings, store)) as base, client(base) as c:
        assert entra_sign_in(c, fake, PAUL).status_code == 303
        assert c.get("/api/auth/me").json()["actor"] == "paul.williams59@example.com"
    [redeemed] = auth_code_redemptions(fake)
    assert "client_assertion" in redeemed and "client_secret" not in redeemed


# --- refusals -----------------------------------------------------------------------------------


def refused(answer: httpx.Response, status: int, line: str) -> None:
    """The sign-in page again, with the one line that says what happened."""
    assert answer.status_code == status, answer.text
    assert '<p class="error" role="alert" id="login-error">' in answer.text
    found = re.search(r'id="login-error">([^<]*)', answer.text)
    assert line in answer.text.replace("&#39;", "'"), found and found.group(1)
    assert "Traceback" not in answer.text


def test_a_wrong_state_is_refused_before_any_code_is_redeemed(
    anonymous: httpx.Client, fake: FakeIdentityPlatform, store: Store
) -> None:
    url = with_query(callback_url(anonymous, fake, KELLY), state="forged-state")
    refused(anonymous.get(url), 401, "matches no sign-in started in this browser")
    assert auth_code_redemptions(fake) == [] and account_of(store, KELLY) is None
    [failure] = events(store, "sign_in_failed")
    assert failure.actor == "(microsoft sign-in)" and failure.detail["method"] == "entra"


def test_an_answer_is_used_once(
    anonymous: httpx.Client, fake: FakeIdentityPlatform, store: Store
) -> None:
    approved(store, PAUL, "paul.williams59@example.com")
    url = callback_url(anonymous, fake, PAUL)
    assert anonymous.get(url).status_code == 303
    refused(anonymous.get(url), 401, "(a wrong state, or one already used)")
    with httpx.Client(
        trust_env=False
    ) as stranger:  # another browser, without the flow in its cookie
        refused(stranger.get(url), 401, "matches no sign-in started in this browser")
    assert len(auth_code_redemptions(fake)) == 1


def test_a_pkce_verifier_that_does_not_match_is_refused(
    anonymous: httpx.Client, fake: FakeIdentityPlatform, store: Store
) -> None:
    # Someone swapped the challenge on the way to Microsoft: the code is bound to their
    # challenge, and our verifier does not match it.
    forged = s256("an attacker's verifier " + "x" * 30)
    url = callback_url(
        anonymous, fake, KELLY, tamper=lambda u: with_query(u, code_challenge=forged)
    )
    refused(
        anonymous.get(url),
        401,
        "Microsoft refused the sign-in (invalid_grant: AADSTS501481: The Code_Verifier does "
        "not match the code_challenge supplied in the authorization request.)",
    )
    [redeemed] = auth_code_redemptions(fake)
    assert s256(redeemed["code_verifier"]) != forged
    assert account_of(store, KELLY) is None and fake.calls("me") == []


def test_a_cancelled_sign_in(anonymous: httpx.Client, fake: FakeIdentityPlatform) -> None:
    fake.signin.deny = True
    refused(
        entra_sign_in(anonymous, fake, KELLY),
        401,
        "the Microsoft sign-in was cancelled or refused (access_denied: AADSTS65004: User "
        "declined to consent to access the app.)",
    )
    assert auth_code_redemptions(fake) == []


def test_a_disabled_account_is_refused(
    anonymous: httpx.Client, fake: FakeIdentityPlatform, store: Store
) -> None:
    account_id = approved(store, DORIS, "doris.cole31@example.com")
    with store.session() as session:
        accounts.change_account(
            session, account_id, by_account_id=None, by="test", status=AccountStatus.DISABLED
        )
    refused(
        entra_sign_in(anonymous, fake, DORIS),
        403,
        "the account doris.cole31@example.com is disabled: ask a super admin",
    )
    assert anonymous.get("/api/auth/me").status_code == 401
    [failure] = events(store, "sign_in_failed")
    assert failure.actor == "doris.cole31@example.com"


def test_a_local_account_with_the_address_is_not_taken_over(
    anonymous: httpx.Client, fake: FakeIdentityPlatform, people: dict[Role, str]
) -> None:
    oid = str(uuid.uuid4())
    fake.directory.add({"id": oid, "displayName": "Vera Viewer", "mail": people[Role.VIEWER]})
    refused(entra_sign_in(anonymous, fake, oid), 409, "viewer@example.com already has a local")


@pytest.mark.parametrize(
    ("claims", "status", "line"),
    [
        (
            {"tid": OTHER_TENANT},
            403,
            f"this Microsoft account signed in through another directory (tenant {OTHER_TENANT})",
        ),
        ({"aud": "11111111-2222-4333-8444-555555555555"}, 401, "issued to another application"),
        ({"iss": "https://login.example.net/{tenant}/v2.0"}, 401, "is not the tenant's v2.0"),
        ({"iss": "https://login.microsoftonline.com/{tenant}/"}, 401, "is not the tenant's v2.0"),
        ({"exp": 1_000_000_000}, 401, "the ID token has expired"),
        ({"nonce": "a-replayed-nonce"}, 401, "does not carry this sign-in's nonce"),
        ({"oid": None}, 401, "names no directory object (oid)"),
    ],
    ids=["other-tenant", "audience", "issuer-host", "issuer-path", "expired", "nonce", "no-oid"],
)
def test_an_id_token_that_is_not_ours_is_refused(
    anonymous: httpx.Client,
    fake: FakeIdentityPlatform,
    store: Store,
    claims: dict[str, Any],
    status: int,
    line: str,
) -> None:
    fake.signin.claims = {
        k: v.format(tenant=fake.tenant_id) if isinstance(v, str) else v for k, v in claims.items()
    }
    refused(entra_sign_in(anonymous, fake, KELLY), status, line)
    assert account_of(store, KELLY) is None


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


def test_an_account_without_any_address_is_refused(
    anonymous: httpx.Client, fake: FakeIdentityPlatform, store: Store
) -> None:
    oid = str(uuid.uuid4())
    fake.directory.add({"id": oid, "displayName": "No Mailbox", "userPrincipalName": None})
    refused(
        entra_sign_in(anonymous, fake, oid),
        401,
        "Microsoft gave no email address for this account (mail, email or preferred_username)",
    )
    assert account_of(store, oid) is None


def test_no_token_or_secret_reaches_logs_pages_or_the_cookie(
    anonymous: httpx.Client,
    fake: FakeIdentityPlatform,
    store: Store,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    approved(store, PAUL, "paul.williams59@example.com")
    answers = [
        entra_sign_in(anonymous, fake, KELLY),  # pending
        entra_sign_in(anonymous, fake, PAUL),  # signed in
    ]
    answers.append(anonymous.get("/"))
    fake.fail("me", Fault(503))
    answers.append(entra_sign_in(anonymous, fake, PAUL))  # refused
    shown = caplog.text + "".join(a.text + str(a.headers) for a in answers)
    shown += str(dict(anonymous.cookies))
    issued = fake.signin.issued
    tokens = [t for t in issued if not t.startswith("0.fake-code.")]
    assert len(tokens) == 6  # an access token and an ID token per redemption
    verifiers = [form["code_verifier"] for form in auth_code_redemptions(fake)]
    for secret in [*tokens, *verifiers, CLIENT_SECRET]:
        assert secret not in shown
    assert "msal" in caplog.text  # MSAL did log, at DEBUG, and said nothing it should not


# --- configuration ------------------------------------------------------------------------------


def test_without_sso_there_is_no_microsoft_button(
    make_settings: Callable[..., Settings], store: Store
) -> None:
    from odoobridge.web.app import create_app
    from tests.web.live import client, live_server

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
    from odoobridge.errors import ConfigError
    from odoobridge.web.app import create_app

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
    from odoobridge.web.app import create_app
    from tests.web.live import client, live_server

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
    from odoobridge.web.app import create_app
    from tests.pg import free_port
    from tests.web.live import client, live_server

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
