"""The ID token's signature (issue 18.15): verified against the keys the tenant publishes
(RS256 only), with the key set fetched again once when Microsoft rolls its keys over; a token
whose signature or key does not match is refused, and only the configured authority host's
issuer is accepted."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

import httpx
import jwt
import pytest

from odoobridge.settings import Settings
from odoobridge.store.engine import Store
from tests.auth.entra_steps import account_of, approved, entra_sign_in, refused
from tests.fakes.identity import FakeIdentityPlatform, Fault
from tests.fakes.identity_fixtures import ADMIN, KELLY, PAUL
from tests.web.conftest import SECRET_KEY

pytestmark = pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
PAUL_EMAIL = "paul.williams59@example.com"


@pytest.fixture
def web_settings(make_settings: Callable[..., Settings], fake: FakeIdentityPlatform) -> Settings:
    return make_settings(
        ODOOBRIDGE_SECRET_KEY=SECRET_KEY, **fake.settings(ODOOBRIDGE_SSO_ENABLED="1")
    )


def _segment(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _claims(token: str) -> dict[str, object]:
    return jwt.decode(token, options={"verify_signature": False})


def as_someone_else(token: str) -> str:
    """The same header and signature over claims that name another person (the admin)."""
    header, _body, signature = token.split(".")
    return f"{header}.{_segment({**_claims(token), 'oid': ADMIN})}.{signature}"


def flipped_signature(token: str) -> str:
    header, body, signature = token.split(".")
    return f"{header}.{body}.{signature[:-6]}{'A' if signature[-6] != 'A' else 'B'}{signature[-5:]}"


def hs256_with_the_public_key(fake: FakeIdentityPlatform) -> Callable[[str], str]:
    """The classic confusion: HS256, 'signed' with the published public key as the secret."""

    def forge(token: str) -> str:
        header = {"alg": "HS256", "typ": "JWT", "kid": fake.signin.kid}
        signing_input = f"{_segment(header)}.{token.split('.')[1]}"
        import hashlib
        import hmac

        mac = hmac.new(fake.signin.public_key_pem, signing_input.encode(), hashlib.sha256)
        return f"{signing_input}.{base64.urlsafe_b64encode(mac.digest()).decode().rstrip('=')}"

    return forge


def test_a_signed_in_person_is_verified_against_the_published_keys(
    anonymous: httpx.Client, fake: FakeIdentityPlatform, store: Store
) -> None:
    approved(store, PAUL, PAUL_EMAIL)
    assert entra_sign_in(anonymous, fake, PAUL).status_code == 303
    assert len(fake.calls("jwks")) == 1
    anonymous.cookies.clear()
    assert entra_sign_in(anonymous, fake, PAUL).status_code == 303
    assert len(fake.calls("jwks")) == 1  # the key set is kept


@pytest.mark.parametrize(
    ("tamper", "line"),
    [
        (as_someone_else, "the ID token's signature does not match the tenant's published key"),
        (flipped_signature, "the ID token's signature does not match the tenant's published key"),
    ],
    ids=["claims-changed", "signature-changed"],
)
def test_a_tampered_id_token_is_refused(
    anonymous: httpx.Client,
    fake: FakeIdentityPlatform,
    store: Store,
    tamper: Callable[[str], str],
    line: str,
) -> None:
    approved(store, ADMIN, "admin@example.com")
    fake.signin.tamper = tamper
    refused(entra_sign_in(anonymous, fake, KELLY), 401, line)
    assert account_of(store, KELLY) is None and fake.calls("me") == []
    assert anonymous.get("/api/auth/me").status_code == 401  # nobody signed in


def test_an_hs256_token_made_with_the_public_key_is_refused(
    anonymous: httpx.Client, fake: FakeIdentityPlatform, store: Store
) -> None:
    fake.signin.tamper = hs256_with_the_public_key(fake)
    refused(entra_sign_in(anonymous, fake, KELLY), 401, "is signed with 'HS256', not RS256")
    assert account_of(store, KELLY) is None


def test_a_rolled_over_key_is_fetched_once(
    anonymous: httpx.Client, fake: FakeIdentityPlatform, store: Store
) -> None:
    approved(store, PAUL, PAUL_EMAIL)
    assert entra_sign_in(anonymous, fake, PAUL).status_code == 303
    fake.signin.rotate_key(keep_old=False)  # Microsoft signs with a new key from now on
    anonymous.cookies.clear()
    assert entra_sign_in(anonymous, fake, PAUL).status_code == 303
    assert len(fake.calls("jwks")) == 2
    anonymous.cookies.clear()
    assert entra_sign_in(anonymous, fake, PAUL).status_code == 303
    assert len(fake.calls("jwks")) == 2


def test_a_key_the_tenant_does_not_publish_is_refused_after_one_more_look(
    anonymous: httpx.Client, fake: FakeIdentityPlatform, store: Store
) -> None:
    fake.signin.unpublished = True
    refused(entra_sign_in(anonymous, fake, KELLY), 401, "the tenant does not publish")
    assert len(fake.calls("jwks")) == 2  # the first look, and one more for a rollover
    assert account_of(store, KELLY) is None


def test_the_issuer_of_another_microsoft_host_is_refused(
    anonymous: httpx.Client, fake: FakeIdentityPlatform, store: Store
) -> None:
    """A public Microsoft login host is not this deployment's authority host."""
    fake.signin.claims = {"iss": f"https://login.microsoftonline.com/{fake.tenant_id}/v2.0"}
    refused(entra_sign_in(anonymous, fake, KELLY), 401, "is not the tenant's v2.0 endpoint")
    assert account_of(store, KELLY) is None


@pytest.mark.parametrize(
    ("fault", "line"),
    [
        (Fault(503), "answered 503: the tenant's signing keys cannot be read; try again"),
        (Fault(200, body=b'{"keys": "none"}'), "the signing keys of"),
    ],
    ids=["unavailable", "malformed"],
)
def test_keys_that_cannot_be_read_are_one_line(
    anonymous: httpx.Client, fake: FakeIdentityPlatform, store: Store, fault: Fault, line: str
) -> None:
    fake.fail("jwks", fault)
    refused(entra_sign_in(anonymous, fake, KELLY), 502, line)
    assert account_of(store, KELLY) is None
