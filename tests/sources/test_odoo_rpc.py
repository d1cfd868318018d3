"""The Odoo API client against the stub Odoo (real HTTP, the fixture databases): each protocol,
the uid cache, the configured context, and Odoo's faults as typed errors with Odoo's message."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pydantic import SecretStr

from odoobridge.errors import ConfigError
from odoobridge.settings import Settings, invalid_setting
from odoobridge.sources.odoo_rpc import (
    OdooAccessDenied,
    OdooAccessError,
    OdooMissingError,
    OdooRpcClient,
    OdooRpcConfig,
    OdooRpcError,
    OdooUserError,
    OdooValidationError,
)
from tests.fakes.odoo_rpc_fixtures import RunningStub

COMPANY_FIELDS = ["name", "email", "phone", "website", "is_company", "city", "country_id"]
# res.partner.search_read([('is_company', '=', True)], limit=5) on the 18.0 fixture, as recorded
FIRST_COMPANIES = [
    (15, "Azure Interior", "http://www.azure-interior.com"),
    (10, "Deco Addict", "http://www.deco-addict.com"),
    (11, "Gemini Furniture", "http://www.gemini-furniture.com/"),
    (16, "Lumber Inc", "http://www.lumber-inc.com"),
    (60, "My Company (Chicago)", "http://www.example.com"),
]


@pytest.fixture(params=["xmlrpc", "jsonrpc"])
def client(request: pytest.FixtureRequest, odoo_rpc_stub: RunningStub) -> OdooRpcClient:
    """A client of the Odoo 18 stub, once per protocol 18 speaks."""
    with odoo_rpc_stub.client(protocol=request.param) as made:
        yield made  # type: ignore[misc]


def test_reads_the_fixture_as_odoo_returns_it(client: OdooRpcClient) -> None:
    companies = client.search_read(
        "res.partner", [["is_company", "=", True]], COMPANY_FIELDS, limit=5
    )
    assert [(c["id"], c["name"], c["website"]) for c in companies] == FIRST_COMPANIES
    assert companies[0]["country_id"] == [233, "United States"]
    assert companies[0]["is_company"] is True
    assert client.search_count("res.partner", []) == 57
    assert client.search_count("res.partner", [["is_company", "=", True]]) == 10
    assert client.execute("crm.lead", "search", [["type", "=", "opportunity"]], limit=5,
                          order="id") == [13, 14, 15, 16, 17]  # fmt: skip


def test_pages_with_offset_and_order(client: OdooRpcClient) -> None:
    first = client.search_read("res.partner", [], ["name"], limit=20, order="id")
    second = client.search_read("res.partner", [], ["name"], limit=20, offset=20, order="id")
    ids = [r["id"] for r in first + second]
    assert ids == sorted(ids) and len(set(ids)) == 40


def test_create_write_read(client: OdooRpcClient) -> None:
    new_id = client.create("res.partner", {"name": "RPC Client Co", "is_company": True})
    assert client.write("res.partner", [new_id], {"phone": "+32 2 555 01 01"}) is True
    [record] = client.read("res.partner", [new_id], ["name", "phone", "country_id"])
    assert record == {"id": new_id, "name": "RPC Client Co", "phone": "+32 2 555 01 01",
                      "country_id": False}  # fmt: skip


def test_fields_get(client: OdooRpcClient) -> None:
    fields = client.fields_get("crm.lead", ["string", "type", "required", "relation"])
    assert fields["partner_id"] == {"string": "Customer", "type": "many2one", "required": False,
                                    "relation": "res.partner"}  # fmt: skip
    assert fields["name"]["required"] is True


def test_uid_is_cached(odoo_rpc_stub: RunningStub) -> None:
    with odoo_rpc_stub.client() as client:
        assert client.authenticate() == 2
        client.search_count("res.partner", [])
        client.search_count("crm.lead", [])
        assert client.authenticate() == 2
    logins = [c for c in odoo_rpc_stub.stub.calls if c.method == "authenticate"]
    assert len(logins) == 1


@pytest.mark.parametrize("protocol", ["xmlrpc", "jsonrpc"])
def test_wrong_password_is_access_denied(odoo_rpc_stub: RunningStub, protocol: str) -> None:
    client = odoo_rpc_stub.client(protocol=protocol, password=SecretStr("wrong-password"))
    with client, pytest.raises(OdooAccessDenied) as caught:
        client.search_count("res.partner", [])
    message = str(caught.value)
    assert "refused the credentials of 'admin' on database 'odoo18demo'" in message
    assert "ODOO_PASSWORD" in message and "wrong-password" not in message
    assert caught.value.status == 502


@pytest.mark.parametrize(
    ("call", "error", "odoo_message"),
    [
        (lambda c: c.write("res.partner", [999999], {"name": "Nobody"}), OdooMissingError,
         "Record does not exist or has been deleted.\n(Record: res.partner(999999,), User: 2)"),
        (lambda c: c.search_read("res.partnerx", [], ["name"], limit=1), OdooUserError,
         "Object res.partnerx doesn't exist"),
        (lambda c: c.create("res.partner", {"email": "no-name@example.com"}), OdooValidationError,
         "The operation cannot be completed: Contacts require a name"),
        (lambda c: c.search_read("res.partner", [["no_such_field", "=", 1]], ["name"]),
         OdooRpcError,
         "ValueError: Invalid field res.partner.no_such_field in leaf ('no_such_field', '=', 1)"),
    ],
    ids=["missing", "unknown-model", "validation", "unknown-field"],
)  # fmt: skip
def test_faults_carry_odoo_message(
    client: OdooRpcClient,
    call: Callable[[OdooRpcClient], object],
    error: type[OdooRpcError],
    odoo_message: str,
) -> None:
    with pytest.raises(error) as caught:
        call(client)
    assert type(caught.value) is error
    if client.config.protocol == "jsonrpc" and error is OdooRpcError:
        odoo_message = odoo_message.removeprefix("ValueError: ")  # JSON-RPC sends the message alone
    assert caught.value.odoo_message == odoo_message
    assert odoo_message in str(caught.value)


def test_access_error_for_a_user_without_the_group(odoo_rpc_stub: RunningStub) -> None:
    with odoo_rpc_stub.client() as admin:
        user_id = admin.create("res.users", {"name": "RPC Limited User", "login": "rpc_limited",
                                             "password": "rpc-limited-Pw-2026",
                                             "groups_id": [[6, 0, [1]]]})  # fmt: skip
    limited = odoo_rpc_stub.client(
        username="rpc_limited", password=SecretStr("rpc-limited-Pw-2026")
    )
    with limited, pytest.raises(OdooAccessError) as caught:
        assert limited.authenticate() == user_id
        limited.search_read("crm.lead", [], ["name"], limit=1)
    assert caught.value.status == 403
    assert caught.value.odoo_message == (
        "You are not allowed to access 'Lead/Opportunity' (crm.lead) records.\n\n"
        "This operation is allowed for the following groups:\n\t- Sales/Administrator\n"
        "\t- Sales/User: Own Documents Only\n\n"
        "Contact your administrator to request access if necessary."
    )


def test_config_from_settings_names_what_is_missing() -> None:
    settings = Settings(_env_file=None, ODOO_URL="https://odoo.example.com")
    with pytest.raises(ConfigError, match="ODOO_DB, ODOO_USERNAME are not set"):
        OdooRpcConfig.from_settings(settings)
    settings = Settings(_env_file=None, ODOO_URL="https://odoo.example.com", ODOO_DB="prod",
                        ODOO_USERNAME="bot")  # fmt: skip
    with pytest.raises(ConfigError, match="ODOO_PASSWORD or ODOO_API_KEY must be set"):
        OdooRpcConfig.from_settings(settings)
    settings = Settings(_env_file=None, ODOO_URL="https://odoo.example.com", ODOO_DB="prod",
                        ODOO_USERNAME="bot", ODOO_PASSWORD="pw", ODOOBRIDGE_ODOO_PROTOCOL="json2")  # fmt: skip
    with pytest.raises(ConfigError, match="ODOO_API_KEY is not set"):
        OdooRpcConfig.from_settings(settings)


def test_config_from_settings() -> None:
    settings = Settings(
        _env_file=None, ODOO_URL="https://odoo.example.com/", ODOO_DB="prod",
        ODOO_USERNAME="bot", ODOO_API_KEY="k" * 40, ODOOBRIDGE_ODOO_PROTOCOL="JSON2",
        ODOOBRIDGE_ODOO_RPC_TIMEOUT="12.5", ODOOBRIDGE_ODOO_CONTEXT_LANG="fr_FR",
        ODOOBRIDGE_ODOO_CONTEXT_TZ="Europe/Brussels", ODOOBRIDGE_ODOO_CONTEXT_COMPANY_IDS="2, 1",
    )  # fmt: skip
    config = OdooRpcConfig.from_settings(settings)
    assert (config.url, config.db, config.username, config.protocol, config.timeout) == (
        "https://odoo.example.com", "prod", "bot", "json2", 12.5)  # fmt: skip
    assert config.context == {"lang": "fr_FR", "tz": "Europe/Brussels",
                              "allowed_company_ids": [2, 1]}  # fmt: skip
    assert config.secret == "k" * 40
    assert "k" * 40 not in repr(config)


# --- each protocol on each version ----------------------------------------------------------------

VERSIONS_AND_PROTOCOLS = [
    {"version": v, "protocol": p}
    for v in (16, 18, 19)
    for p in ("xmlrpc", "jsonrpc", "json2")
    if p != "json2" or v >= 19
]


@pytest.mark.parametrize(
    "odoo_rpc_stub", VERSIONS_AND_PROTOCOLS, indirect=True,
    ids=lambda p: f"odoo{p['version']}-{p['protocol']}",
)  # fmt: skip
def test_each_protocol_on_each_version(odoo_rpc_stub: RunningStub) -> None:
    db = odoo_rpc_stub.database
    version = odoo_rpc_stub.stub.version
    with odoo_rpc_stub.client(protocol=odoo_rpc_stub.config.protocol) as client:
        info = client.version()
        assert info["server_version"] == f"{version}.0"
        assert info["server_version_info"][:2] == [version, 0]
        assert client.authenticate() == 2
        companies = db.execute(
            "SELECT id, name FROM res_partner WHERE is_company AND active "
            "ORDER BY COALESCE(complete_name, name), id DESC" if version > 16 else
            "SELECT id, name FROM res_partner WHERE is_company AND active ORDER BY display_name, id DESC"
        )  # fmt: skip
        found = client.search_read("res.partner", [["is_company", "=", True]], ["name"])
        assert [(r["id"], r["name"]) for r in found] == companies
        leads = int(db.execute("SELECT count(*) FROM crm_lead WHERE active")[0][0])
        assert client.search_count("crm.lead", []) == leads
        new_id = client.create("crm.lead", {"name": "Gateway lead", "partner_id": 10})
        assert client.write("crm.lead", [new_id], {"expected_revenue": 1234.5}) is True
        [lead] = client.read(
            "crm.lead", [new_id], ["name", "partner_id", "expected_revenue", "type"]
        )
        partner_name = db.execute("SELECT name FROM res_partner WHERE id = 10")[0][0]
        assert lead["partner_id"] == [10, partner_name]
        assert (lead["expected_revenue"], lead["type"]) == (1234.5, "lead")
        assert client.search_count("crm.lead", []) == leads + 1


@pytest.mark.parametrize("odoo_rpc_stub", [19], indirect=True)
def test_json2_sends_named_arguments_and_the_bearer_key(odoo_rpc_stub: RunningStub) -> None:
    stub = odoo_rpc_stub.stub
    with odoo_rpc_stub.client(protocol="json2") as client:
        client.search_read("res.partner", [["is_company", "=", True]], ["name"], limit=3, offset=1,
                           order="id")  # fmt: skip
        client.read("res.partner", [10, 11], ["name"])
        client.write("res.partner", [10], {"phone": "+1 555 0100"})
        client.create("res.partner", {"name": "JSON-2 Co"})
        client.execute("crm.lead", "search_count", [["type", "=", "opportunity"]])
    calls = [c for c in stub.calls if c.protocol == "json2"]
    assert [(c.model, c.method, c.args, c.kwargs) for c in calls] == [
        ("res.partner", "search_read", [], {"domain": [["is_company", "=", True]],
                                            "fields": ["name"], "offset": 1, "limit": 3,
                                            "order": "id"}),
        ("res.partner", "read", [[10, 11]], {"fields": ["name"]}),
        ("res.partner", "write", [[10]], {"vals": {"phone": "+1 555 0100"}}),
        ("res.partner", "create", [], {"vals_list": [{"name": "JSON-2 Co"}]}),
        ("crm.lead", "search_count", [], {"domain": [["type", "=", "opportunity"]]}),
    ]  # fmt: skip
    assert all(c.uid == 2 for c in calls)  # the stub found admin's key in the bearer header


@pytest.mark.parametrize("odoo_rpc_stub", [19], indirect=True)
def test_json2_refuses_positional_arguments_it_cannot_name(odoo_rpc_stub: RunningStub) -> None:
    with odoo_rpc_stub.client(protocol="json2") as client, pytest.raises(TypeError, match="named"):
        client.execute("crm.lead", "action_set_won_rainbowman", [1], "extra")


@pytest.mark.parametrize(
    "odoo_rpc_stub", [{"version": 19, "protocol": p} for p in ("xmlrpc", "jsonrpc", "json2")],
    indirect=True, ids=lambda p: p["protocol"],
)  # fmt: skip
def test_context_is_passed_through(odoo_rpc_stub: RunningStub) -> None:
    context = {"lang": "en_US", "tz": "Europe/Brussels", "allowed_company_ids": [2, 1]}
    protocol = odoo_rpc_stub.config.protocol
    stub = odoo_rpc_stub.stub
    with odoo_rpc_stub.client(protocol=protocol, context=context) as client:
        client.search_count("res.partner", [])
        client.search_read("res.partner", [], ["name"], limit=1, context={"active_test": False})
    calls = [c for c in stub.calls if c.model == "res.partner"]
    assert [c.context for c in calls] == [context, {**context, "active_test": False}]
    if protocol != "json2":  # XML-RPC and JSON-RPC carry it in execute_kw's keyword arguments
        assert [c.kwargs["context"] for c in calls] == [c.context for c in calls]


@pytest.mark.parametrize("odoo_rpc_stub", [19], indirect=True)
def test_context_changes_the_answer(odoo_rpc_stub: RunningStub) -> None:
    """active_test=False in the call's context brings archived records back, as in Odoo."""
    db = odoo_rpc_stub.database
    every = int(db.execute("SELECT count(*) FROM crm_lead")[0][0])
    active = int(db.execute("SELECT count(*) FROM crm_lead WHERE active")[0][0])
    assert every > active
    with odoo_rpc_stub.client() as client:
        assert client.search_count("crm.lead", []) == active
        assert client.search_count("crm.lead", [], context={"active_test": False}) == every


