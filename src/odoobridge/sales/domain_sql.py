"""Compile a bound domain (:mod:`.domain`) into a SQLAlchemy WHERE clause over a serving table.

A :class:`FieldMap` says where the Odoo fields of one model live in a table: a scalar field is a
column name, a many2one is a :class:`Many2one` (its column and, for paths, ``any`` and
``child_of``, the target model's FieldMap), a many2many/one2many is an :class:`X2many` (a link
table with the owner's and the member's Odoo ids; for a one2many the link is the member's own
table). ``child_of``/``parent_of`` on a model need its :class:`Hierarchy`: Odoo's ``parent_path``
column when the table keeps it (a prefix test), else the parent column (a recursive CTE).
``where`` says which rows of a table are the records when it is reached through a relation (the
rows alive at a run, for a temporal table); the caller filters the root table itself.

The clause means exactly what :func:`.domain.evaluate` computes (module docstring of
:mod:`.domain`): under a NOT every leaf is compiled two-valued (an unset value answers as the
domain says, never SQL's unknown), relations are EXISTS subqueries correlated to the root table,
and LIKE is case-sensitive on SQLite too (GLOB). The same clause runs on PostgreSQL and SQLite.
A field missing from the map, a name search, or an operator the field kind does not take raises
:class:`.domain.UnsupportedDomain`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any, Literal

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Date,
    DateTime,
    FromClause,
    String,
    and_,
    cast,
    false,
    literal,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import TypeDecorator, TypeEngine

from odoobridge.sales.domain import (
    HIERARCHY,
    INEQUALITIES,
    LIKES,
    NOT_LIKES,
    And,
    Domain,
    FalseLeaf,
    Leaf,
    Not,
    Or,
    TrueLeaf,
    UnsupportedDomain,
)
from odoobridge.sales.domain_eval import coerce

Where = Callable[[FromClause], ColumnElement[bool]]


@dataclass(frozen=True)
class Many2one:
    column: str
    target: FieldMap | Literal["self"] | None = None


@dataclass(frozen=True)
class X2many:
    link: FromClause
    source: str  # link column holding the owner's Odoo id
    member: str  # link column holding the member's Odoo id
    target: FieldMap | Literal["self"] | None = None
    where: Where | None = None  # which link rows count (e.g. res_model = 'crm.lead')


@dataclass(frozen=True)
class Hierarchy:
    parent: str  # column holding the parent's Odoo id
    path: str | None = None  # Odoo's parent_path ("1/7/12/"), when the table keeps it


@dataclass(frozen=True)
class FieldMap:
    model: str
    table: FromClause
    fields: Mapping[str, str | Many2one | X2many] = field(hash=False)
    id: str = "id"
    hierarchy: Hierarchy | None = None
    where: Where | None = None

    def relation(self, name: str) -> FieldMap | None:
        """The FieldMap a many2one or many2many/one2many leads to (None: not mapped)."""
        spec = self.fields.get(name)
        if not isinstance(spec, Many2one | X2many):
            return None
        return self if spec.target == "self" else spec.target or None


def to_sql(domain: Domain, fields: FieldMap) -> ColumnElement[bool]:
    """The WHERE clause selecting the rows of ``fields.table`` that satisfy ``domain``."""
    clause: ColumnElement[bool] = _Compiler().node(domain, fields, fields.table, negated=False)
    return clause


@lru_cache(maxsize=1024)
def _alias(table: FromClause, depth: int, slot: str) -> FromClause:
    """One alias per table, subquery depth and role, made once: building an alias proxies every
    column of the table, the bulk of a compile for wide tables like res_partner. Sibling
    subqueries may share an alias (each has its own scope); nested ones never do."""
    return table.alias()


class Like(ColumnElement[bool]):
    """SQL LIKE/ILIKE with PostgreSQL's meaning on both engines (GLOB on SQLite when
    case-sensitive, since SQLite's LIKE ignores ASCII case)."""

    __visit_name__ = "odoo_like"
    inherit_cache = True
    type = Boolean()
    _traverse_internals = [  # noqa: RUF012 (SQLAlchemy's own declaration style)
        ("expr", InternalTraversal.dp_clauseelement),
        ("pattern", InternalTraversal.dp_clauseelement),
        ("glob", InternalTraversal.dp_clauseelement),
        ("case_sensitive", InternalTraversal.dp_boolean),
    ]

    def __init__(self, expr: ColumnElement[Any], pattern: str, case_sensitive: bool) -> None:
        self.expr = expr
        self.pattern = literal(pattern, String())
        self.glob = literal(_glob(pattern), String())
        self.case_sensitive = case_sensitive

    @property
    def _from_objects(self) -> list[FromClause]:
        return list(self.expr._from_objects)


