"""user_company_access in the store: set, remove, derive from Odoo's users; guest tokens issued
with the user's clauses and written to the analytics audit log."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import select

from odoobridge.access.sync import sync_odoo
from odoobridge.bi.access import (
    derive_access,
    list_access,
    normalise_email,
    parse_level,
    remove_access,
    set_access,
)
from odoobridge.bi.models import AccessChange, AccessLevel, GuestTokenAudit
from odoobridge.bi.tokens import BiAccessDenied, issue_guest_token, superset_client
from odoobridge.environment import Environment
from odoobridge.errors import ConfigError, NotFound
from odoobridge.settings import Settings
from odoobridge.sources.superset import GuestUser, SupersetRequestError
from odoobridge.store.engine import Store
from tests import pg
from tests.fakes.superset import FakeSuperset, decode_jwt

ADMIN = "admin@yourcompany.example.com"
DEMO = "mark.brown23@example.com"
DASHBOARD = "7d1c1b1e-3f4a-4b7e-9c1d-2a5e8f0b6c3d"


@pytest.fixture
def superset() -> Iterator[FakeSuperset]:
    fake = FakeSuperset().start()
    yield fake
    fake.stop()


def levels(store: Store) -> set[tuple[str, int, str, str]]:
    with store.session() as session:
        return {
            (r.user_email, r.company_id, r.access_level, r.source) for r in list_access(session)
        }


def test_set_change_remove_and_the_change_log(store: Store) -> None:
    with store.session() as session:
        set_access(session, " Reader.A@Example.com", 1, AccessLevel.READ, by="cli:ann")
        set_access(session, "reader.a@example.com", 1, AccessLevel.READ, by="cli:ann")  # no-op
        set_access(session, "reader.a@example.com", 1, AccessLevel.FULL, by="cli:bob")
        set_access(session, "reader.a@example.com", 2, AccessLevel.NONE, by="cli:bob")
    assert levels(store) == {("reader.a@example.com", 1, "full", "manual"),
                             ("reader.a@example.com", 2, "none", "manual")}  # fmt: skip
    with store.session() as session:
        assert remove_access(session, "reader.a@example.com", 2, by="cli:bob") == 1
        with pytest.raises(NotFound, match="has no company access for company 2"):
            remove_access(session, "reader.a@example.com", 2, by="cli:bob")
        changes = [
            (c.changed_by, c.company_id, c.old_level, c.new_level)
            for c in session.scalars(select(AccessChange).order_by(AccessChange.id))
        ]
    assert changes == [
        ("cli:ann", 1, None, "read"),
        ("cli:bob", 1, "read", "full"),
        ("cli:bob", 2, None, "none"),
        ("cli:bob", 2, "none", None),
    ]


def test_bad_input_is_refused_with_what_to_do() -> None:
    with pytest.raises(ConfigError, match="is not an e-mail address"):
        normalise_email("not an email")
    with pytest.raises(ConfigError, match="use full, read or none"):
        parse_level("admin")


def test_derive_from_odoo_users_allowed_companies(
    store: Store, make_settings: Callable[..., Settings], odoo18: pg.OdooDatabase
) -> None:
    with store.session() as session, pytest.raises(NotFound, match="no successful Odoo sync"):
        derive_access(session, Environment.PREPROD, by="test")
    sync_odoo(store, make_settings(ODOO_PREPROD_DSN=odoo18.reader_dsn), Environment.PREPROD)
    with store.session() as session:
        set_access(session, DEMO, 2, AccessLevel.NONE, by="cli:ann")  # a person's decision
        result = derive_access(session, Environment.PREPROD, by="test")
    # Active internal users: admin and demo; both allowed in companies 1 and 2, default 1.
    assert result.added == [(ADMIN, 1, "full"), (ADMIN, 2, "read"), (DEMO, 1, "full")]
    assert result.kept_manual == [(DEMO, 2)] and result.without_email == []
    assert levels(store) == {
        (ADMIN, 1, "full", "odoo"), (ADMIN, 2, "read", "odoo"),
        (DEMO, 1, "full", "odoo"), (DEMO, 2, "none", "manual"),
    }  # fmt: skip
    odoo18.execute("DELETE FROM res_company_users_rel WHERE user_id = 2 AND cid = 2")
    sync_odoo(store, make_settings(ODOO_PREPROD_DSN=odoo18.reader_dsn), Environment.PREPROD)
    with store.session() as session:
        again = derive_access(session, Environment.PREPROD, by="test")
    assert again.removed == [(ADMIN, 2)] and again.added == again.changed == []


def test_derive_skips_an_odoo_address_refused_for_analytics(
    store: Store, make_settings: Callable[..., Settings], odoo18: pg.OdooDatabase
) -> None:
    hostile = "mark.o'brown{{7*7}}@example.com"
    odoo18.execute(
        "UPDATE res_partner SET email = %s "
        "WHERE id = (SELECT partner_id FROM res_users WHERE login = 'demo')",
        (hostile,),
    )
    sync_odoo(store, make_settings(ODOO_PREPROD_DSN=odoo18.reader_dsn), Environment.PREPROD)
    with store.session() as session:
        result = derive_access(session, Environment.PREPROD, by="test")
    assert result.refused == [hostile] and result.as_dict()["refused"] == [hostile]
    assert result.added == [(ADMIN, 1, "full"), (ADMIN, 2, "read")]
    assert {email for email, *_ in levels(store)} == {ADMIN}


def test_guest_token_is_issued_with_the_users_clause_and_audited(
    store: Store, make_settings: Callable[..., Settings], superset: FakeSuperset
) -> None:
    settings = make_settings(
        ODOOBRIDGE_SUPERSET_URL=superset.url,
        ODOOBRIDGE_SUPERSET_USERNAME=superset.username,
        ODOOBRIDGE_SUPERSET_PASSWORD=superset.password,
    )
    client = superset_client(settings)
    with store.session() as session:
        set_access(session, "reader.a@example.com", 1, AccessLevel.READ, by="test")
        set_access(session, "reader.a@example.com", 2, AccessLevel.NONE, by="test")
    with store.session() as session:
        issued = issue_guest_token(
            session, client, settings, email="Reader.A@example.com", dashboard=DASHBOARD,
            via="session", first_name="Reader", last_name="A",
        )  # fmt: skip
    assert decode_jwt(issued.token)["rls_rules"] == [{"clause": "company_id IN (1)"}]
    with store.session() as session:
        (audit,) = session.scalars(select(GuestTokenAudit)).all()
        assert (audit.user_email, audit.dashboard_id, audit.rls_clauses, audit.company_ids,
                audit.issued_via) == ("reader.a@example.com", DASHBOARD,
                                      ["company_id IN (1)"], [1], "session")  # fmt: skip
        assert audit.issued_at is not None
        # No company: no token, and nothing logged.
        with pytest.raises(BiAccessDenied, match="may see no company"):
            issue_guest_token(session, client, settings, email="x@example.com",
                              dashboard=DASHBOARD, via="session")  # fmt: skip
        # Superset refuses an unknown dashboard: nothing logged either.
        with pytest.raises(SupersetRequestError, match="Embedded dashboard not found"):
            issue_guest_token(session, client, settings, email="reader.a@example.com",
                              dashboard="0e6f8f37-0000-4000-8000-000000000000", via="session")  # fmt: skip
        assert len(session.scalars(select(GuestTokenAudit)).all()) == 1
    client.close()


def test_dashboard_ids_are_checked_before_superset_is_asked(
    store: Store, make_settings: Callable[..., Settings], superset: FakeSuperset
) -> None:
    settings = make_settings(
        ODOOBRIDGE_SUPERSET_URL=superset.url,
        ODOOBRIDGE_SUPERSET_USERNAME=superset.username,
        ODOOBRIDGE_SUPERSET_PASSWORD=superset.password,
        ODOOBRIDGE_SUPERSET_DASHBOARDS=f" {DASHBOARD} , other-one",
    )
    client = superset_client(settings)
    with store.session() as session:
        set_access(session, "a@example.com", 1, AccessLevel.FULL, by="test")
        with pytest.raises(ConfigError, match="is not an embedded dashboard id"):
            issue_guest_token(session, client, settings, email="a@example.com",
                              dashboard="../../admin?x=1", via="api_key")  # fmt: skip
        with pytest.raises(BiAccessDenied, match="not one of ODOOBRIDGE_SUPERSET_DASHBOARDS"):
            issue_guest_token(session, client, settings, email="a@example.com",
                              dashboard="abc-123", via="api_key")  # fmt: skip
    assert superset.requests == []
    with pytest.raises(ConfigError, match="set ODOOBRIDGE_SUPERSET_URL"):
        superset_client(make_settings())


@pytest.mark.parametrize("dashboard", ["1", "sales", "finance", "7D1C1B1E3F4A4B7E9C1D2A5E8F0B6C3D"])
def test_without_an_allow_list_only_an_embedded_uuid_gets_a_token(
    store: Store, make_settings: Callable[..., Settings], superset: FakeSuperset, dashboard: str
) -> None:
    """Superset 6 hands a guest token for a dashboard's id or slug too, embedded or not: with
    ODOOBRIDGE_SUPERSET_DASHBOARDS unset, OdooBridge asks for an embedded UUID only."""
    settings = make_settings(
        ODOOBRIDGE_SUPERSET_URL=superset.url,
        ODOOBRIDGE_SUPERSET_USERNAME=superset.username,
        ODOOBRIDGE_SUPERSET_PASSWORD=superset.password,
    )
    client = superset_client(settings)
    assert client.guest_token(GuestUser("a@example.com"), [("dashboard", "sales")], [])
    superset.requests.clear()
    with store.session() as session:
        set_access(session, "a@example.com", 1, AccessLevel.FULL, by="test")
        with pytest.raises(BiAccessDenied, match="is not an embedded dashboard's UUID: give the"):
            issue_guest_token(session, client, settings, email="a@example.com",
                              dashboard=dashboard, via="api_key")  # fmt: skip
        issued = issue_guest_token(session, client, settings, email="a@example.com",
                                   dashboard=DASHBOARD.upper(), via="api_key")  # fmt: skip
    assert issued.dashboard_id == DASHBOARD
    assert [r.path for r in superset.requests] == ["/api/v1/security/guest_token/"]
    client.close()
