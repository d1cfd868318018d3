"""Who may call the gateway, how often, and what it says when Odoo cannot be used."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from odoobridge.auth.apikeys import PREFIX_LENGTH
from odoobridge.auth.roles import Role
from odoobridge.settings import Settings
from odoobridge.store.engine import Store
from odoobridge.web.app import create_app
from tests.fakes.odoo_rpc_fixtures import RunningStub
from tests.gateway.conftest import EVERYTHING, READ, Caller, odoo_env
from tests.pg import free_port
from tests.web.conftest import SECRET_KEY
from tests.web.live import client, live_server

LEAD = {"name": "Rate limited", "case_id": "case-9"}


def test_a_wrong_api_key_is_401(reader: Caller) -> None:
    wrong = Caller(reader.http, reader.key[:-4] + "xxxx")
    answer = wrong.post("/odoo/search/partners", json={})
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == 'ApiKey header="X-API-Key"'
    assert reader.key not in answer.text
    assert reader.http.post("/odoo/search/partners", json={}).status_code == 401  # no key


def test_a_key_without_the_scope_is_403(callers: Callable[..., Caller]) -> None:
    strong_but_unscoped = callers(Role.SUPER_ADMIN, [])
    answer = strong_but_unscoped.post("/odoo/search/partners", json={})
    assert answer.status_code == 403
    assert answer.json() == {
        "detail": "this API key lacks the scope gateway:read: make a key that has it"
    }
    reader = callers(Role.VIEWER, READ)
    assert reader.post("/odoo/propose/lead", json=LEAD).json()["detail"] == (
        "this API key lacks the scope gateway:propose: make a key that has it"
    )
    # The execute scope on a viewer's key is not enough: executing needs an admin.
    viewer_with_everything = callers(Role.VIEWER, EVERYTHING)
    answer = viewer_with_everything.post("/odoo/execute/0123456789abcdef", json={"confirmed": True})
    assert answer.status_code == 403
    assert answer.json()["detail"] == "this needs the admin role; you are viewer"


@pytest.mark.parametrize(
    "gateway_env",
    [{"ODOOBRIDGE_GATEWAY_READ_LIMIT": "3/minute",
      "ODOOBRIDGE_GATEWAY_PROPOSE_LIMIT": "2/minute",
      "ODOOBRIDGE_GATEWAY_EXECUTE_LIMIT": "1/minute"}],
    indirect=True,
)  # fmt: skip
def test_limits_per_key_answer_429_with_retry_after(callers: Callable[..., Caller]) -> None:
    reader = callers(Role.VIEWER, READ)
    for _ in range(3):
        assert reader.post("/odoo/search/partners", json={"limit": 1}).status_code == 200
    refused = reader.post("/odoo/search/partners", json={"limit": 1})
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.json()["detail"].startswith(
        "too many gateway reads from this caller (at most 3 per 1 minute): wait "
    )
    assert reader.get("/odoo/status").status_code == 429  # every read counts
    # Another key has its own count.
    assert callers(Role.VIEWER, READ).get("/odoo/status").status_code == 200

    proposer = callers(Role.ADMIN, EVERYTHING)
    made = [proposer.post("/odoo/propose/lead", json=LEAD) for _ in range(2)]
    assert [a.status_code for a in made] == [200, 200]
    assert proposer.post("/odoo/propose/lead", json=LEAD).status_code == 429
    first, second = (a.json()["proposal_id"] for a in made)
    assert proposer.post(f"/odoo/execute/{first}", json={"confirmed": True}).status_code == 200
    limited = proposer.post(f"/odoo/execute/{second}", json={"confirmed": True})
    assert limited.status_code == 429 and "retry-after" in limited.headers
    assert "too many gateway executions" in limited.json()["detail"]


def test_the_default_read_limit_is_30_a_minute(callers: Callable[..., Caller]) -> None:
    reader = callers(Role.VIEWER, READ)
    codes = [reader.get("/odoo/proposals").status_code for _ in range(31)]
    assert codes == [200] * 30 + [429]


def test_people_use_their_role(signed_in: Callable[[Role], object]) -> None:
    from tests.web.conftest import SignedIn

    viewer = signed_in(Role.VIEWER)
    assert isinstance(viewer, SignedIn)
    answer = viewer.post("/odoo/search/partners", json={"website": "deco-addict.com"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["partners"][0]["name"] == "Deco Addict"
    refused = viewer.post("/odoo/execute/0123456789abcdef", json={"confirmed": True})
    assert refused.status_code == 403


@pytest.mark.parametrize(
    "gateway_env", [{"ODOO_URL": f"http://127.0.0.1:{free_port()}"}], indirect=True
)
def test_odoo_unreachable(reader: Caller, proposer: Caller) -> None:
    answer = reader.post("/odoo/search/partners", json={})
    assert answer.status_code == 503
    assert answer.json()["detail"].startswith("cannot reach Odoo at http://127.0.0.1:")
    status = reader.get("/odoo/status")
    assert status.status_code == 200
    assert status.json()["connected"] is False
    assert status.json()["error"].startswith("cannot reach Odoo")
    assert proposer.post("/odoo/propose/lead", json=LEAD).status_code == 200  # no reference
    assert proposer.post("/odoo/propose/lead", json={**LEAD, "partner_id": 10}).status_code == 503


@pytest.mark.parametrize("gateway_env", [{"ODOO_API_KEY": "Wrong-Key-4242"}], indirect=True)
def test_odoo_refuses_our_credentials(reader: Caller) -> None:
    answer = reader.post("/odoo/search/partners", json={})
    assert answer.status_code == 502
    detail = answer.json()["detail"]
    assert "refused the credentials" in detail and "ODOO_API_KEY" in detail
    status = reader.get("/odoo/status").json()
    assert status["connected"] is False and "refused the credentials" in status["error"]
    for text in (answer.text, str(status)):
        assert "Wrong-Key-4242" not in text


@pytest.mark.parametrize("gateway_env", [{"ODOO_URL": ""}], indirect=True)
def test_odoo_not_configured(reader: Caller) -> None:
    answer = reader.post("/odoo/search/partners", json={})
    assert answer.status_code == 400
    assert answer.json()["detail"].startswith("ODOO_URL is not set: ")
    status = reader.get("/odoo/status").json()
    assert status == {
        "connected": False, "odoo_version": None, "database": None, "username": None,
        "protocol": None, "url": None, "error": answer.json()["detail"],
    }  # fmt: skip


@pytest.mark.parametrize(
    "odoo_rpc_stub",
    [16, 19, {"version": 18, "protocol": "jsonrpc"}],
    ids=["odoo16", "odoo19", "jsonrpc"],
    indirect=True,
)
def test_other_versions_and_protocols(reader: Caller, odoo_rpc_stub: object) -> None:
    answer = reader.post("/odoo/search/partners", json={"website": "www.deco-addict.com"})
    assert answer.status_code == 200, answer.text
    assert [p["name"] for p in answer.json()["partners"]] == ["Deco Addict"]
    history = reader.get(f"/odoo/partners/{answer.json()['partners'][0]['id']}").json()
    assert history["counts"]["leads"] >= 1


def test_proposer_scope_without_read(callers: Callable[..., Caller], base_url: str) -> None:
    only_propose = callers(Role.VIEWER, ["gateway:propose"])
    made = only_propose.post("/odoo/propose/lead", json=LEAD)
    assert made.status_code == 200
    assert only_propose.get("/odoo/proposals").status_code == 403
    with httpx.Client(base_url=base_url) as anonymous:
        assert anonymous.get("/odoo/proposals").status_code == 401


def test_limits_are_shared_through_redis(
    make_settings: Callable[..., Settings], store: Store, odoo_rpc_stub: RunningStub,
    make_key: Callable[..., str],
) -> None:  # fmt: skip
    redis = pytest.importorskip("redis")
    connection = redis.Redis.from_url("redis://127.0.0.1:6379/15")
    connection.ping()
    settings = make_settings(
        ODOOBRIDGE_SECRET_KEY=SECRET_KEY, REDIS_URL="redis://127.0.0.1:6379/15",
        ODOOBRIDGE_GATEWAY_READ_LIMIT="3/minute", **odoo_env(odoo_rpc_stub),
    )  # fmt: skip
    key = make_key(Role.VIEWER, scopes=READ)
    prefix = key[:PREFIX_LENGTH]  # obk_ and ten letters: what the audit log and limits name
    first, second = create_app(settings, store), create_app(settings, store)
    try:
        with live_server(first) as one, live_server(second) as two:
            with client(one) as c:
                assert [Caller(c, key).get("/odoo/status").status_code for _ in range(2)] == [
                    200, 200,
                ]  # fmt: skip
            with client(two) as c:  # another process, sharing the count
                assert Caller(c, key).get("/odoo/status").status_code == 200
                refused = Caller(c, key).get("/odoo/status")
                assert refused.status_code == 429 and "retry-after" in refused.headers
        assert connection.keys(f"*{prefix}*"), "the counts live in Redis"
    finally:
        found = connection.keys(f"*{prefix}*")
        if found:
            connection.delete(*found)
