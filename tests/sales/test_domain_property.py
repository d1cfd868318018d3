"""Property tests of the domain engine over random domains and random rows of a small schema.

1. ``evaluate`` (on the bound tree) selects exactly what the independent reference selects — the
   replay of Odoo's own pipeline in three-valued SQL logic (``test_domain_reference``) — for
   Odoo 16, 17–18 and 19.
2. ``to_sql`` run on SQLite and on PostgreSQL selects exactly the rows ``evaluate`` accepts.

Domains are generated as Odoo writes them (prefix lists with '!', '|', '&' and adjacent terms),
rendered with ``repr`` and read back by ``parse_domain``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    delete,
    insert,
    select,
)

from odoobridge.sales.domain import UserContext, bind, parse_domain, render
from odoobridge.sales.domain_eval import evaluate
from odoobridge.sales.domain_sql import FieldMap, Hierarchy, Many2one, X2many, to_sql
from tests import pg
from tests.sales.test_domain_reference import SCHEMA, Reference, comodel

CTX = UserContext(6, 1, (1, 2), 7, 7, datetime(2026, 12, 2, tzinfo=UTC))
VERSIONS = (16, 17, 19)
TEXT = String().with_variant(String(collation="C"), "postgresql")  # byte order, as Python

# -- rows ---------------------------------------------------------------------------------------

texts = st.text(alphabet="aB_%", max_size=3)
DAYS = [date(2026, 12, d) for d in (1, 2, 3)]
MOMENTS = [datetime(2026, 12, 2, h, 0, s) for h in (0, 12, 23) for s in (0, 59)]
DAY_TEXTS = st.sampled_from(["2026-12-01", "2026-12-02", "2026-12-03", "2026-12-02 12:00:00"])


@st.composite
def datasets(draw: st.DrawFn, dangling: bool) -> dict[str, dict[int, dict[str, Any]]]:
    """Rows; with ``dangling``, also references to records that do not exist (a serving table
    may lack a target; Odoo's foreign keys never do, so the reference gets none)."""

    def ref(rows: dict[int, Any]) -> st.SearchStrategy[int | None]:
        return st.sampled_from([None, *rows, *([9] if dangling else [])])

    companies: dict[int, dict[str, Any]] = {}
    for i in range(1, draw(st.integers(1, 4)) + 1):
        companies[i] = {"id": i, "parent_id": draw(st.sampled_from([None, *range(1, i)]))}
    partners: dict[int, dict[str, Any]] = {}
    for i in range(1, draw(st.integers(1, 5)) + 1):
        parent = draw(st.sampled_from([None, *range(1, i)]))
        path = (partners[parent]["parent_path"] if parent else "") + f"{i}/"
        partners[i] = {"id": i, "name": draw(st.none() | texts), "parent_id": parent,
                       "parent_path": path, "company_id": draw(ref(companies))}  # fmt: skip
    tags = {i: {"id": i, "name": draw(texts)} for i in range(1, 4)}
    leads: dict[int, dict[str, Any]] = {}
    for i in range(1, draw(st.integers(1, 8)) + 1):
        leads[i] = {
            "id": i,
            "name": draw(st.none() | texts),
            "active": draw(st.sampled_from([None, True, False])),
            "amount": draw(st.none() | st.integers(-1, 3)),
            "day": draw(st.none() | st.sampled_from(DAYS)),
            "moment": draw(st.none() | st.sampled_from(MOMENTS)),
            "user_id": draw(st.sampled_from([None, 2, 6])),
            "company_id": draw(ref(companies)),
            "partner_id": draw(ref(partners)),
            "tag_ids": tuple(draw(st.sets(st.integers(1, 3)))),
        }
    return {"lead": leads, "partner": partners, "company": companies, "tag": tags}


# -- domains ------------------------------------------------------------------------------------

ids = st.integers(1, 3)


def values_for(kind: str, op: str) -> st.SearchStrategy[Any]:
    scalar = {"text": texts, "bool": st.booleans(), "int": st.integers(-1, 3), "m2o": ids,
              "id": ids, "date": DAY_TEXTS, "datetime": DAY_TEXTS}[kind]  # fmt: skip
    nullable = (
        scalar | st.sampled_from([False, None])
        if kind != "bool"
        else st.sampled_from([True, False, None])
    )
    if op in ("in", "not in"):  # None in a list is refused before 19 (read by field type)
        return st.lists(scalar | st.just(False), max_size=3)
    if op in ("=", "!=", "=?"):
        return nullable
    return scalar


def leaves(model: str, depth: int, version: int) -> st.SearchStrategy[Any]:
    options: list[st.SearchStrategy[Any]] = []
    for name, kind in [*SCHEMA[model].items(), ("id", "id")]:
        base = kind.split(":")[0]
        if base == "m2m":
            options.append(st.tuples(st.just(name), st.sampled_from(["=", "!="]), st.just(False)))
            options.append(st.tuples(st.just(name), st.sampled_from(["=", "!="]), ids))
            options.append(st.tuples(st.just(name), st.sampled_from(["in", "not in"]),
                                     st.lists(ids, max_size=3)))  # fmt: skip
            options.append(st.tuples(st.just(name), st.just("=?"), st.just(False)))
        else:
            ops = ["=", "!=", "in", "not in", "=?"]
            if base in ("text", "int", "m2o", "id", "date", "datetime"):
                ops += ["<", "<=", ">", ">="]
            if base == "text":
                ops += ["like", "not like", "ilike", "not ilike", "=like", "=ilike"]
            options.append(
                st.sampled_from(ops).flatmap(
                    lambda op, n=name, b=base: st.tuples(st.just(n), st.just(op), values_for(b, op))
                )
            )
        target = comodel(model, name) if ":" in kind and kind.split(":")[1] else None
        hierarchical = model if name == "id" else target if base == "m2o" else None
        if hierarchical in ("partner", "company") and name != "parent_id":
            options.append(st.tuples(st.just(name), st.sampled_from(["child_of", "parent_of"]),
                                     st.sampled_from([1, [1], [2], [1, 2], []])))  # fmt: skip
        if target and depth > 0:
            inner = leaves(target, depth - 1, version)
            options.append(inner.map(lambda t, n=name: (f"{n}.{t[0]}", t[1], t[2])))
            if version >= 17:
                options.append(st.tuples(st.just(name), st.sampled_from(["any", "not any"]),
                                         domains(target, depth - 1, version)))  # fmt: skip
    return st.one_of(options)


def domains(model: str, depth: int, version: int) -> st.SearchStrategy[list[Any]]:
    def extend(children: st.SearchStrategy[list[Any]]) -> st.SearchStrategy[list[Any]]:
        return st.one_of(
            children.map(lambda d: ["!", *d]),
            st.tuples(st.sampled_from(["&", "|"]), children, children).map(
                lambda t: [t[0], *t[1], *t[2]]
            ),
        )

    base = leaves(model, depth, version).map(lambda leaf: [leaf])
    tree = st.recursive(base, extend, max_leaves=4)
    return st.lists(tree, min_size=1, max_size=2).map(lambda parts: [t for p in parts for t in p])


LEAD_DOMAINS = {version: domains("lead", 2, version) for version in VERSIONS}


def cases(dangling: bool) -> st.SearchStrategy[tuple[int, list[Any], dict[str, Any]]]:
    return st.sampled_from(VERSIONS).flatmap(
        lambda v: st.tuples(st.just(v), LEAD_DOMAINS[v], datasets(dangling))
    )


# -- the engine ---------------------------------------------------------------------------------


def follower(data: dict[str, dict[int, dict[str, Any]]]) -> Any:
    def model_at(path: str) -> str:
        model = "lead"
        for step in path.split(".") if path else []:
            model = comodel(model, step)
        return model

    def follow(path: str, record_id: int, name: str) -> Any:
        return data[model_at(path)][record_id][name]  # a missing record: KeyError (LookupError)

    return follow


def engine_ids(version: int, domain: list[Any], data: dict[str, Any]) -> set[int]:
    tree = bind(parse_domain(repr(domain)), CTX, version)
    follow = follower(data)
    return {i for i, row in data["lead"].items() if evaluate(tree, row, follow)}


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(dangling=False))
def test_evaluate_equals_odoo_reference(case: tuple[int, list[Any], dict[str, Any]]) -> None:
    version, domain, data = case
    expected = Reference(data, version).search("lead", domain)
    assert engine_ids(version, domain, data) == expected, (domain, version)


