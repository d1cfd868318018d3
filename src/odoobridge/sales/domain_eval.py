"""The Python reference of what a bound domain (:data:`.domain.Domain`) means — the semantics the
module docstring of :mod:`.domain` states and :func:`.domain_sql.to_sql` compiles to SQL; the
property tests hold the two to each other. ``coerce`` is shared with the compiler: an operand
read as the field's type (a date as a datetime, a number as text …)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, date, datetime, time
from functools import lru_cache
from typing import Any

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

Follow = Callable[[str, int, str], Any]


def evaluate(domain: Domain, record: Mapping[str, Any], follow: Follow) -> bool:
    """Whether ``record`` (its fields by name, with ``id``; many2many/one2many as collections of
    ids, unset values as None) satisfies ``domain``. ``follow(path, record_id, field)`` reads a
    field of another record: ``path`` is the dotted chain of relational fields from the root
    model to that record's model ('' for the root model itself); it raises LookupError when
    no such record exists. Hierarchies are walked through ``parent_id``."""
    return _Evaluator(follow).test(domain, record, "")


class _Related(Mapping[str, Any]):
    def __init__(self, follow: Follow, path: str, record_id: int) -> None:
        self.follow, self.path, self.record_id = follow, path, record_id

    def __getitem__(self, name: str) -> Any:
        return self.record_id if name == "id" else self.follow(self.path, self.record_id, name)

    def __iter__(self) -> Iterator[str]:
        return iter(("id",))

    def __len__(self) -> int:
        return 1


class _Evaluator:
    def __init__(self, follow: Follow) -> None:
        self.follow = follow

    def test(self, node: Domain, record: Mapping[str, Any], path: str) -> bool:
        if isinstance(node, TrueLeaf | FalseLeaf):
            return isinstance(node, TrueLeaf)
        if isinstance(node, And):
            return all(self.test(child, record, path) for child in node.children)
        if isinstance(node, Or):
            return any(self.test(child, record, path) for child in node.children)
        if isinstance(node, Not):
            result = not self.test(node.child, record, path)
            if result and node.strict and isinstance(node.child, Leaf):
                return get(record, node.child.field.split(".")[0]) is not None
            return result
        return self.leaf(node, record, path)

    def leaf(self, leaf: Leaf, record: Mapping[str, Any], path: str) -> bool:
        name, _, rest = leaf.field.partition(".")
        value = get(record, name)
        here = f"{path}.{name}" if path else name
        op, operand = leaf.operator, leaf.value
        if rest:
            sub = Leaf(rest, op, operand)
            return any(self.test(sub, target, here) for target in self.targets(value, here))
        if is_many(value):
            return self.many(value, op, operand, here)
        if op == "any" and name == "id":
            return self.test(operand, record, path)
        if op == "any":
            return any(self.test(operand, target, here) for target in self.targets(value, here))
        if op in HIERARCHY and name == "id":
            return self.hierarchy(get(record, "id"), path, op, operand)
        if op in HIERARCHY:
            return any(
                self.hierarchy(t.record_id, here, op, operand) for t in self.targets(value, here)
            )
        return compare(value, op, operand)

    def many(self, value: Any, op: str, operand: Any, here: str) -> bool:
        members = set(value)
        if op == "=?":
            return not members
        if op in ("=", "!=") and (operand is False or operand is None):
            return (not members) if op == "=" else bool(members)
        if op in ("=", "!="):
            return (operand in members) == (op == "=")
        if op in ("in", "not in"):
            if any(v is False or v is None for v in operand):
                raise UnsupportedDomain("False inside an 'in' list on a many2many/one2many")
            return bool(members & set(operand)) == (op == "in")
        if op == "any":
            return any(self.test(operand, target, here) for target in self.targets(value, here))
        if op in HIERARCHY:
            return any(
                self.hierarchy(t.record_id, here, op, operand) for t in self.targets(value, here)
            )
        raise UnsupportedDomain(f"the operator '{op}' on a many2many/one2many")

    def targets(self, value: Any, path: str) -> Iterator[_Related]:
        for record_id in value if is_many(value) else () if value is None else (value,):
            if isinstance(record_id, bool) or not isinstance(record_id, int):
                raise UnsupportedDomain(f"{path} does not hold record ids ({record_id!r})")
            if self.exists(path, record_id):
                yield _Related(self.follow, path, record_id)

    def exists(self, path: str, record_id: int) -> bool:
        try:
            self.follow(path, record_id, "id")
        except LookupError:
            return False
        return True

    def ancestors(self, record_id: int, path: str) -> set[int]:
        seen: set[int] = set()
        current: Any = record_id
        while isinstance(current, int) and current not in seen:
            seen.add(current)
            if not self.exists(path, current):
                break
            current = self.follow(path, current, "parent_id")
        return seen

    def hierarchy(self, record_id: int, path: str, op: str, ids: tuple[int, ...]) -> bool:
        if op == "child_of":
            return not self.ancestors(record_id, path).isdisjoint(ids)
        return any(record_id in self.ancestors(i, path) for i in ids)


def get(record: Mapping[str, Any], name: str) -> Any:
    try:
        return record[name]
    except KeyError:
        raise UnsupportedDomain(f"the record has no field {name!r}") from None


def is_many(value: Any) -> bool:
    return isinstance(value, list | tuple | set | frozenset)


def compare(value: Any, op: str, operand: Any) -> bool:
    """One condition on a single-valued field (``value`` None when unset), as Odoo's SQL."""
    boolean = isinstance(value, bool)
    if op == "=?":
        return True
    if op in ("=", "!=") and (operand is False or operand is None):
        is_unset = value is None or (boolean and value is False and operand is False)
        return is_unset if op == "=" else not is_unset
    if op == "=":
        return value is not None and equal(value, operand)
    if op == "!=":
        if value is None:
            return bool(operand)
        return not equal(value, operand)
    if op in ("in", "not in"):
        values = [v for v in operand if v is not False and v is not None]
        with_null = len(values) < len(operand)
        if boolean:
            values, with_null = [b for b in (True, False) if b in operand], False in operand
        if value is None:
            return with_null == (op == "in")
        return any(equal(value, v) for v in values) == (op == "in")
    if op in INEQUALITIES:
        return value is not None and ordered(value, op, operand)
    if op in LIKES:
        if value is None:
            return op in NOT_LIKES or (op in ("like", "ilike") and operand == "")
        pattern = operand if op.startswith("=") else f"%{operand}%"
        matched = like_regex(pattern, "ilike" not in op).fullmatch(text_of(value)) is not None
        return matched != (op in NOT_LIKES)
    raise UnsupportedDomain(f"the operator '{op}' on a single-valued field")


