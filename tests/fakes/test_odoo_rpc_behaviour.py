"""The stub Odoo beyond the recordings: Odoo's domain operators against the fixture's own rows,
translated names, access rights of a user without the group, Odoo's errors on create, the
JSON-2 endpoint's refusals, and the test hooks (fail, drop_connection, delay, the call log)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests import pg
from tests.fakes.odoo_rpc import OdooRpcStub


@pytest.fixture(scope="module")
def stub() -> Iterator[OdooRpcStub]:
    """One Odoo 18 stub for the read-only tests of this module."""
    running = OdooRpcStub(pg.copy_fixture(18), 18).start()
    yield running
    running.stop()
    pg.drop_database(running.database.name)


def call(stub: OdooRpcStub, model: str, method: str, *args: Any, **kwargs: Any) -> Any:
    """An execute_kw over JSON-RPC as admin; faults come back as the error object."""
    body = {"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
        "service": "object", "method": "execute_kw",
        "args": [stub.db_name, 2, "admin", model, method, list(args), kwargs]}}  # fmt: skip
    answer = httpx.post(f"{stub.url}/jsonrpc", json=body, timeout=30).json()
    return answer.get("result", answer.get("error"))


def ids(stub: OdooRpcStub, model: str, domain: list[Any], **kwargs: Any) -> list[int]:
    return sorted(call(stub, model, "search", domain, **kwargs))


def sql_ids(stub: OdooRpcStub, query: str, params: Any = None) -> list[int]:
    return sorted(row[0] for row in stub.database.execute(query, params))


ACTIVE = "SELECT id FROM res_partner WHERE active AND "


@pytest.mark.parametrize(
    ("domain", "where"),
    [
        ([["is_company", "=", True]], "is_company"),
        ([["is_company", "!=", True]], "NOT COALESCE(is_company, false)"),
        ([["website", "=", False]], "(website IS NULL OR website = '')"),
        ([["website", "!=", False]], "NOT (website IS NULL OR website = '')"),
        ([["id", "in", [10, 11, 999]]], "id IN (10, 11)"),
        ([["id", "not in", [10, 11]]], "id NOT IN (10, 11)"),
        ([["name", "like", "Deco"]], "name LIKE '%%Deco%%'"),
        ([["name", "ilike", "deco"]], "name ILIKE '%%deco%%'"),
        ([["name", "not ilike", "a"]], "name NOT ILIKE '%%a%%'"),
        ([["email", "=ilike", "INFO@%"]], "email ILIKE 'INFO@%%'"),
        ([["email", "=like", "info@%"]], "email LIKE 'info@%%'"),
        ([["id", "<", 10]], "id < 10"),
        ([["id", ">", 50]], "id > 50"),
        ([["id", "<=", 10]], "id <= 10"),
        ([["id", ">=", 50]], "id >= 50"),
        (["|", ["id", "=", 10], ["id", "=", 11]], "id IN (10, 11)"),
        (["&", ["is_company", "=", True], "!", ["name", "ilike", "deco"]],
         "is_company AND name NOT ILIKE '%%deco%%'"),
        ([["is_company", "=", True], ["country_id.code", "=", "US"]],
         "is_company AND country_id = 233"),
        ([["country_id", "ilike", "united states"]], "country_id = 233"),
        ([["parent_id", "=", False], ["website", "ilike", "www."]],
         "parent_id IS NULL AND website ILIKE '%%www.%%'"),
    ],
)  # fmt: skip
def test_domains_select_what_sql_selects(stub: OdooRpcStub, domain: list[Any], where: str) -> None:
    expected = sql_ids(stub, ACTIVE + where)
    assert expected, "the case must select something in the fixture"
    assert ids(stub, "res.partner", domain) == expected


def test_archived_records_only_when_asked(stub: OdooRpcStub) -> None:
    every = sql_ids(stub, "SELECT id FROM crm_lead")
    active = sql_ids(stub, "SELECT id FROM crm_lead WHERE active")
    assert len(every) == 44 and len(active) == 39  # the fixture's ground truth
    assert ids(stub, "crm.lead", []) == active
    assert ids(stub, "crm.lead", [["active", "in", [True, False]]]) == every
    assert ids(stub, "crm.lead", [["active", "=", False]]) == sorted(set(every) - set(active))
    assert ids(stub, "crm.lead", [], context={"active_test": False}) == every


def test_many2many_and_translated_names(stub: OdooRpcStub) -> None:
    attended = sql_ids(stub, "SELECT calendar_event_id FROM calendar_event_res_partner_rel "
                             "WHERE res_partner_id = 3")  # fmt: skip
    assert ids(stub, "calendar.event", [["partner_ids", "in", [3]]]) == attended
    won = sql_ids(stub, "SELECT l.id FROM crm_lead l JOIN crm_stage s ON s.id = l.stage_id "
                        "WHERE l.active AND s.name->>'en_US' = 'Won'")  # fmt: skip
    assert ids(stub, "crm.lead", [["stage_id.name", "=", "Won"]]) == won
    assert ids(stub, "crm.lead", [["stage_id", "ilike", "won"]]) == won
    [country] = call(stub, "res.country", "search_read", [["code", "=", "BE"]], fields=["name"])
    assert country["name"] == "Belgium"
    research = call(stub, "project.project", "search_read", [["name", "ilike", "research"]],
                    fields=["name", "task_count"])  # fmt: skip
    assert [(p["name"], p["task_count"]) for p in research] == [("Research & Development", 10)]


def test_errors_of_a_bad_domain(stub: OdooRpcStub) -> None:
    error = call(stub, "res.partner", "search", [["name", "~", "x"]])
    assert error["data"]["name"] == "builtins.ValueError"
    assert error["data"]["message"] == "Invalid leaf ('name', '~', 'x')"
    error = call(stub, "res.partner", "search_read", [], fields=["no_such_field"])
    assert error["data"]["message"] == "Invalid field 'no_such_field' on model 'res.partner'"


def test_access_rights_of_a_user_without_the_group(make_odoo_rpc_stub: Any) -> None:
    running = make_odoo_rpc_stub()
    stub = running.stub
    user = call(stub, "res.users", "create", {"name": "Limited", "login": "limited",
                                              "password": "Limited-Pw-1", "groups_id": [[6, 0, [1]]]})  # fmt: skip
    [read] = call(stub, "res.users", "read", [user], fields=["groups_id", "share"])
    assert sorted(read["groups_id"]) == [1, 7, 19, 46, 52, 68]  # Internal User and what it implies
    body = {"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
        "service": "object", "method": "execute_kw",
        "args": [stub.db_name, user, "Limited-Pw-1", "res.partner", "check_access_rights",
                 ["read"], {"raise_exception": False}]}}  # fmt: skip
    assert httpx.post(f"{stub.url}/jsonrpc", json=body).json()["result"] is True
    body["params"]["args"][3:5] = ["crm.lead", "check_access_rights"]
    assert httpx.post(f"{stub.url}/jsonrpc", json=body).json()["result"] is False
    body["params"]["args"][3:7] = ["res.groups", "write", [[1], {"comment": "x"}], {}]
    error = httpx.post(f"{stub.url}/jsonrpc", json=body).json()["error"]["data"]
    assert error["name"] == "odoo.exceptions.AccessError"
    assert error["message"].startswith("You are not allowed to modify 'Access Groups' (res.groups)")
    assert "\t- Administration/Access Rights\n" in error["message"]


def test_creates_with_odoo_defaults_and_errors(make_odoo_rpc_stub: Any) -> None:
    stub = make_odoo_rpc_stub().stub
    activity = call(stub, "mail.activity", "create", {
        "res_model": "crm.lead", "res_id": 19, "activity_type_id": 2, "summary": "Call back"})  # fmt: skip
    [read] = call(stub, "mail.activity", "read", [activity],
                  fields=["res_model", "res_name", "user_id", "state", "activity_type_id"])  # fmt: skip
    assert read["res_name"] == "Customizable Desk" and read["user_id"] == [2, "Mitchell Admin"]
    assert read["state"] == "today" and read["activity_type_id"] == [2, "Call"]
    event = call(stub, "calendar.event", "create", {
        "name": "Review", "start": "2026-12-01 09:00:00", "stop": "2026-12-01 10:00:00",
        "partner_ids": [[6, 0, [3, 15]]]})  # fmt: skip
    [read] = call(stub, "calendar.event", "read", [event], fields=["partner_ids", "show_as"])
    assert read == {"id": event, "partner_ids": [15, 3], "show_as": "busy"}
    error = call(stub, "calendar.event", "create", {"name": "No start"})
    assert error["data"]["name"] == "odoo.exceptions.ValidationError"
    assert error["data"]["message"].endswith(
        "Model: Calendar Event (calendar.event)\nField: Start (start)"
    )
    error = call(stub, "crm.lead", "create", {"name": "Bad type", "type": "prospect"})
    assert error["data"]["message"] == "Wrong value for crm.lead.type: 'prospect'"
    error = call(stub, "crm.lead", "frobnicate", [1])
    assert error["data"]["message"] == "The method 'crm.lead.frobnicate' does not exist"


@pytest.mark.parametrize("odoo_rpc_stub", [19], indirect=True)
def test_json2_refusals(odoo_rpc_stub: Any) -> None:
    stub = odoo_rpc_stub.stub
    url = f"{stub.url}/json/2/res.partner/search_count"
    answer = httpx.post(url, json={"domain": []}, headers={"Authorization": "bearer nope"})
    assert answer.status_code == 401
    assert answer.json()["name"] == "werkzeug.exceptions.Unauthorized"
    answer = httpx.post(url, json={"domain": []}, headers={
        "Authorization": f"bearer {stub.admin_key}", "X-Odoo-Database": "other"})  # fmt: skip
    assert answer.status_code == 404
    answer = httpx.post(f"{stub.url}/json/2/res.partner/write", json={"ids": [999999], "vals": {}},
                        headers={"Authorization": f"bearer {stub.admin_key}"})  # fmt: skip
    assert answer.status_code == 404 and answer.json()["name"] == "odoo.exceptions.MissingError"
    version = httpx.get(f"{stub.url}/web/version").json()
    assert version == {"version_info": [19, 0, 0, "final", 0, ""], "version": "19.0"}


def test_hooks(make_odoo_rpc_stub: Any) -> None:
    stub = make_odoo_rpc_stub().stub
    stub.fail("res.partner", "search", fault="UserError", message="second one fails", after=1)
    assert isinstance(call(stub, "res.partner", "search", [], limit=1), list)
    assert call(stub, "res.partner", "search", [], limit=1)["data"]["message"] == "second one fails"
    assert isinstance(call(stub, "res.partner", "search", [], limit=1), list)  # once only
    stub.drop_connection("res.partner", "create", apply=False)
    with pytest.raises(httpx.RemoteProtocolError):
        call(stub, "res.partner", "create", {"name": "Never Made"})
    assert (
        stub.database.execute("SELECT count(*) FROM res_partner WHERE name = 'Never Made'")[0][0]
        == 0
    )
    stub.delay(0.3, "res.partner", "search_count")
    import time

    started = time.monotonic()
    call(stub, "res.partner", "search_count", [])
    assert time.monotonic() - started >= 0.3
    stub.delay(0)
    logged = [(c.protocol, c.model, c.method) for c in stub.calls]
    assert logged == [("jsonrpc", "res.partner", m) for m in
                      ("search", "search", "search", "create", "search_count")]  # fmt: skip


# --- the security models (issue 16) ----------------------------------------------------------


def test_x2many_reads_archived_records_on_active_test_false(stub: OdooRpcStub) -> None:
    """Odoo filters a many2many's archived records by the reading context: the Internal User
    group's members are the active ones (as the recorded rpc/017 shows), all of them with
    active_test False (the stored rows of res_groups_users_rel)."""
    stored = sql_ids(stub, "SELECT uid FROM res_groups_users_rel WHERE gid = 1")
    active = sql_ids(stub, "SELECT r.uid FROM res_groups_users_rel r JOIN res_users u "
                           "ON u.id = r.uid WHERE r.gid = 1 AND u.active")  # fmt: skip
    assert active == [2, 6] and stored == [1, 2, 3, 6]  # __system__ and default are archived
    [group] = call(stub, "res.groups", "read", [1], fields=["users"])
    assert sorted(group["users"]) == active
    [group] = call(stub, "res.groups", "read", [1], fields=["users"],
                   context={"active_test": False})  # fmt: skip
    assert sorted(group["users"]) == stored


def test_security_hooks(make_odoo_rpc_stub: Any) -> None:
    """before() edits between two calls as Odoo's ORM would (write_date moves); throttle()
    answers 429 with Retry-After the given number of times."""
    stub = make_odoo_rpc_stub().stub
    stub.before("res.groups", "search_read",
                lambda env: env.call("res.groups", "write", [[1], {"comment": "edited"}], {}),
                after=1)  # fmt: skip
    first = call(
        stub, "res.groups", "search_read", [["id", "=", 1]], fields=["comment", "write_date"]
    )
    second = call(
        stub, "res.groups", "search_read", [["id", "=", 1]], fields=["comment", "write_date"]
    )
    assert first[0]["comment"] != "edited" and second[0]["comment"] == "edited"
    assert second[0]["write_date"] > first[0]["write_date"]
    stub.throttle("res.users", "search_count", retry_after=7, times=2)
    body = {"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
        "service": "object", "method": "execute_kw",
        "args": [stub.db_name, 2, "admin", "res.users", "search_count", [[]], {}]}}  # fmt: skip
    answers = [httpx.post(f"{stub.url}/jsonrpc", json=body) for _ in range(3)]
    assert [a.status_code for a in answers] == [429, 429, 200]
    assert answers[0].headers["Retry-After"] == "7" and answers[2].json()["result"] == 3
