"""Accounts linked to Odoo users by e-mail (the CRM sync's users of the real fixture): matched,
not found, ambiguous, archived; matching again after every sync; links set and removed by hand
(audited); the BI company access of a linked person from the same Odoo user."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from sqlalchemy import select

from odoobridge.access.sync import sync_odoo
from odoobridge.auth.accounts import create_local_account
from odoobridge.auth.audit import Origin
from odoobridge.auth.models import Account, AuditEvent
from odoobridge.auth.roles import Role
from odoobridge.bi.access import derived_levels
from odoobridge.bi.models import AccessLevel
from odoobridge.environment import Environment
from odoobridge.errors import Conflict, NotFound
from odoobridge.sales.linking import (
    link_account,
    link_of,
    remove_link,
    reset_link,
    set_link,
)
from odoobridge.sales.models import LinkStatus, SalesLink
from odoobridge.settings import Settings
from odoobridge.sources.odoo_rpc import OdooRpcClient
from odoobridge.store.engine import Store
from odoobridge.sync.models import SyncRun
from tests.fakes.odoo_rpc_fixtures import RunningStub
from tests.sales.conftest import sql

SyncFn = Callable[..., SyncRun]
MARC = "mark.brown23@example.com"  # Marc Demo, Odoo user 6 on 16 and 18


def account(store: Store, email: str) -> int:
    with store.session() as session:
        made = create_local_account(
            session, email=email, name=email.split("@")[0], password="x" * 12,
            role=Role.VIEWER, by="test", origin=Origin(),
        )  # fmt: skip
        return made.id


def link(store: Store, account_id: int) -> dict[str, Any]:
    with store.session() as session:
        found = link_of(session, account_id)
        assert found is not None
        return found.as_dict()


def events(store: Store, action: str) -> list[AuditEvent]:
    with store.session() as session:
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        return list(session.scalars(query))


@pytest.mark.parametrize("odoo_rpc_stub", [16, 18], indirect=True)
def test_matched_with_team_department_and_company(
    crm_sync: SyncFn, store: Store, odoo_sql: psycopg.Connection[Any], odoo_rpc_stub: RunningStub
) -> None:
    name = "d.name->>'en_US'" if odoo_rpc_stub.stub.version > 16 else "d.name"  # jsonb from 17
    marc = account(store, "Mark.Brown23@Example.com")  # the case differs from Odoo's
    run = crm_sync()
    assert run.stats["links"] == {"changed": 1, "matched": 1}
    found = link(store, marc)
    ((team_id, team),) = sql(odoo_sql, "SELECT t.id, t.name->>'en_US' FROM res_users u "
                             "JOIN crm_team t ON t.id = u.sale_team_id WHERE u.id = 6")  # fmt: skip
    ((department_id, department),) = sql(
        odoo_sql,
        f"SELECT d.id, {name} FROM hr_employee e JOIN hr_department d "
        "ON d.id = e.department_id WHERE e.user_id = 6",
    )
    assert found["status"] == LinkStatus.MATCHED and found["odoo_user_id"] == 6
    assert (found["salesperson_name"], found["team_id"], found["team_name"]) == (
        "Marc Demo", team_id, team,
    )  # fmt: skip
    assert (found["department_id"], found["department_name"]) == (department_id, department)
    assert (found["company_id"], found["company_name"]) == (1, "My Company (San Francisco)")
    (event,) = events(store, "sales_link_updated")
    assert (event.actor, event.target) == (f"sync:{run.id}", MARC)
    assert event.detail["status"] == "matched" and event.detail["odoo_user_id"] == 6
    assert crm_sync().stats["links"] == {"changed": 0, "matched": 1}  # nothing new: no event
    assert len(events(store, "sales_link_updated")) == 1


def test_matched_by_login_not_found_and_ambiguous(
    crm_sync: SyncFn, store: Store, client: OdooRpcClient
) -> None:
    seller = client.create("res.users", {"login": "sam.seller@example.com", "name": "Sam Seller",
                                         "email": "sam@elsewhere.example"})  # fmt: skip
    sam, nobody, marc = (account(store, e) for e in ("sam.seller@example.com",
                                                     "nobody@example.com", MARC))  # fmt: skip
    crm_sync()
    assert (link(store, sam)["status"], link(store, sam)["odoo_user_id"]) == ("matched", seller)
    assert link(store, nobody)["status"] == LinkStatus.NOT_FOUND
    assert link(store, nobody)["odoo_user_id"] is None
    assert link(store, marc)["status"] == LinkStatus.MATCHED
    twin = client.create("res.users", {"login": "marc2", "name": "Marc Twin", "email": MARC})
    run = crm_sync()
    assert run.stats["links"]["ambiguous"] == 1
    found = link(store, marc)
    assert found["status"] == LinkStatus.AMBIGUOUS and found["odoo_user_id"] is None
    assert found["candidates"] == [6, twin]


def test_archived_user_loses_the_link_at_the_next_sync(
    crm_sync: SyncFn, store: Store, client: OdooRpcClient
) -> None:
    marc = account(store, MARC)
    crm_sync()
    client.write("res.users", [6], {"active": False})
    run = crm_sync()
    found = link(store, marc)
    assert (found["status"], found["odoo_user_id"]) == (LinkStatus.ARCHIVED, 6)
    last = events(store, "sales_link_updated")[-1]
    assert last.actor == f"sync:{run.id}" and last.detail["was"] == ["matched", 6]


def test_links_by_hand_are_audited_and_kept(
    crm_sync: SyncFn, store: Store, client: OdooRpcClient
) -> None:
    boss = account(store, "boss@corp.example")
    crm_sync()
    assert link(store, boss)["status"] == LinkStatus.NOT_FOUND
    origin = Origin(ip="10.0.0.9", user_agent="test")
    with store.session() as session:
        set_link(session, "boss@corp.example", 2, "PROD", by="root@example.com", origin=origin)
    found = link(store, boss)
    assert (found["status"], found["manual"], found["odoo_user_id"]) == ("matched", True, 2)
    assert found["salesperson_name"] == "Mitchell Admin"
    (event,) = events(store, "sales_link_set")
    assert (event.actor, event.target, event.ip) == ("root@example.com", "boss@corp.example",
                                                     "10.0.0.9")  # fmt: skip
    assert event.detail == {"odoo_user_id": 2, "login": "admin"}
    crm_sync()  # matching leaves a manual link alone
    assert link(store, boss)["odoo_user_id"] == 2
    with store.session() as session:
        remove_link(session, "boss@corp.example", "PROD", by="root@example.com", origin=origin)
    crm_sync()
    assert link(store, boss)["status"] == LinkStatus.UNLINKED
    assert events(store, "sales_link_removed")[0].detail == {"was": 2}
    with store.session() as session:
        reset_link(session, "boss@corp.example", "PROD", by="root@example.com", origin=origin)
    assert (link(store, boss)["status"], link(store, boss)["manual"]) == ("not_found", False)


def test_a_manual_link_to_a_user_later_archived(
    crm_sync: SyncFn, store: Store, client: OdooRpcClient
) -> None:
    boss = account(store, "boss@corp.example")
    crm_sync()
    with store.session() as session:
        set_link(session, "boss@corp.example", 6, "PROD", by="root", origin=Origin())
    client.write("res.users", [6], {"active": False})
    crm_sync()
    assert (link(store, boss)["status"], link(store, boss)["odoo_user_id"]) == ("archived", 6)


def test_a_link_must_name_an_active_synced_user(crm_sync: SyncFn, store: Store) -> None:
    account(store, "boss@corp.example")
    crm_sync()
    with store.session() as session, pytest.raises(NotFound, match="no Odoo user 999 in"):
        set_link(session, "boss@corp.example", 999, "PROD", by="root", origin=Origin())
    with store.session() as session, pytest.raises(Conflict, match=r"Odoo user 3 \(default\) is"):
        set_link(session, "boss@corp.example", 3, "PROD", by="root", origin=Origin())
    with store.session() as session, pytest.raises(NotFound, match=r"no account ghost@x\.example"):
        set_link(session, "ghost@x.example", 2, "PROD", by="root", origin=Origin())


def test_linking_on_approval_before_any_sync_is_not_found(crm_sync: SyncFn, store: Store) -> None:
    marc = account(store, MARC)
    with store.session() as session:
        found = link_account(session, session.get(Account, marc), "PROD", by="root")  # type: ignore[arg-type]
        assert found.status == LinkStatus.NOT_FOUND
    crm_sync()
    assert link(store, marc)["status"] == LinkStatus.MATCHED


def test_removing_an_account_removes_its_link(crm_sync: SyncFn, store: Store) -> None:
    from odoobridge.auth.accounts import delete_account

    marc = account(store, MARC)
    crm_sync()
    with store.session() as session:
        delete_account(session, marc, permanent=True, by_account_id=None, by="root",
                       origin=Origin())  # fmt: skip
    with store.session() as session:
        assert session.scalars(select(SalesLink)).all() == []
    assert [e.target for e in events(store, "account_deleted")] == [MARC]


def test_bi_company_access_follows_the_linked_user(
    crm_sync: SyncFn,
    store: Store,
    make_settings: Callable[..., Settings],
    odoo_rpc_stub: RunningStub,
) -> None:
    settings = make_settings(ODOO_PROD_DSN=odoo_rpc_stub.database.reader_dsn)
    security = sync_odoo(store, settings, Environment.PROD)
    account(store, "boss@corp.example")
    account(store, MARC)
    crm_sync()
    with store.session() as session:
        before, _, _ = derived_levels(session, Environment.PROD, security.id)
        set_link(session, "boss@corp.example", 6, "PROD", by="root", origin=Origin())
        remove_link(session, MARC, "PROD", by="root", origin=Origin())
        after, _, _ = derived_levels(session, Environment.PROD, security.id)
    assert {k: v for k, v in before.items() if k[0] == MARC} == {
        (MARC, 1): AccessLevel.FULL, (MARC, 2): AccessLevel.READ,
    }  # fmt: skip
    assert {k: v for k, v in after.items() if k[0] in (MARC, "boss@corp.example")} == {
        ("boss@corp.example", 1): AccessLevel.FULL, ("boss@corp.example", 2): AccessLevel.READ,
    }  # fmt: skip