# -- SQL ----------------------------------------------------------------------------------------

metadata = MetaData()
company_t = Table("company", metadata, Column("id", Integer, primary_key=True),
                  Column("parent_id", Integer))  # fmt: skip
partner_t = Table("partner", metadata, Column("id", Integer, primary_key=True), Column("name", TEXT),
                  Column("parent_id", Integer), Column("parent_path", TEXT),
                  Column("company_id", Integer))  # fmt: skip
tag_t = Table("tag", metadata, Column("id", Integer, primary_key=True), Column("name", TEXT))
lead_t = Table("lead", metadata, Column("id", Integer, primary_key=True), Column("name", TEXT),
               Column("active", Boolean), Column("amount", Integer), Column("day", Date),
               Column("moment", DateTime), Column("user_id", Integer),
               Column("company_id", Integer), Column("partner_id", Integer))  # fmt: skip
lead_tag_t = Table("lead_tag", metadata, Column("lead_id", Integer), Column("tag_id", Integer))

COMPANIES = FieldMap("res.company", company_t, {"parent_id": Many2one("parent_id", "self")},
                     hierarchy=Hierarchy("parent_id"))  # fmt: skip
PARTNERS = FieldMap("res.partner", partner_t, {"name": "name", "parent_id": Many2one("parent_id", "self"),
                    "company_id": Many2one("company_id", COMPANIES)},
                    hierarchy=Hierarchy("parent_id", "parent_path"))  # fmt: skip
