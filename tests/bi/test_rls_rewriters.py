"""Lookup clauses survive what Superset does to a clause before running it (issue 18.1).

Superset re-formats guest-token clauses with sqlglot and, with ``ENABLE_TEMPLATE_PROCESSING``,
renders them with Jinja. A quoted e-mail could be reinterpreted by either: ``E'a\\''or(1=1)…'``
lost its ``E`` and ended early; ``{{"%c"%39}}`` became a quote. Each clause here goes through
both (in both orders, as Superset's paths do), then runs against the real fixture database, and
each user sees exactly their own companies' rows.
"""

from __future__ import annotations

import pytest
import sqlglot
from jinja2.sandbox import SandboxedEnvironment

from odoobridge.bi.access import normalise_email, set_access
from odoobridge.bi.access_publish import publish
from odoobridge.bi.install import install
from odoobridge.bi.models import AccessLevel, UserCompanyAccess
from odoobridge.bi.rls import lookup_clause
from odoobridge.errors import ConfigError
from odoobridge.store.engine import Store
from tests import pg
from tests.bi.conftest import COMPANY_A, COMPANY_B, add_company_b, admin

# The two addresses the probe used against a real Superset 6.1, and more in the same spirit.
ISSUE_ADDRESSES = ["a\\'or(1=1)--@x.com", 'x{{"%c"%39}}or(1=1)or{{"%c"%39}}1{#@#}']
HOSTILE = [
    *ISSUE_ADDRESSES,
    "{%raw%}'or(1=1)--@x.com",
    "{{'\\''}}or(1=1)or{{'\\''}}@x.com",
    "a'or'1'='1@x.com",
    "a''or(1=1)--@x.com",
    "a\\\\'or(1=1)--@x.com",
    "a$$or(1=1)$$@x.com",
    "a$q$or(1=1)$q$@x.com",
    'a"or(1=1)--"@x.com',
    "a/*@*/x.com",
    "a--@x.com",
    "a%27or(1=1)--@x.com",
    "{#@x.com",
    "ann\u2019s@x.com",
    "jürgen'or@bücher.de",
]
READER_A = "reader.a@example.com"
BOSS = "boss@example.com"


@pytest.fixture
def published(bi_db: pg.OdooDatabase) -> pg.OdooDatabase:
    """Two companies' data; the published table gives each hostile address company A only,
    READER_A company A, BOSS both, and a decoy ``x`` (a prefix of several) company B."""
    add_company_b(bi_db)
    rows = [
        UserCompanyAccess(user_email=READER_A, company_id=COMPANY_A, access_level="read"),
        UserCompanyAccess(user_email=BOSS, company_id=COMPANY_A, access_level="full"),
        UserCompanyAccess(user_email=BOSS, company_id=COMPANY_B, access_level="full"),
        UserCompanyAccess(user_email="x", company_id=COMPANY_B, access_level="read"),
        UserCompanyAccess(user_email="a", company_id=COMPANY_B, access_level="read"),
    ]
    rows += [
        UserCompanyAccess(user_email=h.lower(), company_id=COMPANY_A, access_level="read")
        for h in HOSTILE
    ]
    with admin(bi_db) as conn:
        install(conn, bi_db.name, materialized=False)
        publish(conn, rows)
    return bi_db


def jinja(sql: str) -> str:
    return SandboxedEnvironment().from_string(sql).render()


def reformatted(sql: str) -> str:
    return sqlglot.parse_one(sql, read="postgres").sql(dialect="postgres")


def superset_forms(clause: str) -> dict[str, str]:
    """The query Superset would run with ``clause``, after each rewriter and both together."""
    query = "SELECT company_id, count(*) FROM analytics.vw_sales_kpi_day WHERE ({}) GROUP BY 1"
    condition = sqlglot.condition(clause, dialect="postgres").sql(dialect="postgres")
    return {
        "as given": query.format(clause),
        "jinja": query.format(jinja(clause)),
        "sqlglot": reformatted(query.format(clause)),
        "sqlglot condition": query.format(condition),
        "jinja then sqlglot": reformatted(query.format(jinja(clause))),
        "sqlglot then jinja": jinja(reformatted(query.format(clause))),
    }


def seen(db: pg.OdooDatabase, query: str) -> dict[int, int]:
    return dict(db.execute(query))


def test_lookup_clauses_survive_sqlglot_and_jinja_and_show_each_user_their_rows(
    published: pg.OdooDatabase,
) -> None:
    everything = seen(published, "SELECT company_id, count(*) FROM analytics.vw_sales_kpi_day "
                                 "GROUP BY 1")  # fmt: skip
    assert everything.get(COMPANY_A) and everything.get(COMPANY_B)
    only_a = {COMPANY_A: everything[COMPANY_A]}
    expected = {READER_A: only_a, BOSS: everything, **{h: only_a for h in HOSTILE}}
    expected["nobody'or(1=1)--@x.com"] = {}
    expected['nobody{{"%c"%39}}or(1=1)or{{"%c"%39}}1{#@#}'] = {}
    for email, rows in expected.items():
        clause = lookup_clause(email)
        for form, query in superset_forms(clause).items():
            assert seen(published, query) == rows, (email, form, query)


def test_the_clause_holds_nothing_a_rewriter_reads_as_syntax() -> None:
    for email in HOSTILE:
        clause = lookup_clause(email)
        assert not set(clause) & set('\\{}#%"$;-'), clause
        assert jinja(clause) == clause
        assert clause.count("'") == 10  # five literals: the hex, 'hex', 'UTF8', 'full', 'read'
        assert reformatted(f"SELECT 1 WHERE {clause}").lower() == f"select 1 where {clause}".lower()


REFUSED = [h for h in HOSTILE if set(h) & set("\\'{}#%")]


@pytest.mark.parametrize("email", [*REFUSED, "o'brien@example.com", "100%@x.com"])
def test_addresses_a_rewriter_could_read_are_refused_for_analytics(
    email: str, sqlite_store_url: str
) -> None:
    with pytest.raises(ConfigError, match=r"cannot be used for analytics: addresses holding "):
        normalise_email(email)
    store = Store(sqlite_store_url)
    try:
        with store.session() as session, pytest.raises(ConfigError, match="for analytics"):
            set_access(session, email, COMPANY_A, AccessLevel.READ, by="test")
    finally:
        store.dispose()


def test_the_refusal_is_one_line_that_names_the_characters() -> None:
    with pytest.raises(ConfigError) as refused:
        normalise_email(ISSUE_ADDRESSES[1])
    message = str(refused.value)
    assert "\n" not in message
    assert "addresses holding { % } # are refused" in message
    assert normalise_email(" Ann.O-Brien+bi@Example.com ") == "ann.o-brien+bi@example.com"
