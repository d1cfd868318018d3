"""The API source reads, over each protocol, exactly what the PostgreSQL source reads from the same
Odoo (the stub serving a copy of each real fixture), and re-reads what changes during the read."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from pydantic import SecretStr

from odoobridge.sources.odoo_api import OdooApiReader, OdooApiTarget
from odoobridge.sources.odoo_api_calls import OdooApiUnsettled
from odoobridge.sources.odoo_db import OdooDbReader, OdooDbTarget
from odoobridge.sources.odoo_records import ENTITIES
from odoobridge.sources.odoo_schema import JsonbAdapter, PrivilegeAdapter
from tests import facts
from tests.fakes.odoo_orm import Env
from tests.fakes.odoo_rpc_fixtures import RunningStub

STUBS = [{"version": 16, "protocol": "xmlrpc"}, {"version": 18, "protocol": "jsonrpc"},
         {"version": 19, "protocol": "json2"}]  # fmt: skip


def target(stub: RunningStub, **overrides: Any) -> OdooApiTarget:
    config = stub.config
    if "username" in overrides:
        config = replace(config, username=overrides.pop("username"),
                         password=SecretStr(overrides.pop("password")), api_key=None)  # fmt: skip
    return OdooApiTarget(config, **overrides)


def rows_of(reader: Any) -> dict[str, list[tuple[Any, ...]]]:
    return {s.name: [r for b in reader.batches(s.name) for r in b] for s in ENTITIES}


def api_rows(stub: RunningStub, **overrides: Any) -> tuple[dict[str, list[Any]], Any]:
    with OdooApiReader(target(stub, **overrides)) as reader:
        return rows_of(reader), reader.info


def db_rows(stub: RunningStub) -> dict[str, list[Any]]:
    with OdooDbReader(OdooDbTarget(dsn=stub.database.reader_dsn)) as reader:
        return rows_of(reader)


@pytest.mark.parametrize("odoo_rpc_stub", STUBS, indirect=True, ids=lambda p: f"odoo{p['version']}")
def test_the_api_reads_what_postgresql_reads(odoo_rpc_stub: RunningStub) -> None:
    version = odoo_rpc_stub.stub.version
    got, info = api_rows(odoo_rpc_stub, page_size=100)  # several pages of access rights
    assert got == db_rows(odoo_rpc_stub)
    for entity, count in facts.COUNTS[version].items():
        assert len(got[entity]) == count, entity
    assert info.source == "api" and info.major == version
    assert info.adapter == ("privilege (19+)" if version == 19 else "jsonb (16–18)")
    assert info.details["protocol"] == odoo_rpc_stub.config.protocol
    assert info.details["retries"] == 0
    assert info.skipped == {}
    absent = {"xml_ids"} if version != 18 else set()  # the 16 and 19 fixtures have no imd
    if version == 19:
        absent.add("employees")
        assert info.absent["employees"] == "no hr.employee model (the hr module is not installed)"
    assert set(info.absent) == absent
    reads = [c for c in odoo_rpc_stub.stub.calls if c.model and c.method != "search"]
    assert reads and all(c.context == {"lang": "en_US", "active_test": False} for c in reads)
    assert {c.method for c in reads} == {"fields_get", "search_read"}  # reads only


def test_real_values_from_the_fixture(odoo_rpc_stub: RunningStub) -> None:
    got, _ = api_rows(odoo_rpc_stub)
    users = {row[1]: row for row in got["users"]}
    assert users["__system__"][2] is False  # archived users come too
    admin = users["admin"]
    assert admin[5] == "Mitchell Admin" and admin[8].tzinfo is not None
    assert admin[8].microsecond == 0  # Odoo's timestamps are to the second
    acl_id, group_id = facts.CRM_LEAD_USER_ACL[18]
    acl = next(a for a in got["acls"] if a[0] == acl_id)
    assert acl[2:5] == ("crm.lead", facts.CRM_LEAD_LABEL[18], group_id)
    assert acl[5:9] == (True, True, True, False)
    rule = next(r for r in got["rules"] if r[0] == facts.PERSONAL_LEADS_RULE[18])
    assert rule[3] == facts.PERSONAL_LEADS_DOMAIN
    assert sum(1 for m in got["memberships"] if m[0] == 2) == facts.ADMIN_GROUPS[18]
    assert ("res.groups", 1, "base", "group_user") in got["xml_ids"]


def test_the_adapter_is_chosen_from_the_fields() -> None:
    from odoobridge.sources.odoo_api import adapter_for

    fields_18 = {"name": {"type": "char"}, "category_id": {"type": "many2one"}}
    fields_19 = {"name": {"type": "char"}, "privilege_id": {"type": "many2one"}}
    assert isinstance(adapter_for(fields_18, 18, "en_US"), JsonbAdapter)
    assert isinstance(adapter_for(fields_19, 19, "en_US"), PrivilegeAdapter)
    assert adapter_for(fields_18, 15, "en_US").name == "legacy"  # 15 and older read the same
    for spec in ENTITIES:  # rows are sorted on their leading fields: the key leads
        assert spec.fields[: len(spec.key)] == spec.key, spec.name


def test_a_user_with_access_rights_only_skips_employees(odoo_rpc_stub: RunningStub) -> None:
    """Access Rights reads the security model; employees need Settings or Employees: Officer,
    so they are skipped (carried forward), as the PostgreSQL source skips an ungranted table."""
    env = odoo_rpc_stub.stub.env(1)
    odoo_rpc_stub.stub._transaction(lambda: env.call("res.users", "create", [{
        "name": "Security Reader", "login": "reader", "password": "Reader-Pw-1",
        "groups_id": [[6, 0, [2]]]}], {}))  # fmt: skip
    got, info = api_rows(odoo_rpc_stub, username="reader", password="Reader-Pw-1")
    assert "employees" not in info.entities and got["employees"] == []
    assert info.skipped["employees"].startswith("not readable: the Odoo user 'reader' may not "
                                                "read hr.employee: give it Administration/Settings "
                                                "or Employees/Officer: Manage all employees")  # fmt: skip
    expected = db_rows(odoo_rpc_stub)
    for entity in ("groups", "memberships", "acls", "rules", "xml_ids"):
        assert got[entity] == expected[entity], entity


# --- consistency: what changes during the read is read again ------------------------------------


def _rename_and_add(env: Env) -> None:
    """Someone edits a group from its form while the sync pages through users: renames Sales /
    Administrator and makes demo (6) a member — the users' write_date does not move."""
    env.call("res.groups", "write", [[23], {"name": "Sales Boss", "users": [[4, 6]]}], {})