TAGS = FieldMap("crm.tag", tag_t, {"name": "name"})
LEADS = FieldMap("crm.lead", lead_t, {"name": "name", "active": "active", "amount": "amount",
                 "day": "day", "moment": "moment",
                 "user_id": Many2one("user_id"), "company_id": Many2one("company_id", COMPANIES),
                 "partner_id": Many2one("partner_id", PARTNERS),
                 "tag_ids": X2many(lead_tag_t, "lead_id", "tag_id", TAGS)})  # fmt: skip


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = create_engine(f"sqlite:///{tmp_path_factory.mktemp('domain')}/rows.sqlite")
        name = None
    else:
        name = f"obt_domain_{uuid.uuid4().hex[:10]}"
        pg.create_database(name)
        engine = create_engine(pg.url_for(name))
    metadata.create_all(engine)
    yield engine
    engine.dispose()
    if name:
        pg.drop_database(name)


def load(engine: Engine, data: dict[str, dict[int, dict[str, Any]]]) -> None:
    with engine.begin() as conn:
        for table in (lead_tag_t, lead_t, tag_t, partner_t, company_t):
            conn.execute(delete(table))
        conn.execute(insert(company_t), list(data["company"].values()))
        conn.execute(insert(partner_t), list(data["partner"].values()))
        conn.execute(insert(tag_t), list(data["tag"].values()))
        leads = [{k: v for k, v in row.items() if k != "tag_ids"} for row in data["lead"].values()]
        conn.execute(insert(lead_t), leads)
        links = [
            {"lead_id": i, "tag_id": t} for i, row in data["lead"].items() for t in row["tag_ids"]
        ]
        if links:
            conn.execute(insert(lead_tag_t), links)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture])  # fmt: skip
@given(cases(dangling=True))
def test_sql_selects_what_evaluate_accepts(
    database: Engine, case: tuple[int, list[Any], dict[str, Any]]
) -> None:
    version, domain, data = case
    load(database, data)
    tree = bind(parse_domain(repr(domain)), CTX, version)
    with database.connect() as conn:
        selected = set(conn.scalars(select(lead_t.c.id).where(to_sql(tree, LEADS))))
    assert selected == engine_ids(version, domain, data), render(tree)