def coerce(value: Any, operand: Any, op: str = "=") -> Any:
    """A text operand compared with a date or datetime, read as Odoo reads it."""
    if not isinstance(operand, str) or not isinstance(value, date):
        return operand
    try:
        if not isinstance(value, datetime):
            return date.fromisoformat(operand[:10])
        if len(operand) == 10:
            at = time(23, 59, 59) if op in (">", "<=") else time.min
            parsed = datetime.combine(date.fromisoformat(operand), at)
        else:
            parsed = datetime.fromisoformat(operand)
    except ValueError:
        raise UnsupportedDomain(f"{operand!r} is not a date") from None
    if value.tzinfo is not None and parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def equal(value: Any, operand: Any) -> bool:
    return bool(value == coerce(value, operand))


def ordered(value: Any, op: str, operand: Any) -> bool:
    other = coerce(value, operand, op)
    try:
        if op == "<":
            return bool(value < other)
        if op == "<=":
            return bool(value <= other)
        if op == ">":
            return bool(value > other)
        return bool(value >= other)
    except TypeError:
        raise UnsupportedDomain(f"cannot compare {value!r} {op} {operand!r}") from None


def text_of(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value.isoformat(sep=" ") if isinstance(value, datetime) else str(value)


@lru_cache(maxsize=512)
def like_regex(pattern: str, case_sensitive: bool) -> re.Pattern[str]:
    """SQL LIKE (``%`` any run, ``_`` one character) as a regular expression."""
    parts = [".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern]
    return re.compile("".join(parts), re.DOTALL | (0 if case_sensitive else re.IGNORECASE))
