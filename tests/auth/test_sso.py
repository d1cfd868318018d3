"""Microsoft Entra sign-in over real HTTP: the app (uvicorn on 127.0.0.1), real MSAL, and the fake
identity platform (real TLS) serving the bundled Entra demo directory. A test plays the browser
(tests/auth/entra_steps.py): the round with its approval, and every answer that must be refused."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from odoobridge.auth import accounts
from odoobridge.auth.audit import Origin
from odoobridge.auth.models import AccountStatus
from odoobridge.auth.roles import Role
from odoobridge.settings import Settings
from odoobridge.store.engine import Store
from odoobridge.web.app import create_app
from tests.auth.entra_steps import (
    OTHER_TENANT,
    account_of,
    approved,
    auth_code_redemptions,
    callback_url,
    entra_sign_in,
    events,
    refused,
    with_query,
)
from tests.fakes.certs import make_client_certificate
from tests.fakes.identity import CLIENT_SECRET, FakeIdentityPlatform, Fault
from tests.fakes.identity_fixtures import ADMIN, DORIS, KELLY, PAUL
from tests.fakes.identity_signin import s256
from tests.web.conftest import SECRET_KEY, SignedIn
from tests.web.live import client, live_server

pytestmark = pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)


@pytest.fixture
def web_settings(make_settings: Callable[..., Settings], fake: FakeIdentityPlatform) -> Settings:
    return make_settings(
        ODOOBRIDGE_SECRET_KEY=SECRET_KEY, **fake.settings(ODOOBRIDGE_SSO_ENABLED="1")
    )


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
    [id_token] = [t for t in fake.signin.issued if t.count(".") == 2 and t.startswith("eyJ")]
    claims = jwt.decode(
        id_token, fake.signin.public_key_pem, algorithms=["RS256"], audience=fake.client_id
    )
    assert (claims["nonce"], claims["oid"], claims["tid"]) == (
        query["nonce"],
        KELLY,
        fake.tenant_id,
    )
    assert jwt.get_unverified_header(id_token)["kid"] == fake.signin.kid
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
    tmp_path: Path,
) -> None:
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
            session,
            account_id,
            by_account_id=None,
            by="test",
            origin=Origin(),
            status=AccountStatus.DISABLED,
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
