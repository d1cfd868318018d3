"""What a browser does in a Microsoft sign-in, for the tests: start it in the app, "sign in" at
the fake identity platform, follow the answer back; and what the tests read afterwards."""

from __future__ import annotations

import re
import ssl
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx
from sqlalchemy import select

from odoobridge.auth import accounts
from odoobridge.auth.audit import Origin
from odoobridge.auth.models import Account, AuditEvent
from odoobridge.auth.roles import Role
from odoobridge.store.engine import Store
from tests.fakes.identity import FakeIdentityPlatform

OTHER_TENANT = "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6"


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
        accounts.approve_account(session, account.id, role=role, by="test", origin=Origin())
        return account.id


def auth_code_redemptions(fake: FakeIdentityPlatform) -> list[dict[str, str]]:
    return [r.form for r in fake.calls("token") if r.form.get("grant_type") == "authorization_code"]


def refused(answer: httpx.Response, status: int, line: str) -> None:
    """The sign-in page again, with the one line that says what happened."""
    assert answer.status_code == status, answer.text
    assert '<p class="error" role="alert" id="login-error">' in answer.text
    found = re.search(r'id="login-error">([^<]*)', answer.text)
    assert line in answer.text.replace("&#39;", "'"), found and found.group(1)
    assert "Traceback" not in answer.text
