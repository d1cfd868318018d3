"""End to end: every active Odoo user of the fixture (and two more salespeople) gets, through the
API, exactly the leads and invoices that the fixture's own access rights and record rules let
them read — computed independently from ir_model_access and ir_rule (tests/sales/api/scene.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from odoobridge.auth.roles import Role
from odoobridge.store.engine import Store
from tests import pg
from tests.sales.api.scene import Scene, visible_ids


def ids(person: Any, url: str, **params: Any) -> set[int]:
    page = person.get(url, limit=500, **params)
    assert page["total"] == len(page["items"])
    return {item["id"] for item in page["items"]}


@pytest.mark.parametrize("odoo_rpc_stub", [16, 18, 19], indirect=True)
def test_each_person_sees_what_odoo_lets_their_user_read(scene: Scene) -> None:
    seen_something = 0
    with pg.connect(scene.database.name) as conn:
        for person in scene.people.values():
            expected = visible_ids(conn, "crm.lead", person.uid)
            assert ids(person, "/api/opportunities") == expected, person.email
            if scene.version < 19:
                expected_moves = visible_ids(conn, "account.move", person.uid)
                assert ids(person, "/api/invoices") == expected_moves, person.email
            seen_something += bool(expected)
            vis = person.get("/api/sales/visibility")
            assert (vis["status"], vis["odoo_user_id"]) == ("visible", person.uid)
    assert seen_something >= 3  # admin, demo and the two salespeople see different things


@pytest.mark.parametrize("odoo_rpc_stub", [18], indirect=True)
def test_the_views_differ_as_the_rules_say(scene: Scene) -> None:
    chicago = scene.people["chicago.seller@example.com"]
    both = scene.people["both.seller@example.com"]
    # Own Documents in Chicago only: its own Chicago leads and the unassigned ones without a
    # company or in Chicago; never a San Francisco lead.
    leads = chicago.get("/api/opportunities", limit=500)["items"]
    assert {13, 14} <= {lead["id"] for lead in leads}
    assert all((lead["company"] or {}).get("id") in (None, 2) for lead in leads)
    assert all((lead["salesperson"] or {}).get("id") in (None, chicago.uid) for lead in leads)
    # Invoices: Personal Invoices — theirs or nobody's, in their companies.
    assert ids(chicago, "/api/invoices") == {4}
    assert 3 in ids(both, "/api/invoices") and 4 not in ids(both, "/api/invoices")
    portal = scene.people["joel.willis63@example.com"]
    assert ids(portal, "/api/opportunities") == set()  # no read right on crm.lead
    assert ids(portal, "/api/invoices") == set()  # followers rule: denied, fail closed


@pytest.mark.parametrize("odoo_rpc_stub", [18], indirect=True)
def test_api_keys_and_unlinked_people_see_nothing_and_are_told_why(
    scene: Scene, anonymous: httpx.Client, make_key: Callable[..., str], store: Store
) -> None:
    key = make_key(Role.ADMIN)
    answer = anonymous.get("/api/opportunities", headers={"X-API-Key": key}).json()
    assert answer["items"] == [] and answer["visibility"]["status"] == "not_a_person"
    assert "sign in" in answer["visibility"]["reason"]
    demo = scene.people["mark.brown23@example.com"]
    # a key made by a person sees what that person sees, for scripts and agents acting for them
    theirs = make_key(Role.VIEWER, by=demo.email)
    by_key = anonymous.get(
        "/api/opportunities", params={"limit": 500}, headers={"X-API-Key": theirs}
    )
    assert by_key.json()["visibility"]["email"] == demo.email
    assert by_key.json()["items"] == demo.get("/api/opportunities", limit=500)["items"]
    with store.session() as session:
        from odoobridge.auth.audit import Origin
        from odoobridge.sales.linking import remove_link

        remove_link(session, demo.email, "PROD", by="root", origin=Origin())
    answer = demo.get("/api/opportunities")
    assert answer["items"] == [] and answer["visibility"]["status"] == "unlinked"
    assert "odoobridge sales link mark.brown23@example.com" in answer["visibility"]["reason"]
    detail = demo.http.get("/api/opportunities/13")  # type: ignore[union-attr]
    assert detail.status_code == 404 and "removed your account's link" in detail.json()["detail"]
