"""The SQL compiler beyond the property tests: which rows count when a relation is reached
(``where``: temporal versions, a followers table shared by models), time columns of the store,
the SQL each engine gets, and every refusal of the compiler and of ``evaluate``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    insert,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite

from odoobridge.sales.domain import Leaf, UnsupportedDomain, UserContext, bind, parse_domain
from odoobridge.sales.domain_eval import compare, evaluate
from odoobridge.sales.domain_sql import FieldMap, Hierarchy, Many2one, X2many, to_sql
from odoobridge.store.base import UTCDateTime

CTX = UserContext(6, 1, (1, 2), 7, 7, datetime(2026, 12, 2, tzinfo=UTC))
md = MetaData()
partners = Table("partners", md, Column("odoo_id", Integer), Column("name", String),
                 Column("alive", Boolean), Column("parent_odoo_id", Integer))  # fmt: skip
leads = Table("leads", md, Column("odoo_id", Integer), Column("partner_odoo_id", Integer),
              Column("deadline", Date), Column("written", UTCDateTime()))  # fmt: skip
followers = Table("followers", md, Column("res_model", String), Column("res_id", Integer),
                  Column("partner_id", Integer))  # fmt: skip

PARTNERS = FieldMap("res.partner", partners, {"name": "name", "parent_id": Many2one("parent_odoo_id", "self")},
                    id="odoo_id", hierarchy=Hierarchy("parent_odoo_id"),
                    where=lambda t: t.c.alive.is_(True))  # fmt: skip
LEADS = FieldMap("crm.lead", leads, {
    "partner_id": Many2one("partner_odoo_id", PARTNERS), "date_deadline": "deadline", "write_date": "written",
    "message_partner_ids": X2many(followers, "res_id", "partner_id", PARTNERS,
                                  where=lambda t: t.c.res_model == "crm.lead"),
    "user_id": Many2one("user_odoo_id"), "stage_id": Many2one("stage_odoo_id", None),
}, id="odoo_id")  # fmt: skip


@pytest.fixture
def engine() -> Iterator[Engine]:
    engine = create_engine("sqlite://")
    md.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(partners), [
            {"odoo_id": 10, "name": "Old name", "alive": False, "parent_odoo_id": None},
            {"odoo_id": 10, "name": "Azure Interior", "alive": True, "parent_odoo_id": None},
            {"odoo_id": 11, "name": "Brandon Freeman", "alive": True, "parent_odoo_id": 10},
            {"odoo_id": 12, "name": "Gone", "alive": False, "parent_odoo_id": 10},
        ])  # fmt: skip
        conn.execute(insert(leads), [
            {"odoo_id": 1, "partner_odoo_id": 10, "deadline": date(2026, 12, 1),
             "written": datetime(2026, 12, 2, 23, 0, tzinfo=UTC)},
            {"odoo_id": 2, "partner_odoo_id": 11, "deadline": date(2026, 12, 3),
             "written": datetime(2026, 12, 3, 8, 0, tzinfo=UTC)},
            {"odoo_id": 3, "partner_odoo_id": 12, "deadline": None, "written": None},
        ])  # fmt: skip
        conn.execute(insert(followers), [
            {"res_model": "crm.lead", "res_id": 1, "partner_id": 11},
            {"res_model": "sale.order", "res_id": 2, "partner_id": 11},
            {"res_model": "crm.lead", "res_id": 3, "partner_id": 12},
        ])  # fmt: skip
    yield engine
    engine.dispose()


def selected(engine: Engine, text: str, version: int = 18) -> list[int]:
    clause = to_sql(bind(parse_domain(text), CTX, version), LEADS)
    with engine.connect() as conn:
        return sorted(conn.scalars(select(leads.c.odoo_id).where(clause)))


def test_relations_reach_only_the_rows_that_count(engine: Engine) -> None:
    assert selected(engine, "[('partner_id.name', '=', 'Old name')]") == []
    assert selected(engine, "[('partner_id.name', 'like', 'Azure')]") == [1]
    assert selected(engine, "[('partner_id', 'child_of', 10)]") == [1, 2]  # 12 is not alive
    assert selected(engine, "[('partner_id', 'parent_of', [11])]") == [1, 2]
    assert selected(engine, "[('message_partner_ids', 'in', [11])]") == [1]  # not the order's
    assert selected(engine, "[('message_partner_ids', 'child_of', [10])]") == [1]
    assert selected(engine, "[('message_partner_ids', '=', False)]") == [2]


def test_dates_and_store_timestamps_compare_as_odoo_reads_a_day(engine: Engine) -> None:
    assert selected(engine, "[('date_deadline', '<', time.strftime('%Y-%m-%d'))]") == [1]
    assert selected(engine, "[('write_date', '<=', '2026-12-02')]") == [1]
    assert selected(engine, "[('write_date', '>', '2026-12-02')]") == [2]
    assert selected(engine, "[('write_date', '=', False)]") == [3]


def test_like_is_glob_on_sqlite_and_like_on_postgresql() -> None:
    clause = to_sql(bind(parse_domain("[('partner_id.name', '=like', 'A_*%')]"), CTX, 18), LEADS)
    lite = str(clause.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
    pg = str(clause.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    assert "GLOB 'A?[*]*'" in lite and "LIKE 'A_*%%'" in pg
    ilike = to_sql(bind(parse_domain("[('partner_id.name', 'ilike', 'a')]"), CTX, 18), LEADS)
    assert "lower(" in str(ilike.compile(dialect=sqlite.dialect()))
    assert "ILIKE" in str(ilike.compile(dialect=postgresql.dialect()))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[('probability', '>', 10)]", "the field crm.lead.probability is not in the serving data"),
        ("[('stage_id.is_won', '=', True)]", "crm.lead.stage_id leads to no mapped model"),
        ("[('date_deadline.year', '=', 2026)]", "crm.lead.date_deadline is not a relation"),
        ("[('message_partner_ids', '<', 3)]", "'<' on the many2many/one2many crm.lead.message_partner_ids"),
        ("[('message_partner_ids', 'in', [3, False])]", "False inside an 'in' list on crm.lead.message_partner_ids"),
        ("[('message_partner_ids', 'in', ['Azure'])]", "a name search is not supported"),
        ("[('partner_id', '=', 'Azure Interior')]", "compared with 'Azure Interior': a name search"),
        ("[('date_deadline', 'child_of', [1])]", "'child_of' on the scalar field crm.lead.date_deadline"),
        ("[('partner_id.parent_id', 'child_of', [10])]", "'child_of' on res.partner.parent_id, a parent field"),
        ("[('id', 'child_of', [1])]", "'child_of' needs the hierarchy of crm.lead, not mapped"),
    ],
)  # fmt: skip
def test_the_compiler_refuses_what_the_serving_data_cannot_answer(text: str, reason: str) -> None:
    with pytest.raises(UnsupportedDomain, match=reason.replace("(", r"\(").replace(".", r"\.")):
        to_sql(bind(parse_domain(text), CTX, 18), LEADS)


def no_records(path: str, record_id: int, name: str) -> Any:
    raise LookupError(record_id)


@pytest.mark.parametrize(
    ("leaf", "record", "reason"),
    [
        (Leaf("user_id", "=", 6), {"id": 1}, "the record has no field 'user_id'"),
        (Leaf("tag_ids", "in", (1, False)), {"tag_ids": (1,)}, "False inside an 'in' list"),
        (Leaf("tag_ids", "<", 1), {"tag_ids": (1,)}, "the operator '<' on a many2many"),
        (Leaf("partner_id.name", "=", "x"), {"partner_id": "Azure"}, "partner_id does not hold record ids"),
        (Leaf("name", "between", 1), {"name": "x"}, "the operator 'between' on a single-valued field"),
        (Leaf("day", "<", "tomorrow"), {"day": date(2026, 12, 2)}, "'tomorrow' is not a date"),
        (Leaf("name", "<", 3), {"name": "x"}, "cannot compare 'x' < 3"),
    ],
)  # fmt: skip
def test_evaluate_refuses_what_it_cannot_answer(
    leaf: Leaf, record: dict[str, Any], reason: str
) -> None:
    with pytest.raises(UnsupportedDomain, match=reason.replace("(", r"\(")):
        evaluate(leaf, record, no_records)


def test_evaluate_reads_a_missing_target_as_no_record() -> None:
    assert not evaluate(Leaf("partner_id.name", "!=", "x"), {"partner_id": 4}, no_records)
    assert compare(datetime(2026, 12, 2, 23, tzinfo=UTC), "<=", "2026-12-02")
    assert not compare(datetime(2026, 12, 3, tzinfo=UTC), "<=", "2026-12-02 23:00:00")


def test_the_rarer_shapes_agree_between_evaluate_and_sql(engine: Engine) -> None:
    parents = {10: None, 11: 10}
    rows = {1: {"id": 1, "partner_id": 10, "message_partner_ids": (11,)},
            2: {"id": 2, "partner_id": 11, "message_partner_ids": ()}}  # fmt: skip

    def follow(path: str, record_id: int, name: str) -> Any:
        if record_id not in parents:
            raise LookupError(record_id)
        return record_id if name == "id" else parents[record_id]

    for leaf, expected in [
        (Leaf("id", "any", Leaf("partner_id", "=", 10)), [1]),
        (Leaf("message_partner_ids", "parent_of", (11,)), [1]),
        (Leaf("message_partner_ids", "child_of", (10,)), [1]),
        (Leaf("partner_id", "parent_of", (12,)), []),
    ]:
        assert [i for i, row in rows.items() if evaluate(leaf, row, follow)] == expected
        with engine.connect() as conn:
            clause = to_sql(leaf, LEADS)
            assert (
                sorted(
                    conn.scalars(select(leads.c.odoo_id).where(clause).where(leads.c.odoo_id < 3))
                )
                == expected
            )


def test_a_kept_parent_path_and_the_rows_that_count() -> None:
    md2 = MetaData()
    nodes = Table(
        "nodes", md2, Column("id", Integer), Column("path", String), Column("alive", Boolean)
    )
    tree = FieldMap("res.partner", nodes, {}, hierarchy=Hierarchy("parent_id", "path"),
                    where=lambda t: t.c.alive.is_(True))  # fmt: skip
    engine = create_engine("sqlite://")
    md2.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(nodes), [{"id": 1, "path": "1/", "alive": False}, {"id": 1, "path": "1/", "alive": True},
                                     {"id": 2, "path": "1/2/", "alive": True}, {"id": 3, "path": "3/", "alive": True}])  # fmt: skip
        under = to_sql(Leaf("id", "child_of", (1,)), tree)
        assert sorted(conn.scalars(select(nodes.c.id).where(under, nodes.c.alive))) == [1, 2]
        over = to_sql(Leaf("id", "parent_of", (2,)), tree)
        assert sorted(conn.scalars(select(nodes.c.id).where(over, nodes.c.alive))) == [1, 2]
    engine.dispose()
    with pytest.raises(UnsupportedDomain, match="the operator 'between' on the field path"):
        to_sql(Leaf("path", "between", 1), FieldMap("x", nodes, {"path": "path"}))
