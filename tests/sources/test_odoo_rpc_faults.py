"""What the Odoo API client does when things go wrong: timeouts, connections that cannot be
opened (retried) or that drop after sending (never re-sent when the call writes), and every
Odoo fault mapped to its typed error with Odoo's message, over each protocol."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from odoobridge.sources.odoo_rpc import (
    OdooAccessDenied,
    OdooAccessError,
    OdooConnectionError,
    OdooMissingError,
    OdooOutcomeUnknown,
    OdooRpcClient,
    OdooRpcError,
    OdooThrottled,
    OdooUserError,
    OdooValidationError,
)
from tests.fakes.odoo_rpc_fixtures import RunningStub
from tests.pg import free_port

PROTOCOLS_19 = [{"version": 19, "protocol": p} for p in ("xmlrpc", "jsonrpc", "json2")]


def partners_named(stub: RunningStub, name: str) -> int:
    return int(
        stub.database.execute("SELECT count(*) FROM res_partner WHERE name = %s", (name,))[0][0]
    )


def active_partners(stub: RunningStub) -> int:
    return int(stub.database.execute("SELECT count(*) FROM res_partner WHERE active")[0][0])


# --- timeouts and dropped connections ---------------------------------------------------------


def signed_in(stub: RunningStub, **overrides: Any) -> OdooRpcClient:
    """A client that has its uid (the stub remembers the verified password, as Odoo does)."""
    with stub.client(**{k: v for k, v in overrides.items() if k != "timeout"}) as first:
        first.authenticate()
    client = stub.client(**overrides)
    client.authenticate()
    return client


def test_a_read_that_times_out_is_a_connection_error(odoo_rpc_stub: RunningStub) -> None:
    client = signed_in(odoo_rpc_stub, timeout=0.5)
    odoo_rpc_stub.stub.delay(2.0, "res.partner", "search_count")
    with client, pytest.raises(OdooConnectionError) as caught:
        client.search_count("res.partner", [])
    assert "gave no answer to search_count (timed out); nothing was changed" in str(caught.value)
    assert caught.value.status == 503
    assert len(odoo_rpc_stub.stub.calls_to("res.partner", "search_count")) == 1


@pytest.mark.parametrize("odoo_rpc_stub", PROTOCOLS_19, indirect=True, ids=lambda p: p["protocol"])
def test_a_write_that_times_out_is_never_sent_again(odoo_rpc_stub: RunningStub) -> None:
    client = signed_in(odoo_rpc_stub, timeout=0.5, protocol=odoo_rpc_stub.config.protocol)
    odoo_rpc_stub.stub.delay(1.5, "res.partner", "create")
    with client, pytest.raises(OdooOutcomeUnknown) as caught:
        client.create("res.partner", {"name": "Timed Out Co"})
    assert caught.value.status == 504
    assert "may or may not have been made, and it was not sent again" in str(caught.value)
    odoo_rpc_stub.stub.delay(0)
    odoo_rpc_stub.stub.wait_idle()
    # the stub finishes the call after the client gave up: the change was made, exactly once
    with odoo_rpc_stub.client(protocol=odoo_rpc_stub.config.protocol) as checker:
        assert checker.search_count("res.partner", [["name", "=", "Timed Out Co"]]) == 1
    assert len(odoo_rpc_stub.stub.calls_to("res.partner", "create")) == 1


@pytest.mark.parametrize("protocol", ["xmlrpc", "jsonrpc"])
def test_a_write_whose_connection_drops_is_never_sent_again(
    odoo_rpc_stub: RunningStub, protocol: str
) -> None:
    odoo_rpc_stub.stub.drop_connection("res.partner", "write", apply=True)
    with odoo_rpc_stub.client(protocol=protocol) as client:
        with pytest.raises(OdooOutcomeUnknown):
            client.write("res.partner", [10], {"name": "Deco Addict (renamed)"})
        assert len(odoo_rpc_stub.stub.calls_to("res.partner", "write")) == 1
        assert partners_named(odoo_rpc_stub, "Deco Addict (renamed)") == 1  # applied once
        # the next call goes through on a new connection
        assert client.search_count("res.partner", [["name", "=", "Deco Addict (renamed)"]]) == 1


def test_a_read_whose_connection_drops_is_a_connection_error(odoo_rpc_stub: RunningStub) -> None:
    odoo_rpc_stub.stub.drop_connection("crm.lead", "search_read", apply=False)
    with odoo_rpc_stub.client() as client, pytest.raises(OdooConnectionError) as caught:
        client.search_read("crm.lead", [], ["name"])
    assert "nothing was changed, try again" in str(caught.value)


# --- connections that cannot be opened: retried, nothing was sent -------------------------------


class RefusingTransport(httpx.BaseTransport):
    """The real HTTP transport, except that the first ``refusals`` connections are refused."""

    def __init__(self, refusals: int) -> None:
        self.refusals = refusals
        self.attempts = 0
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.attempts += 1
        if self.attempts <= self.refusals:
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


@pytest.mark.parametrize("method", ["search_count", "create"])
def test_connect_errors_are_retried_before_sending(odoo_rpc_stub: RunningStub, method: str) -> None:
    client = odoo_rpc_stub.client()
    client.authenticate()
    transport = RefusingTransport(refusals=2)
    retrying = OdooRpcClient(odoo_rpc_stub.config, transport=transport)
    with client, retrying:
        if method == "create":
            new_id = retrying.create("res.partner", {"name": "Retried Co"})
            assert partners_named(odoo_rpc_stub, "Retried Co") == 1
            assert isinstance(new_id, int)
        else:
            assert retrying.search_count("res.partner", []) == 57
    assert transport.attempts == 4  # authenticate: 2 refused + 1; the call: 1
    assert len(odoo_rpc_stub.stub.calls_to("res.partner", method)) == 1


def test_retries_are_bounded(odoo_rpc_stub: RunningStub) -> None:
    transport = RefusingTransport(refusals=10)
    client = OdooRpcClient(odoo_rpc_stub.config, transport=transport)
    with client, pytest.raises(OdooConnectionError) as caught:
        client.version()
    assert transport.attempts == 3
    assert "after 3 attempts: check ODOO_URL and that Odoo is running" in str(caught.value)


def test_nothing_listening(odoo_rpc_stub: RunningStub) -> None:
    from dataclasses import replace

    config = replace(odoo_rpc_stub.config, url=f"http://127.0.0.1:{free_port()}", retries=1)
    with OdooRpcClient(config) as client, pytest.raises(OdooConnectionError) as caught:
        client.authenticate()
    assert f"cannot reach Odoo at {config.url}" in str(caught.value)
    assert caught.value.status == 503


def test_not_odoo_at_that_address(odoo_rpc_stub: RunningStub) -> None:
    from dataclasses import replace

    config = replace(odoo_rpc_stub.config, url=odoo_rpc_stub.stub.url + "/not-odoo")
    with OdooRpcClient(config) as client, pytest.raises(OdooRpcError) as caught:
        client.version()
    assert "answered HTTP 404 on /not-odoo/xmlrpc/2/common: check ODOO_URL" in str(caught.value)


def test_an_answer_that_is_not_xml_rpc() -> None:
    def proxy_page(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>Sign in to the corporate proxy</html>")

    from odoobridge.sources.odoo_rpc import OdooRpcConfig

    config = OdooRpcConfig(url="https://odoo.example.com", db="prod", username="bot",
                           password=SecretStr("Bot-Pw-1"))  # fmt: skip
    with OdooRpcClient(config, transport=httpx.MockTransport(proxy_page)) as client:
        with pytest.raises(OdooRpcError, match="sent not an XML-RPC answer"):
            client.version()
        with pytest.raises(OdooRpcError, match="sent not an XML-RPC answer") as caught:
            client.authenticate()
    assert "Bot-Pw-1" not in str(caught.value)


# --- Odoo's faults, typed, over each protocol ---------------------------------------------------

# (Odoo's exception, a message in Odoo's words, the error, its HTTP status)
FAULTS: list[tuple[str, str, type[OdooRpcError], int]] = [
    ("AccessError", "You are not allowed to modify 'Lead/Opportunity' (crm.lead) records.\n\n"
     "No group currently allows this operation.", OdooAccessError, 403),
    ("MissingError", "Record does not exist or has been deleted.\n(Record: crm.lead(1,), User: 2)",
     OdooMissingError, 404),
    ("ValidationError", "The operation cannot be completed: Contacts require a name",
     OdooValidationError, 422),
    ("UserError", "You cannot do that on a won opportunity.", OdooUserError, 422),
    ("RedirectWarning", "Configure a sales team first.", OdooUserError, 422),
    ("ZeroDivisionError", "division by zero", OdooRpcError, 502),
]  # fmt: skip


@pytest.mark.parametrize("odoo_rpc_stub", PROTOCOLS_19, indirect=True, ids=lambda p: p["protocol"])
def test_each_fault_is_typed_with_odoo_message(odoo_rpc_stub: RunningStub) -> None:
    protocol = odoo_rpc_stub.config.protocol
    with odoo_rpc_stub.client(protocol=protocol) as client:
        for fault, message, error, status in FAULTS:
            if protocol == "json2" and fault == "RedirectWarning":
                continue  # JSON-2 answers a RedirectWarning as any other exception (HTTP 500)
            odoo_rpc_stub.stub.fail("crm.lead", "write", fault=fault, message=message)
            with pytest.raises(OdooRpcError) as caught:
                client.write("crm.lead", [1], {"name": "x"})
            assert type(caught.value) is error, fault
            assert caught.value.status == status
            if error is OdooRpcError and protocol == "xmlrpc":
                # XML-RPC sends other exceptions as a traceback: its last line is kept
                assert caught.value.odoo_message == f"{fault}: {message}"
            else:
                assert caught.value.odoo_message == message
            assert str(caught.value) == f"Odoo refused crm.lead.write: {caught.value.odoo_message}"


@pytest.mark.parametrize("odoo_rpc_stub", PROTOCOLS_19, indirect=True, ids=lambda p: p["protocol"])
def test_a_validation_error_in_its_own_words(odoo_rpc_stub: RunningStub) -> None:
    """XML-RPC gives every UserError kind faultCode 2: only Odoo's wording tells a MissingError or
    a constraint's ValidationError apart; any other ValidationError arrives as a UserError (the
    same 422). JSON-RPC and JSON-2 name the exception."""
    protocol = odoo_rpc_stub.config.protocol
    odoo_rpc_stub.stub.fail("res.partner", "create", fault="ValidationError",
                            message="The VAT number is not valid.")  # fmt: skip
    with odoo_rpc_stub.client(protocol=protocol) as client, pytest.raises(OdooRpcError) as caught:
        client.create("res.partner", {"name": "Bad VAT Co"})
    expected = OdooUserError if protocol == "xmlrpc" else OdooValidationError
    assert type(caught.value) is expected
    assert caught.value.status == 422
    assert caught.value.odoo_message == "The VAT number is not valid."


@pytest.mark.parametrize("odoo_rpc_stub", PROTOCOLS_19, indirect=True, ids=lambda p: p["protocol"])
def test_access_denied_on_a_call_forgets_the_uid(odoo_rpc_stub: RunningStub) -> None:
    protocol = odoo_rpc_stub.config.protocol
    with odoo_rpc_stub.client(protocol=protocol) as client:
        assert client.authenticate() == 2
        odoo_rpc_stub.stub.fail("res.partner", "search_count", fault="AccessDenied",
                                message="Access Denied")  # fmt: skip
        with pytest.raises(OdooAccessDenied) as caught:
            client.search_count("res.partner", [])
        assert caught.value.odoo_message == "Access Denied"
        before = len(
            [c for c in odoo_rpc_stub.stub.calls if c.method in ("authenticate", "login", "search")]
        )
        assert client.search_count("res.partner", []) == active_partners(odoo_rpc_stub)
        after = len(
            [c for c in odoo_rpc_stub.stub.calls if c.method in ("authenticate", "login", "search")]
        )
    if protocol != "json2":  # json2 sends the key with every call: nothing to sign in again
        assert after == before + 1


@pytest.mark.parametrize("odoo_rpc_stub", [19], indirect=True)
def test_json2_with_a_wrong_key(odoo_rpc_stub: RunningStub) -> None:
    client = odoo_rpc_stub.client(protocol="json2", api_key=SecretStr("0" * 40))
    with client, pytest.raises(OdooAccessDenied) as caught:
        client.search_count("res.partner", [])
    assert caught.value.odoo_message == "Invalid apikey"
    assert "ODOO_API_KEY" in str(caught.value) and "0" * 40 not in str(caught.value)


def test_json2_against_odoo_18_says_what_to_do(odoo_rpc_stub: RunningStub) -> None:
    client = odoo_rpc_stub.client(protocol="json2", api_key=SecretStr("a" * 40))
    with client, pytest.raises(OdooRpcError) as caught:
        client.search_count("res.partner", [])
    assert "redirected /json/2 (HTTP 303): it has no JSON-2 API" in str(caught.value)
    assert "ODOOBRIDGE_ODOO_PROTOCOL=xmlrpc" in str(caught.value)


def test_secrets_stay_out_of_every_error(odoo_rpc_stub: RunningStub) -> None:
    errors: list[Any] = []
    bad = odoo_rpc_stub.client(password=SecretStr("Very-Secret-Pw-9"))
    with bad:
        try:
            bad.authenticate()
        except OdooRpcError as exc:
            errors.append(exc)
    odoo_rpc_stub.stub.fail("res.partner", "read", fault="ValueError", message="boom")
    with odoo_rpc_stub.client() as client:
        try:
            client.read("res.partner", [1], ["name"])
        except OdooRpcError as exc:
            errors.append(exc)
    assert len(errors) == 2
    assert "Very-Secret-Pw-9" not in str(errors[0])
    assert str(errors[1]) == "Odoo refused res.partner.read: ValueError: boom"


# --- rate limits (Odoo Online answers 429) ------------------------------------------------------


@pytest.mark.parametrize("odoo_rpc_stub", PROTOCOLS_19, indirect=True, ids=lambda p: p["protocol"])
def test_a_429_is_throttled_with_its_retry_after_and_never_resent(
    odoo_rpc_stub: RunningStub,
) -> None:
    with odoo_rpc_stub.client(protocol=odoo_rpc_stub.config.protocol) as client:
        client.authenticate()
        odoo_rpc_stub.stub.throttle("res.partner", "create", retry_after=12)
        with pytest.raises(OdooThrottled) as caught:
            client.create("res.partner", {"name": "Throttled Once"})
        assert caught.value.retry_after == 12
        assert caught.value.status == 503
        assert "rate-limiting calls (HTTP 429 on create, retry after 12 s)" in str(caught.value)
        assert len(odoo_rpc_stub.stub.calls_to("res.partner", "create")) == 1  # not sent again
    assert partners_named(odoo_rpc_stub, "Throttled Once") == 0


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("30", 30.0), ("", None), ("soon", None), ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
     ("Wed, 21 Oct 2099 07:28:00 GMT", "future")],
)  # fmt: skip
def test_retry_after_as_seconds_or_http_date(header: str, seconds: Any) -> None:
    def limited(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": header} if header else {})

    from odoobridge.sources.odoo_rpc import OdooRpcConfig

    config = OdooRpcConfig(url="https://odoo.example.com", db="prod", username="bot",
                           password=SecretStr("Bot-Pw-1"), names="ODOO_PROD")  # fmt: skip
    client = OdooRpcClient(config, transport=httpx.MockTransport(limited))
    with client, pytest.raises(OdooThrottled) as caught:
        client.version()
    if seconds == "future":
        assert caught.value.retry_after is not None and caught.value.retry_after > 10**8
    else:
        assert caught.value.retry_after == seconds
