"""What the API source does when things go wrong: a wrong password or key, a user without the
right, Odoo restarting or going silent mid-read, Odoo Online's rate limit — one clear line each,
naming the settings to check."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from odoobridge.sources.odoo_api import OdooApiReader, OdooApiTarget
from odoobridge.sources.odoo_api_calls import (
    ApiCaller,
    OdooApiRightMissing,
    OdooApiThrottled,
    groups_named_in,
)
from odoobridge.sources.odoo_rpc import (
    OdooAccessDenied,
    OdooConnectionError,
    OdooRpcClient,
    OdooRpcConfig,
)
from tests.fakes.odoo_rpc_fixtures import RunningStub

PROTOCOLS_19 = [{"version": 19, "protocol": p} for p in ("xmlrpc", "jsonrpc", "json2")]


def target(stub: RunningStub, **config: Any) -> OdooApiTarget:
    return OdooApiTarget(replace(stub.config, names="ODOO_PROD", **config))


def read(target: OdooApiTarget, **kwargs: Any) -> OdooApiReader:
    with OdooApiReader(target, **kwargs) as reader:
        return reader


@pytest.mark.parametrize("odoo_rpc_stub", PROTOCOLS_19, indirect=True, ids=lambda p: p["protocol"])
def test_a_wrong_password_or_key(odoo_rpc_stub: RunningStub) -> None:
    wrong = {"api_key": SecretStr("0" * 40)} if odoo_rpc_stub.config.protocol == "json2" else {
        "password": SecretStr("not-the-password")}  # fmt: skip
    with pytest.raises(OdooAccessDenied) as caught:
        read(target(odoo_rpc_stub, **wrong))
    what = "ODOO_PROD_API_KEY" if "api_key" in wrong else "ODOO_PROD_PASSWORD"
    assert str(caught.value).endswith(
        f"refused the credentials of 'admin' on database 'odoo19demo' "
        f"({'Invalid apikey' if 'api_key' in wrong else 'Access Denied'}): check "
        f"ODOO_PROD_USERNAME, ODOO_PROD_DB and {what}"
    )
    assert "not-the-password" not in str(caught.value) and "0" * 40 not in str(caught.value)


@pytest.mark.parametrize(
    ("odoo_rpc_stub", "right"),
    [({"version": 18, "protocol": "jsonrpc"}, "Administration/Access Rights"),
     ({"version": 19, "protocol": "json2"}, "Access Rights")],
    indirect=["odoo_rpc_stub"], ids=["odoo18", "odoo19"],
)  # fmt: skip
def test_a_user_without_the_right_is_told_which_one(odoo_rpc_stub: RunningStub, right: str) -> None:
    """demo is an internal user: it may read users and groups, not the models of access rights
    (the recorded rpc18-security/058 and rpc19/042 refusals)."""
    demo = {"username": "demo", "password": SecretStr("demo"), "api_key": None}
    if odoo_rpc_stub.config.protocol == "json2":
        demo["api_key"] = SecretStr(odoo_rpc_stub.stub.add_api_key(5))
    with pytest.raises(OdooApiRightMissing) as caught:
        read(target(odoo_rpc_stub, **demo))
    assert str(caught.value) == (
        f"the Odoo user 'demo' may not read ir.model: give it {right} (Settings → Users & "
        "Companies → Users → the user → Access Rights) — the security sync reads access rights, "
        "record rules and every user's groups"
    )
    assert caught.value.status == 403


def test_odoo_restarting_mid_read(odoo_rpc_stub: RunningStub) -> None:
    """A worker killed between two pages: the connection closes with no answer."""
    odoo_rpc_stub.stub.drop_connection("ir.model.access", "search_read", after=1, apply=False)
    with pytest.raises(OdooConnectionError) as caught:
        read(OdooApiTarget(odoo_rpc_stub.config, page_size=500))
    message = str(caught.value)
    assert message.startswith(f"reading ir.model.access: Odoo at {odoo_rpc_stub.stub.url} gave "
                              "no answer to search_read (")  # fmt: skip
    assert message.endswith("); the store was not changed — run the sync again")
    assert "\n" not in message


def test_odoo_gone_mid_read(odoo_rpc_stub: RunningStub) -> None:
    """Odoo stops listening (a restart) after the first pages: the client's connection retries
    are spent and the read stops."""
    stub = odoo_rpc_stub.stub
    stub.before("ir.rule", "search_read", lambda env: stub._server.socket.close())  # type: ignore[union-attr]
    stub.drop_connection("ir.rule", "search_read", apply=False)
    with pytest.raises(OdooConnectionError) as caught:
        read(OdooApiTarget(odoo_rpc_stub.config))
    assert str(caught.value).startswith("reading ir.rule: ")
    assert "the store was not changed" in str(caught.value)


def test_a_read_that_times_out(odoo_rpc_stub: RunningStub) -> None:
    with odoo_rpc_stub.client() as client:
        client.authenticate()  # the stub checks a password once (600,000 rounds of pbkdf2)
    odoo_rpc_stub.stub.delay(2.0, "res.users", "search_read")
    with pytest.raises(OdooConnectionError) as caught:
        read(OdooApiTarget(replace(odoo_rpc_stub.config, timeout=0.5)))
    odoo_rpc_stub.stub.wait_idle()
    assert str(caught.value) == (
        f"reading res.users: Odoo at {odoo_rpc_stub.stub.url} gave no answer to search_read "
        "(timed out); the store was not changed — run the sync again, or raise "
        "ODOOBRIDGE_ODOO_RPC_TIMEOUT (now 0.5 s) if Odoo is slow"
    )


# --- Odoo Online's rate limit -------------------------------------------------------------------


def test_429s_are_waited_out_with_retry_after(odoo_rpc_stub: RunningStub) -> None:
    odoo_rpc_stub.stub.throttle("ir.rule", "search_read", retry_after=3, times=2)
    slept: list[float] = []
    reader = read(OdooApiTarget(odoo_rpc_stub.config), sleep=slept.append)
    assert slept == [3.0, 3.0]
    assert reader.info is not None
    assert reader.info.details["throttled"] == 2 and reader.info.details["seconds_throttled"] == 6
    assert len(odoo_rpc_stub.stub.calls_to("ir.rule", "search_read")) == 3 + 1  # + the stamps


def test_a_429_past_the_deadline_fails(odoo_rpc_stub: RunningStub) -> None:
    odoo_rpc_stub.stub.throttle("res.users", "search_read", retry_after=120)
    slept: list[float] = []
    with pytest.raises(OdooApiThrottled) as caught:
        read(OdooApiTarget(odoo_rpc_stub.config, deadline=60), sleep=slept.append)
    assert slept == []
    assert str(caught.value) == (
        f"Odoo at {odoo_rpc_stub.stub.url} is rate-limiting calls (HTTP 429 on search_read, "
        "retry after 120 s): nothing was run; giving up: waiting 120 s more would pass the "
        "read's deadline of 60 s (ODOOBRIDGE_ODOO_API_DEADLINE) — the store was not changed"
    )


def test_a_429_without_retry_after_backs_off() -> None:
    answers = iter([429, 429, 200])

    def odoo(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if body["params"]["method"] == "login":
            return httpx.Response(200, json={"jsonrpc": "2.0", "id": 1, "result": 2})
        status = next(answers)
        if status == 429:
            return httpx.Response(429, text="Too Many Requests")
        return httpx.Response(200, json={"jsonrpc": "2.0", "id": 1, "result": 7})

    config = OdooRpcConfig(url="https://x.odoo.com", db="x", username="bot",
                           api_key=SecretStr("k" * 40), protocol="jsonrpc")  # fmt: skip
    slept: list[float] = []
    with OdooRpcClient(config, transport=httpx.MockTransport(odoo)) as client:
        caller = ApiCaller(client, sleep=slept.append)
        assert caller.call("res.users", "search_count", []) == 7
    assert slept == [1.0, 2.0] and caller.stats.throttled == 2


def test_the_groups_an_access_error_names() -> None:
    message = (
        "You are not allowed to access 'Employee' (hr.employee) records.\n\nThis operation is "
        "allowed for the following groups:\n\t- Administration/Settings\n\t- Employees/Officer: "
        "Manage all employees\n\nContact your administrator to request access if necessary."
    )
    assert groups_named_in(message) == [
        "Administration/Settings", "Employees/Officer: Manage all employees"]  # fmt: skip
    assert groups_named_in("No group currently allows this operation.") == []
