"""Row-level security: a read-level user of company A sees none of company B's rows (clauses and
native policies), and no e-mail can break out of the clause it is quoted into."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from psycopg import errors as pg_errors

from odoobridge.bi.access import list_access, set_access
from odoobridge.bi.access_publish import publish
from odoobridge.bi.grants import grant_readonly
from odoobridge.bi.install import install
from odoobridge.bi.models import AccessLevel, UserCompanyAccess
from odoobridge.bi.policies import enable_policies
from odoobridge.bi.rls import inline_clause, lookup_clause, text_expression, user_filter
from odoobridge.bi.specs import view_specs
from odoobridge.errors import ConfigError
from odoobridge.store.engine import Store
from tests import pg
from tests.bi.conftest import COMPANY_A, COMPANY_B, RoleNames, add_company_b, admin, login_url

VIEWS = [s.name for s in view_specs()]
READER_A = "reader.a@example.com"


@pytest.fixture
def two_companies(bi_db: pg.OdooDatabase) -> pg.OdooDatabase:
    add_company_b(bi_db)
    with admin(bi_db) as conn:
        install(conn, bi_db.name, materialized=True)
    return bi_db


@pytest.fixture
def sqlite_store(sqlite_store_url: str) -> Iterator[Store]:
    store = Store(sqlite_store_url)
    yield store
    store.dispose()


def rows_by_company(db: pg.OdooDatabase, view: str, clause: str) -> dict[int, int]:
    counted = db.execute(
        f"SELECT company_id, count(*) FROM analytics.{view} WHERE ({clause}) GROUP BY 1"
    )
    return dict(counted)


def test_a_read_user_of_company_a_sees_none_of_company_b(
    two_companies: pg.OdooDatabase, sqlite_store: Store
) -> None:
    with sqlite_store.session() as session:
        set_access(session, READER_A, COMPANY_A, AccessLevel.READ, by="test")
        set_access(session, READER_A, COMPANY_B, AccessLevel.NONE, by="test")
        allowed = user_filter(session, READER_A)
    assert allowed.company_ids == [COMPANY_A]
    assert allowed.clause == "company_id IN (1)"
    for view in VIEWS:
        everything = rows_by_company(two_companies, view, "TRUE")
        assert everything.get(COMPANY_B), f"{view} should have company B rows to hide"
        seen = rows_by_company(two_companies, view, allowed.clause)
        assert seen == {COMPANY_A: everything[COMPANY_A]}, view


def test_the_lookup_clause_reads_the_published_table(
    two_companies: pg.OdooDatabase, sqlite_store: Store, roles: RoleNames
) -> None:
    reader = roles.new("ro")
    with sqlite_store.session() as session:
        set_access(session, READER_A, COMPANY_A, AccessLevel.READ, by="test")
        set_access(session, "boss@example.com", COMPANY_A, AccessLevel.FULL, by="test")
        set_access(session, "boss@example.com", COMPANY_B, AccessLevel.FULL, by="test")
        clause = user_filter(session, READER_A, mode="lookup").clause
        rows = list_access(session)
    with admin(two_companies) as conn:
        grant_readonly(conn, two_companies.name, reader, statement_timeout=5, idle_timeout=5)
        assert publish(conn, rows) == 3
    assert clause == (
        "company_id IN (SELECT company_id FROM analytics.user_company_access "
        "WHERE user_email = convert_from(decode('7265616465722e61406578616d706c652e636f6d', "
        "'hex'), 'UTF8') AND access_level IN ('full', 'read'))"
    )
    with psycopg.connect(login_url(two_companies, reader)) as conn:  # as Superset would query
        seen = conn.execute(
            f"SELECT DISTINCT company_id FROM analytics.vw_sales_kpi_day WHERE {clause}"
        ).fetchall()
    assert seen == [(COMPANY_A,)]


MALICIOUS = [
    "x' OR '1'='1",
    "reader.a@example.com' OR company_id = 2 --",
    "a@b.c'); DROP TABLE analytics.user_company_access; --",
    "\\' OR 1=1 --",
    "a@b.c\\",
    "o'brien@example.com",
    "a@b.c' UNION SELECT 2 --",
    "$$ OR TRUE $$",
    "a@b.c'::text OR TRUE OR 'x",
]


def test_a_malicious_email_cannot_break_out_of_the_clause(
    two_companies: pg.OdooDatabase,
) -> None:
    for email in MALICIOUS:
        with admin(two_companies) as conn:
            publish(conn, [
                UserCompanyAccess(user_email=READER_A, company_id=COMPANY_A, access_level="read"),
                UserCompanyAccess(user_email=email.lower(), company_id=COMPANY_A,
                                  access_level="read"),
            ])  # fmt: skip
        clause = lookup_clause(email)
        # One comparison on the literal e-mail: the user's own row gives company A, no more.
        seen = rows_by_company(two_companies, "vw_sales_kpi_day", clause)
        assert seen.keys() == {COMPANY_A}, email
        (literal,) = two_companies.execute(f"SELECT {text_expression(email)}")[0]
        assert literal == email
        published = two_companies.execute("SELECT count(*) FROM analytics.user_company_access")
        assert published == [(2,)], email
        other = lookup_clause(email + "-nobody")
        assert rows_by_company(two_companies, "vw_sales_kpi_day", other) == {}, email


@pytest.fixture(scope="module")
def literal_conn() -> Iterator[psycopg.Connection[Any]]:
    with pg.connect() as conn:
        yield conn


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)),
        max_size=40,
    )
)
def test_text_expression_round_trips_any_text(
    literal_conn: psycopg.Connection[Any], value: str
) -> None:
    # No parameters: the text reaches the server exactly as the clause would.
    row = literal_conn.execute(f"SELECT {text_expression(value)}, 1").fetchone()
    assert row == (value, 1)


def test_text_expression_refuses_nul_and_inline_clause_takes_ints_only() -> None:
    with pytest.raises(ConfigError, match="NUL"):
        text_expression("a\x00b")
    assert inline_clause([]) == "1 = 0"
    assert inline_clause([2, 1, 2]) == "company_id IN (1, 2)"
    with pytest.raises(ValueError):
        inline_clause(["1) OR (TRUE"])  # type: ignore[list-item]


def test_a_user_without_access_gets_a_clause_that_matches_nothing(
    two_companies: pg.OdooDatabase, sqlite_store: Store
) -> None:
    with sqlite_store.session() as session:
        set_access(session, "nobody@example.com", COMPANY_B, AccessLevel.NONE, by="test")
        allowed = user_filter(session, "Nobody@Example.com ")
    assert allowed.company_ids == [] and allowed.clause == "1 = 0"
    assert rows_by_company(two_companies, "vw_stock_level", allowed.clause) == {}


def test_native_policies_per_company_role(two_companies: pg.OdooDatabase, roles: RoleNames) -> None:
    prefix = roles.prefix()
    with admin(two_companies) as conn:
        report = enable_policies(conn, prefix)
    assert report.roles == {1: f"{prefix}1", 2: f"{prefix}2"}
    assert len(report.tables) == 8 and report.rebuilt == report.tables
    login_a, nobody = roles.new("login_a"), roles.new("nobody")
    with pg.connect() as conn:
        conn.execute(f"CREATE ROLE {login_a} LOGIN IN ROLE {prefix}1")
        conn.execute(f"CREATE ROLE {nobody} LOGIN")
    two_companies.execute(f"GRANT USAGE ON SCHEMA analytics TO {nobody}")
    two_companies.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA analytics TO {nobody}")
    for view in VIEWS:
        table = "rls_" + view.removeprefix("vw_")
        everything = rows_by_company(two_companies, view, "TRUE")
        with psycopg.connect(login_url(two_companies, login_a)) as conn:
            seen = dict(conn.execute(
                f"SELECT company_id, count(*) FROM analytics.{table} GROUP BY 1"
            ).fetchall())  # fmt: skip
            assert seen == {COMPANY_A: everything[COMPANY_A]}, table
            with pytest.raises(pg_errors.InsufficientPrivilege):
                conn.execute(f"SELECT 1 FROM analytics.mv_{view[3:]}")
        with psycopg.connect(login_url(two_companies, nobody)) as conn:
            # SELECT granted, but in no company role: the policies let no row through.
            assert conn.execute(f"SELECT count(*) FROM analytics.{table}").fetchone() == (0,)
    with admin(two_companies) as conn:  # enabling again changes nothing
        again = enable_policies(conn, prefix)
    assert again.rebuilt == [] and again.created_roles == []
