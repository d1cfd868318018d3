"""Odoo domains and orders turned into SQL for the stub Odoo (see ``odoo_orm.py``).

A domain is in Polish notation: ``['|', ('a', '=', 1), '!', ('b', 'ilike', 'x'), ('c', '<', 3)]``
with ``&`` implied between consecutive terms. Leaves compile to SQL on the model's table aliased
``t`` (sub-selects for dotted paths, many2many and one2many fields, and the related fields the
stub knows).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tests.fakes.odoo_catalog import Field, Model

if TYPE_CHECKING:
    from tests.fakes.odoo_orm import Env

OPERATORS = {"=", "!=", "<>", "in", "not in", "like", "ilike", "not like", "not ilike", "=like",
             "=ilike", "<", ">", "<=", ">="}  # fmt: skip
# non-stored fields searchable through a many2one (model, field) → (many2one, comodel field)
RELATED = {("res.users", "name"): ("partner_id", "name"),
           ("res.users", "email"): ("partner_id", "email")}  # fmt: skip


@dataclass
class Query:
    where: str
    params: list[Any] = field(default_factory=list)


def _leaf_repr(leaf: Any) -> str:
    return repr(tuple(leaf))


def compile_domain(env: Env, model: Model, domain: list[Any], *, active_test: bool = True) -> Query:
    from tests.fakes.odoo_orm import OdooFault

    params: list[Any] = []
    stack: list[str] = []
    names_active = False
    for term in reversed(domain):
        if term in ("&", "|"):
            if len(stack) < 2:
                raise OdooFault("ValueError", f"Invalid domain {domain!r}")
            a, b = stack.pop(), stack.pop()
            stack.append(f"({a} {'AND' if term == '&' else 'OR'} {b})")
        elif term == "!":
            if not stack:
                raise OdooFault("ValueError", f"Invalid domain {domain!r}")
            stack.append(f"(NOT {stack.pop()})")
        elif isinstance(term, list | tuple) and len(term) == 3:
            path = str(term[0])
            names_active = names_active or path.split(".")[0] == "active"
            sql, values = leaf(env, model, term)
            stack.append(sql)
            params[:0] = values
        elif term in (True, 1, (1, "=", 1)):
            stack.append("TRUE")
        else:
            raise OdooFault("ValueError", f"Invalid leaf {term!r}")
    where = " AND ".join(reversed(stack)) if stack else "TRUE"
    if (
        active_test
        and model.has_active
        and not names_active
        and env.context.get("active_test", True) is not False
    ):
        where = f"t.active AND ({where})"
    return Query(where, params)


def column_sql(env: Env, f: Field, alias: str = "t") -> tuple[str, list[Any]]:
    if f.translate:
        return f'COALESCE({alias}."{f.name}"->>%s, {alias}."{f.name}"->>\'en_US\')', [env.lang]
    return f'{alias}."{f.name}"', []


def leaf(env: Env, model: Model, term: Any) -> tuple[str, list[Any]]:
    from tests.fakes.odoo_orm import OdooFault

    path, op, value = str(term[0]), str(term[1]).lower(), term[2]
    if op not in OPERATORS:
        raise OdooFault("ValueError", f"Invalid leaf {_leaf_repr(term)}")
    if op == "<>":
        op = "!="
    head, _, rest = path.partition(".")
    if head == "id" and "id" not in model.fields:
        f = Field("id", "integer", "ID")
    else:
        f = model.fields.get(head)  # type: ignore[assignment]
    if f is None:
        raise OdooFault(
            "ValueError", f"Invalid field {model.name}.{head} in leaf {_leaf_repr(term)}"
        )
    if (model.name, head) in RELATED and not f.column:
        via, target = RELATED[(model.name, head)]
        rest, f = target + (f".{rest}" if rest else ""), model.fields[via]
    if rest or (f.relation and isinstance(value, str) and f.type == "many2one"):
        comodel = env.model(f.relation or "")
        sub_term = (rest or "display_name", op, value)
        if f.type == "many2one" and f.column:
            sub = compile_domain(env, comodel, [sub_term], active_test=False)
            return (
                f't."{f.name}" IN (SELECT t.id FROM {comodel.table} t WHERE {sub.where})',
                sub.params,
            )
        if f.m2m and f.m2m[1]:
            _c, table, own, other = f.m2m
            sub = compile_domain(env, comodel, [sub_term], active_test=False)
            return (
                f"t.id IN (SELECT r.{own} FROM {table} r JOIN {comodel.table} t "
                f"ON t.id = r.{other} WHERE {sub.where})",
                sub.params,
            )
        raise OdooFault("ValueError", f"Invalid leaf {_leaf_repr(term)}")
    if f.name == "display_name":
        return _display_leaf(env, model, op, value)
    if f.m2m or f.o2m:
        return _x2many_leaf(model, f, op, value)
    if not f.column and f.name != "id":
        raise OdooFault("ValueError", f"Non-stored field {model.name}.{f.name} cannot be searched.")
    column, params = column_sql(env, f)
    return _compare(column, params, f, op, value)


def _display_leaf(env: Env, model: Model, op: str, value: Any) -> tuple[str, list[Any]]:
    from tests.fakes.odoo_values import display_sql

    expression, params = display_sql(env, model, "t")
    f = Field("display_name", "char", "Display Name")
    return _compare(f"({expression})", params, f, op, value)


def _x2many_leaf(model: Model, f: Field, op: str, value: Any) -> tuple[str, list[Any]]:
    if f.m2m:
        _c, table, own, other = f.m2m
        inner = f"SELECT r.{own} FROM {table} r WHERE r.{other} = ANY(%s)" if table else "SELECT NULL::int WHERE %s IS NULL"  # fmt: skip
        everything = f"SELECT r.{own} FROM {table} r" if table else "SELECT NULL::int WHERE FALSE"
    else:
        assert f.o2m
        comodel_table = f.o2m[0].replace(".", "_")
        inner = f"SELECT c.{f.o2m[1]} FROM {comodel_table} c WHERE c.id = ANY(%s)"
        everything = f"SELECT c.{f.o2m[1]} FROM {comodel_table} c"
    if value is False or value is None:
        negate = op in ("=", "in")
        return (f"t.id {'NOT IN' if negate else 'IN'} ({everything})", [])
    ids = [value] if isinstance(value, int) else [v for v in value if v is not False]
    positive = op in ("=", "in")
    return (f"t.id {'IN' if positive else 'NOT IN'} ({inner})", [ids])


def _compare(
    column: str, params: list[Any], f: Field, op: str, value: Any
) -> tuple[str, list[Any]]:
    empty_is_null = f.type in {"char", "text", "html", "selection"}
    if op in ("=", "!=") and (value is False or value is None):
        if f.type == "boolean":
            sql = f"({column} IS NULL OR {column} = false)"
        elif empty_is_null:
            sql = f"({column} IS NULL OR {column} = '')"
        else:
            sql = f"{column} IS NULL"
        return (sql if op == "=" else f"(NOT {sql})", params + params if empty_is_null or f.type == "boolean" else params)  # fmt: skip
    if op in ("=", "!=") and f.type == "boolean" and value is True:
        sql = f"{column} = true"
        return (sql if op == "=" else f"({column} IS NULL OR {column} = false)", params + params if op == "!=" else params)  # fmt: skip
    if op == "=":
        return (f"{column} = %s", [*params, value])
    if op == "!=":
        return (f"({column} IS NULL OR {column} != %s)", [*params, *params, value])
    if op in ("in", "not in"):
        values = list(value) if isinstance(value, list | tuple | set) else [value]
        has_null = any(v is False or v is None for v in values) and f.type != "boolean"
        values = [v for v in values if not ((v is False or v is None) and f.type != "boolean")]
        if f.type == "boolean" and False in values:
            sql = f"(COALESCE({column}, false) = ANY(%s))"
        else:
            sql = f"({column} = ANY(%s))"
        if has_null:
            sql = f"({sql} OR {column} IS NULL)"
            parts = [*params, values, *params]
        else:
            parts = [*params, values]
        if op == "not in":
            return (f"(NOT COALESCE({sql}, false))", parts)
        return (sql, parts)
    if op in ("like", "ilike", "not like", "not ilike", "=like", "=ilike"):
        pattern = str(value) if op.startswith("=") else f"%{value}%"
        sql_op = "ILIKE" if "ilike" in op else "LIKE"
        text = f"{column}::text"
        if op.startswith("not"):
            return (f"({text} IS NULL OR {text} NOT {sql_op} %s)", [*params, *params, pattern])
        return (f"{text} {sql_op} %s", [*params, pattern])
    return (f"{column} {op} %s", [*params, value])


def order_by(env: Env, model: Model, order: str) -> str:
    """ORDER BY for an Odoo order spec ('priority desc, id desc'); many2one terms follow the
    comodel's own order."""
    return (
        ", ".join(
            f"{expr} {direction}{' NULLS FIRST' if direction == 'DESC' else ' NULLS LAST'}"
            for expr, direction in order_terms(env, model, order, "t")
        )
        or "t.id ASC"
    )