def _glob(pattern: str) -> str:
    special = {"%": "*", "_": "?", "*": "[*]", "?": "[?]", "[": "[[]"}
    return "".join(special.get(c, c) for c in pattern)


@compiles(Like)
def _like(element: Like, compiler: SQLCompiler, **kw: Any) -> str:
    op = "LIKE" if element.case_sensitive else "ILIKE"
    return (
        f"({compiler.process(element.expr, **kw)} {op} {compiler.process(element.pattern, **kw)})"
    )


@compiles(Like, "sqlite")
def _like_sqlite(element: Like, compiler: SQLCompiler, **kw: Any) -> str:
    expr = compiler.process(element.expr, **kw)
    if element.case_sensitive:
        return f"({expr} GLOB {compiler.process(element.glob, **kw)})"
    return f"(lower({expr}) LIKE lower({compiler.process(element.pattern, **kw)}))"


_TREES = itertools.count(1)


def _kind(column: ColumnElement[Any]) -> str:
    kind: TypeEngine[Any] = column.type
    if isinstance(kind, TypeDecorator):
        kind = kind.impl_instance
    if isinstance(kind, Boolean):
        return "boolean"
    if isinstance(kind, DateTime):
        return "datetime"
    if isinstance(kind, Date):
        return "date"
    return "text" if isinstance(kind, String) else "other"


