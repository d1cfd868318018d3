"""The stub Odoo 19 answers a security sync's JSON-2 (and XML-RPC) reads as the real Odoo 19.0
recorded in odoo-fixtures/rpc19/ does.

The recordings come from another 19.0 database than odoo19_demo.sql (fewer modules: 29 groups,
427 access rights), so values cannot be equal everywhere: each answer is compared for its HTTP
status, content type and shape — the same fields in every record, each holding the same kinds
of value (a many2one pair, a list of ids, ``false`` …) — and for the values both databases share
(base groups, the first access rights and rules, the refusal demo gets).
"""

from __future__ import annotations

import json
import xmlrpc.client
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests import pg
from tests.fakes.odoo_rpc import OdooRpcStub

RECORDINGS = pg.FIXTURES / "rpc19"
MANIFEST = {m["file_stem"]: m for m in json.loads((RECORDINGS / "manifest.json").read_text())}
# What a security sync reads, and what a user without the right is told.
SECURITY_READS = (
    "012_json2_res_users_search_read_active_test_false", "014_json2_res_groups_search_read",
    "015_json2_res_groups_privilege_search_read", "016_json2_ir_model_access_search_count",
    "017_json2_ir_model_access_search_read", "018_json2_ir_rule_search_read",
    "019_json2_ir_model_search_read", "020_json2_res_company_search_read",
    "042_json2_demo_ir_model_access_search_count", "043_json2_demo_crm_lead_has_access_write",
    "044_json2_demo_res_groups_has_access_write", "049_xmlrpc_res_groups_search_read",
    "050_xmlrpc_ir_rule_search_read",
)  # fmt: skip
# Records both databases hold alike: (stem, how many leading records are equal).
SAME_LEADING = {
    "015_json2_res_groups_privilege_search_read": 3,
    "017_json2_ir_model_access_search_read": 20,
    "018_json2_ir_rule_search_read": 10,
    "050_xmlrpc_ir_rule_search_read": 10,
}
DEMO_UID = 5  # demo in odoo19_demo.sql and in the recorded server


@pytest.fixture(scope="module")
def stub() -> Iterator[OdooRpcStub]:
    running = OdooRpcStub(pg.copy_fixture(19), 19).start()
    yield running
    running.stop()
    pg.drop_database(running.database.name)


def _send(stub: OdooRpcStub, http: httpx.Client, stem: str) -> tuple[httpx.Response, Any]:
    entry = MANIFEST[stem]
    request = next(RECORDINGS.glob(f"{stem}.request.*"))
    response = next(RECORDINGS.glob(f"{stem}.response.*"))
    headers = dict(entry.get("request_headers") or {"Content-Type": "text/xml"})
    if "Authorization" in headers:
        demo = "demo" in headers["Authorization"]
        key = stub.add_api_key(DEMO_UID) if demo else stub.admin_key
        headers["Authorization"] = f"bearer {key}"
    answer = http.post(entry["url_path"], content=request.read_bytes(), headers=headers)
    assert answer.status_code == entry["http_status"], stem
    assert answer.headers["content-type"] == entry["response_content_type"], stem
    return answer, _decoded(response.read_bytes())


def _decoded(body: bytes) -> Any:
    if body.startswith(b"<?xml"):
        return xmlrpc.client.loads(body, use_builtin_types=True)[0][0]
    return json.loads(body)


def _kind(value: Any) -> str:
    if value is False or value is None:
        return "false"
    if isinstance(value, list):
        if len(value) == 2 and isinstance(value[0], int) and isinstance(value[1], str):
            return "many2one"
        return "ids" if all(isinstance(v, int) for v in value) else "list"
    return type(value).__name__


def _shape(records: list[dict[str, Any]]) -> dict[str, set[str]]:
    kinds: dict[str, set[str]] = {}
    for record in records:
        for name, value in record.items():
            kinds.setdefault(name, set()).add(_kind(value))
    return kinds


@pytest.mark.parametrize("stem", SECURITY_READS)
def test_security_reads_answer_as_odoo_19(stub: OdooRpcStub, stem: str) -> None:
    with httpx.Client(base_url=stub.url) as http:
        answer, recorded = _send(stub, http, stem)
    got = _decoded(answer.content)
    if isinstance(recorded, dict):  # an error body: the same exception and message
        recorded.pop("debug")
        assert got.pop("debug").startswith("Traceback (most recent call last):")
        assert got == recorded
        return
    if not isinstance(recorded, list):
        assert type(got) is type(recorded)
        return
    assert got and all(set(r) == set(recorded[0]) for r in got + recorded)
    mine, theirs = _shape(got), _shape(recorded)
    for name, kinds in mine.items():
        if theirs[name] == {"false"}:
            continue  # empty in every recorded record: no kind to compare with
        assert kinds - {"false"} <= theirs[name] | {"ids"}, name  # an empty list reads as ids
    leading = SAME_LEADING.get(stem, 0)
    assert got[:leading] == recorded[:leading]


def test_base_groups_and_users_read_alike(stub: OdooRpcStub) -> None:
    """Facts the two 19.0 databases share: the base groups' names and implications, and who
    demo is."""
    with httpx.Client(base_url=stub.url) as http:
        groups, recorded_groups = _send(stub, http, "014_json2_res_groups_search_read")
        users, recorded_users = _send(
            stub, http, "012_json2_res_users_search_read_active_test_false"
        )
    by_id = {g["id"]: g for g in groups.json()}
    for group in recorded_groups[:2]:  # Role / User, Access Rights (implies Role / User)
        assert by_id[group["id"]]["name"] == group["name"]
        assert by_id[group["id"]]["full_name"] == group["full_name"]
    assert by_id[2]["implied_ids"] == [1]
    assert set(by_id[1]["implied_ids"]) <= set(by_id[1]["all_implied_ids"])
    assert 1 in by_id[1]["all_implied_ids"]  # all_implied_ids holds the group itself
    mine = {u["login"]: u for u in users.json()}
    theirs = {u["login"]: u for u in recorded_users}
    assert set(mine) == set(theirs)  # the archived users too (active_test: false)
    for login in ("demo", "admin", "__system__"):
        assert mine[login]["id"] == theirs[login]["id"]
        assert mine[login]["active"] == theirs[login]["active"]
        assert set(mine[login]["group_ids"]) <= set(mine[login]["all_group_ids"])


def test_fields_get_names_19_fields(stub: OdooRpcStub) -> None:
    with httpx.Client(base_url=stub.url) as http:
        answer, recorded = _send(stub, http, "013_json2_res_groups_fields_get")
    got = answer.json()
    for name in (
        "name",
        "share",
        "privilege_id",
        "user_ids",
        "implied_ids",
        "all_implied_ids",
        "all_user_ids",
    ):
        assert got[name] == recorded[name], name
    assert "category_id" not in got and "users" not in got and "category_id" not in recorded