def test_config_defaults() -> None:
    settings = Settings(_env_file=None, ODOO_URL="https://odoo.example.com", ODOO_DB="prod",
                        ODOO_USERNAME="bot", ODOO_PASSWORD="Bot-Pw-1")  # fmt: skip
    config = OdooRpcConfig.from_settings(settings)
    assert (config.protocol, config.timeout, config.retries, config.context) == (
        "jsonrpc", 30.0, 2, {})  # fmt: skip
    assert config.secret == "Bot-Pw-1"


@pytest.mark.parametrize(
    ("variable", "value", "fix"),
    [
        ("ODOOBRIDGE_ODOO_PROTOCOL", "soap", "xmlrpc"),
        ("ODOOBRIDGE_ODOO_CONTEXT_COMPANY_IDS", "1,two", "comma"),
        ("ODOOBRIDGE_ODOO_RPC_TIMEOUT", "0", "greater than 0"),
    ],
)
def test_bad_settings_say_what_to_fix(variable: str, value: str, fix: str) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as caught:
        Settings(_env_file=None, **{variable: value})
    message = invalid_setting(caught.value).message
    assert variable in message and fix in message


def test_a_url_that_is_not_one() -> None:
    with pytest.raises(ConfigError, match=r"ODOO_URL 'odoo\.example\.com' is not a URL"):
        OdooRpcConfig(url="odoo.example.com", db="prod", username="bot",
                      password=SecretStr("pw"))  # fmt: skip