class _Compiler:
    def __init__(self) -> None:
        self.depth = 0

    def alias(self, table: FromClause, slot: str) -> FromClause:
        return _alias(table, self.depth, slot)

    def inside(self, sub: Domain, fmap: FieldMap, src: FromClause) -> Any:
        """``sub`` compiled inside a subquery over ``src``."""
        self.depth += 1
        try:
            return self.node(sub, fmap, src, negated=False)
        finally:
            self.depth -= 1

    def node(self, node: Domain, fmap: FieldMap, src: FromClause, negated: bool) -> Any:
        if isinstance(node, TrueLeaf | FalseLeaf):
            return true() if isinstance(node, TrueLeaf) else false()
        if isinstance(node, And):
            return and_(*(self.node(c, fmap, src, negated) for c in node.children))
        if isinstance(node, Or):
            return or_(*(self.node(c, fmap, src, negated) for c in node.children))
        if isinstance(node, Not):
            inverted = not_(self.node(node.child, fmap, src, negated=True))
            if node.strict and isinstance(node.child, Leaf):
                guard = self.is_set(fmap, src, node.child.field.split(".")[0])
                return inverted if guard is None else and_(inverted, guard)
            return inverted
        return self.leaf(node, fmap, src, negated)

    def spec(self, fmap: FieldMap, name: str) -> str | Many2one | X2many:
        if name == "id":
            return fmap.id
        spec = fmap.fields.get(name)
        if spec is None:
            raise UnsupportedDomain(f"the field {fmap.model}.{name} is not in the serving data")
        return spec

    def target(self, fmap: FieldMap, name: str) -> FieldMap:
        target = fmap.relation(name)
        if target is None:
            raise UnsupportedDomain(f"{fmap.model}.{name} leads to no mapped model")
        return target

    def is_set(self, fmap: FieldMap, src: FromClause, name: str) -> Any:
        spec = self.spec(fmap, name)
        if name == "id" or isinstance(spec, X2many):
            return None
        return src.c[spec.column if isinstance(spec, Many2one) else spec].is_not(None)

    def leaf(self, leaf: Leaf, fmap: FieldMap, src: FromClause, negated: bool) -> Any:
        name, _, rest = leaf.field.partition(".")
        spec, op, value = self.spec(fmap, name), leaf.operator, leaf.value
        if rest:
            return self.related(fmap, src, name, spec, Leaf(rest, op, value))
        if isinstance(spec, X2many):
            return self.many(fmap, src, name, spec, op, value)
        if op == "any" and name == "id":
            return self.node(value, fmap, src, negated)
        if op in HIERARCHY and name == "id":
            return self.hierarchy(fmap, src, op, _ids(fmap, name, value))
        if op == "any" or op in HIERARCHY:
            if not isinstance(spec, Many2one):
                raise UnsupportedDomain(f"'{op}' on the scalar field {fmap.model}.{name}")
            if op in HIERARCHY and spec.target == "self":
                raise UnsupportedDomain(f"'{op}' on {fmap.model}.{name}, a parent field")
            sub = value if op == "any" else Leaf("id", op, value)
            return self.related(fmap, src, name, spec, sub)
        if isinstance(spec, Many2one) or name == "id":
            _ids(fmap, name, value if op in ("in", "not in") else (value,))
        column = src.c[spec.column if isinstance(spec, Many2one) else spec]
        return _scalar(column, op, value, negated)

    def related(self, fmap: FieldMap, src: FromClause, name: str, spec: Any, sub: Domain) -> Any:
        if not isinstance(spec, Many2one | X2many):
            raise UnsupportedDomain(f"{fmap.model}.{name} is not a relation (path {name}.…)")
        target = self.target(fmap, name)
        member = self.alias(target.table, "member")
        conditions = [self.inside(sub, target, member)]
        if target.where is not None:
            conditions.append(target.where(member))
        if isinstance(spec, Many2one):
            conditions.append(member.c[target.id] == src.c[spec.column])
            return select(literal(1)).select_from(member).where(*conditions).exists()
        link = self.alias(spec.link, "link")
        joined = link.join(member, member.c[target.id] == link.c[spec.member])
        conditions += self.link_conditions(fmap, src, spec, link)
        return select(literal(1)).select_from(joined).where(*conditions).exists()

    def link_conditions(
        self, fmap: FieldMap, src: FromClause, spec: X2many, link: FromClause
    ) -> list[Any]:
        conditions: list[Any] = [link.c[spec.source] == src.c[fmap.id]]
        if spec.where is not None:
            conditions.append(spec.where(link))
        return conditions

    def many(
        self, fmap: FieldMap, src: FromClause, name: str, spec: X2many, op: str, value: Any
    ) -> Any:
        if op == "any":
            return self.related(fmap, src, name, spec, value)
        if op in HIERARCHY:
            return self.related(fmap, src, name, spec, Leaf("id", op, value))
        if op not in ("=", "!=", "in", "not in", "=?"):
            raise UnsupportedDomain(f"'{op}' on the many2many/one2many {fmap.model}.{name}")
        link = self.alias(spec.link, "link")
        conditions = self.link_conditions(fmap, src, spec, link)
        if op in ("=", "!=", "=?") and (value is False or value is None):
            linked = select(literal(1)).select_from(link).where(*conditions).exists()
            return linked if op == "!=" else not_(linked)
        values = value if op in ("in", "not in") else (value,)
        if any(v is False or v is None for v in values):
            raise UnsupportedDomain(f"False inside an 'in' list on {fmap.model}.{name}")
        conditions.append(link.c[spec.member].in_(_ids(fmap, name, values)))
        linked = select(literal(1)).select_from(link).where(*conditions).exists()
        return linked if op in ("=", "in") else not_(linked)

    def hierarchy(self, fmap: FieldMap, src: FromClause, op: str, ids: list[int]) -> Any:
        tree = fmap.hierarchy
        if tree is None:
            raise UnsupportedDomain(f"'{op}' needs the hierarchy of {fmap.model}, not mapped")
        if tree.path is not None:
            other = self.alias(fmap.table, "tree")
            mine, theirs = src.c[tree.path], other.c[tree.path]
            nested = mine.like(theirs + "%") if op == "child_of" else theirs.like(mine + "%")
            conditions: list[Any] = [other.c[fmap.id].in_(ids), nested]
            if fmap.where is not None:
                conditions.append(fmap.where(other))
            return select(literal(1)).select_from(other).where(*conditions).exists()
        start, step = self.alias(fmap.table, "start"), self.alias(fmap.table, "step")
        base = select(start.c[fmap.id].label("node"), start.c[tree.parent].label("up"))
        base = base.where(start.c[fmap.id].in_(ids), *_rows(fmap, start))
        walk = base.cte(f"odoo_tree_{next(_TREES)}", recursive=True, nesting=True)
        link = (
            step.c[tree.parent] == walk.c.node if op == "child_of" else step.c[fmap.id] == walk.c.up
        )
        more = select(step.c[fmap.id], step.c[tree.parent]).where(link, *_rows(fmap, step))
        walk = walk.union(more)
        return src.c[fmap.id].in_(select(walk.c.node))