def test_a_group_edited_between_pages_is_read_again(odoo_rpc_stub: RunningStub) -> None:
    stub = odoo_rpc_stub.stub
    # res.groups is read before res.users; the edit lands between two pages of users
    stub.before("res.users", "search_read", _rename_and_add, after=1)
    got, info = api_rows(odoo_rpc_stub, page_size=3)
    assert info.details["retries"] == 1
    assert info.details["reread"]["res.groups"] == 1
    assert next(g for g in got["groups"] if g[0] == 23)[1] == "Sales Boss"
    assert (6, 23) in got["memberships"]
    assert got == db_rows(odoo_rpc_stub)  # one state: the one after the edit
    rereads = [c for c in stub.calls if c.model == "res.groups" and c.method == "read"]
    assert [c.args[0] for c in rereads] == [[23], [23]]  # the group, then its members


def test_deleted_and_created_records_during_the_read(odoo_rpc_stub: RunningStub) -> None:
    def churn(env: Env) -> None:
        env.call("ir.model.access", "unlink", [[1]], {})
        env.call("res.users", "create", [{"name": "Late Comer", "login": "late",
                                          "groups_id": [[6, 0, [1]]]}], {})  # fmt: skip

    odoo_rpc_stub.stub.before("ir.rule", "search_read", churn)
    got, info = api_rows(odoo_rpc_stub)
    assert info.details["retries"] == 1
    assert info.details["reread"] == {"res.users": 1, "res.groups": 0, "ir.model.access": 1,
                                      "ir.rule": 0}  # fmt: skip
    assert got == db_rows(odoo_rpc_stub)
    assert all(a[0] != 1 for a in got["acls"]) and any(u[1] == "late" for u in got["users"])


def test_an_odoo_that_keeps_changing_fails_the_read(odoo_rpc_stub: RunningStub) -> None:
    stub = odoo_rpc_stub.stub

    def edit(env: Env) -> None:  # a minute later each time: write_date is to the second
        env.sql("UPDATE res_groups SET write_date = write_date + interval '1 minute' "
                "WHERE id = 23")  # fmt: skip

    for n in range(5):  # before every stamp read of res.groups (the first read is the page)
        stub.before("res.groups", "search_read", edit, after=1 + n)
    with pytest.raises(OdooApiUnsettled) as caught:
        api_rows(odoo_rpc_stub, rereads=2)
    assert str(caught.value) == (
        "Odoo kept changing during the read (res.groups (1) still changed after 2 re-reads, "
        "ODOOBRIDGE_ODOO_API_REREADS): the store was not changed — run the sync when Odoo is "
        "quieter"
    )