def order_terms(env: Env, model: Model, order: str, alias: str) -> list[tuple[str, str]]:
    from tests.fakes.odoo_orm import OdooFault

    terms: list[tuple[str, str]] = []
    for raw in order.split(","):
        words = raw.strip().split()
        if not words:
            continue
        name = words[0].strip('"')
        direction = "DESC" if len(words) > 1 and words[1].lower() == "desc" else "ASC"
        f = model.fields.get(name)
        if name == "id":
            terms.append((f"{alias}.id", direction))
        elif f is None:
            raise OdooFault("ValueError", f"Invalid field {name!r} on model {model.name!r}")
        elif (model.name, name) in RELATED:
            via, target = RELATED[(model.name, name)]
            comodel = env.model(model.fields[via].relation or "")
            inner = f"c{len(alias)}"
            terms.append((
                f'(SELECT {inner}."{target}" FROM {comodel.table} {inner} '
                f'WHERE {inner}.id = {alias}."{via}")',
                direction,
            ))  # fmt: skip
        elif f.type == "many2one" and f.column:
            comodel = env.model(f.relation or "")
            inner = f"c{len(alias)}"
            for expr, sub_dir in order_terms(env, comodel, comodel.order, inner):
                flip = {"ASC": "DESC", "DESC": "ASC"}[sub_dir] if direction == "DESC" else sub_dir
                terms.append((
                    f'(SELECT {expr} FROM {comodel.table} {inner} '
                    f'WHERE {inner}.id = {alias}."{name}")',
                    flip,
                ))  # fmt: skip
        elif f.column:
            column = (
                f"COALESCE({alias}.\"{name}\"->>'{env.lang}', {alias}.\"{name}\"->>'en_US')"
                if f.translate
                else f'{alias}."{name}"'
            )
            terms.append((column, direction))
    return terms