def _rows(fmap: FieldMap, table: FromClause) -> list[Any]:
    return [] if fmap.where is None else [fmap.where(table)]


def _ids(fmap: FieldMap, name: str, values: Any) -> list[int]:
    ids = []
    for value in values:
        if value is False or value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise UnsupportedDomain(
                f"{fmap.model}.{name} compared with {value!r}: a name search is not supported"
            )
        ids.append(value)
    return ids


def _scalar(column: ColumnElement[Any], op: str, value: Any, negated: bool) -> Any:
    kind = _kind(column)

    def guarded(condition: Any, when_unset: bool) -> Any:
        if when_unset:
            return or_(column.is_(None), condition)
        return and_(column.is_not(None), condition) if negated else condition

    def typed(operand: Any) -> Any:
        sample: dict[str, Any] = {"date": date.min, "datetime": datetime.min}
        return coerce(sample[kind], operand, op) if kind in sample else operand

    if op == "=?":
        return true()
    if op in ("=", "!=") and (value is False or value is None):
        unset: Any = column.is_(None)
        if kind == "boolean" and value is False:
            unset = or_(unset, column == false())
        return unset if op == "=" else not_(unset)
    if op == "=":
        return guarded(column == typed(value), False)
    if op == "!=":
        if kind == "boolean" and value is True:
            return or_(column.is_(None), column == false())
        return guarded(column != typed(value), bool(value))
    if op in ("in", "not in"):
        values = [typed(v) for v in value if v is not False and v is not None]
        with_null = len(values) < len(value)
        if kind == "boolean":
            values, with_null = [b for b in (True, False) if b in value], False in value
        if not values:  # IN () is false and NOT IN () true, for unset rows too
            if op == "in":
                return column.is_(None) if with_null else false()
            return column.is_not(None) if with_null else true()
        if op == "in":
            return guarded(column.in_(values), with_null)
        return guarded(column.not_in(values), not with_null)
    if op in INEQUALITIES:
        operand = typed(value)
        compared = {
            "<": column < operand,
            "<=": column <= operand,
            ">": column > operand,
            ">=": column >= operand,
        }[op]
        return guarded(compared, False)
    if op in LIKES:
        text = column if kind == "text" else cast(column, String)
        pattern = value if op.startswith("=") else f"%{value}%"
        matched = Like(text, pattern, case_sensitive="ilike" not in op)
        if op in NOT_LIKES:
            return guarded(not_(matched), True)
        return guarded(matched, op in ("like", "ilike") and value == "")
    raise UnsupportedDomain(f"the operator '{op}' on the field {column.key}")
