"""Odoo domains as record rules write them: read safely, bind to one user, evaluate in Python.

``parse_domain(text)`` reads ``ir.rule.domain_force`` with :mod:`ast`, never ``eval``: literals,
lists and tuples, ``+``, a sign, names, attribute chains and ``time.strftime(format)`` pass, names
stay unresolved. ``bind(parsed, ctx, odoo_major=…)`` resolves what Odoo puts in a rule's
evaluation context (``user``, ``company_id``, ``company_ids``, ``time``) for one user and turns the
prefix list into a normalized tree (:data:`Domain`) whose meaning no longer depends on the Odoo
version: how each version treats ``'!'`` is applied while binding (16 pushes it into the last field
of a path, 17–18 negate the path as ``not any``, 19 takes the complement; 16–18 keep SQL's
three-valued NOT around ``=like``, ``=ilike``, ``child_of``, ``parent_of`` and ``=?``).

What the tree means — :func:`evaluate` here and :func:`.domain_sql.to_sql` implement exactly this:

- ``And``, ``Or``; ``Not(x)`` is the complement of ``x``; ``Not(x, strict=True)`` is also false
  where the first field of the leaf ``x`` is an unset many2one or scalar (SQL's NOT of unknown).
- ``Leaf("a.b", op, v)``: some record reached through ``a`` (a many2one, or a member of a
  many2many/one2many) satisfies ``("b", op, v)``; an unset many2one reaches nothing.
- One field holding ``x`` (None when unset): ``= False`` x unset (boolean: unset or false;
  ``= None`` is only "unset", as Odoo 16–18 read it — 19 reads None as False);
  ``= v`` x == v; ``!= False`` x set (boolean: true); ``!= v`` x set and != v, or unset when v is
  truthy (boolean ``!= True``: unset or false); ``in L`` x among L's values other than
  False/None, or unset when L holds False/None; ``not in L`` the opposite of ``in L`` for a set x,
  unset rows unless L holds False/None; ``< <= > >=`` x set and compares (a 10-character date
  against a datetime reads as that day's start, or its 23:59:59 for ``>`` and ``<=``);
  ``like``/``ilike`` SQL LIKE ``%v%`` (unset too when v is ''); ``not like``/``not ilike`` unset or
  not matching; ``=like``/``=ilike`` LIKE v; ``child_of``/``parent_of`` ids: the record (field
  ``id``) or the many2one's target lies under/over one of the ids (itself included);
  ``any`` D: the many2one's target satisfies D (``id any D`` is D); ``=? False`` (16–18) TRUE.
- A many2many/one2many holding the ids S: ``= False`` S empty; ``!= False`` S not empty;
  ``= v``/``!= v`` v in S or not; ``in L``/``not in L`` S meets L or not; ``=? False`` S empty
  (Odoo 16–18's many2many branch); ``child_of``, ``parent_of``, ``any``: some member qualifies.

Anything else — another operator, a value the ORM would resolve by a name search, a name that is
not in the context — raises :class:`UnsupportedDomain`; the caller denies the rule (fail closed).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NoReturn, TypeAlias

from odoobridge.errors import Unprocessable


class UnsupportedDomain(Unprocessable):
    """A domain uses something this engine cannot evaluate exactly: the rule denies."""

    def __init__(self, reason: str, text: str | None = None) -> None:
        self.reason = reason
        self.text = text
        what = "domain" if text is None else f"record rule domain {excerpt(text)}"
        super().__init__(f"{what} is not supported: {reason} (the rule denies until it changes)")


def excerpt(text: str, width: int = 120) -> str:
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= width else flat[: width - 1] + "…")


@dataclass(frozen=True)
class UserContext:
    """What Odoo puts in a rule's evaluation context for one user, as an API call without
    ``allowed_company_ids`` gets it. ``None`` means "not known": a rule that uses it denies.
    ``group_ids`` are the effective groups (``user.groups_id`` on 16–18, ``all_group_ids`` on 19);
    ``attributes`` answer further ``user.…`` chains by their dotted path, e.g.
    ``{"employee_id.parent_id.id": 7}``."""

    user_id: int
    company_id: int | None
    company_ids: tuple[int, ...]
    partner_id: int | None
    commercial_partner_id: int | None
    now: datetime
    group_ids: tuple[int, ...] | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict, hash=False)


# -- the normalized tree ------------------------------------------------------------------------


@dataclass(frozen=True)
class TrueLeaf:
    pass


@dataclass(frozen=True)
class FalseLeaf:
    pass


@dataclass(frozen=True)
class And:
    children: tuple[Domain, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Domain, ...]


@dataclass(frozen=True)
class Not:
    child: Domain
    strict: bool = False


@dataclass(frozen=True)
class Leaf:
    field: str
    operator: str
    value: Any


Domain: TypeAlias = And | Or | Not | Leaf | TrueLeaf | FalseLeaf
TRUE = TrueLeaf()
FALSE = FalseLeaf()

INEQUALITIES = frozenset({"<", "<=", ">", ">="})
LIKES = frozenset({"like", "not like", "ilike", "not ilike", "=like", "=ilike"})
NOT_LIKES = frozenset({"not like", "not ilike"})
HIERARCHY = frozenset({"child_of", "parent_of"})
LEAF_OPERATORS = frozenset({"=", "!=", "in", "not in", "any", *INEQUALITIES, *LIKES, *HIERARCHY})
_ODOO_OPERATORS = LEAF_OPERATORS | {"<>", "=?", "not any"}
_NEGATE_16 = {
    "<": ">=",
    ">": "<=",
    "<=": ">",
    ">=": "<",
    "=": "!=",
    "!=": "=",
    "in": "not in",
    "not in": "in",
    "like": "not like",
    "ilike": "not ilike",
    "not like": "like",
    "not ilike": "ilike",
}
_NEGATE_17 = {**_NEGATE_16, "any": "not any", "not any": "any"}


def conjunction(items: Iterator[Domain] | list[Domain] | tuple[Domain, ...]) -> Domain:
    """AND of the items, flattened, with TRUE dropped and FALSE absorbing."""
    flat: list[Domain] = []
    for item in items:
        if isinstance(item, FalseLeaf):
            return FALSE
        if isinstance(item, And):
            flat.extend(item.children)
        elif not isinstance(item, TrueLeaf):
            flat.append(item)
    return TRUE if not flat else flat[0] if len(flat) == 1 else And(tuple(flat))


def disjunction(items: Iterator[Domain] | list[Domain] | tuple[Domain, ...]) -> Domain:
    """OR of the items, flattened, with FALSE dropped and TRUE absorbing."""
    flat: list[Domain] = []
    for item in items:
        if isinstance(item, TrueLeaf):
            return TRUE
        if isinstance(item, Or):
            flat.extend(item.children)
        elif not isinstance(item, FalseLeaf):
            flat.append(item)
    return FALSE if not flat else flat[0] if len(flat) == 1 else Or(tuple(flat))


def negation(node: Domain, strict: bool = False) -> Domain:
    if isinstance(node, TrueLeaf):
        return FALSE
    if isinstance(node, FalseLeaf):
        return TRUE
    if isinstance(node, Not) and not node.strict and not strict:
        return node.child
    return Not(node, strict)


def render(node: Domain) -> str:
    """A one-line reading of a tree, for messages and tests."""
    if isinstance(node, TrueLeaf | FalseLeaf):
        return "TRUE" if isinstance(node, TrueLeaf) else "FALSE"
    if isinstance(node, And | Or):
        glue = " AND " if isinstance(node, And) else " OR "
        return "(" + glue.join(render(c) for c in node.children) + ")"
    if isinstance(node, Not):
        return ("NOT3 " if node.strict else "NOT ") + render(node.child)
    value = f"[{render(node.value)}]" if node.operator == "any" else repr(node.value)
    return f"{node.field} {node.operator} {value}"


# -- parse --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedDomain:
    text: str
    body: ast.expr
    names: frozenset[str]


_ALLOWED = (
    ast.Expression,
    ast.Constant,
    ast.List,
    ast.Tuple,
    ast.Name,
    ast.Attribute,
    ast.Call,
    ast.BinOp,
    ast.Add,
    ast.UnaryOp,
    ast.USub,
    ast.UAdd,
    ast.Load,
)
_WHAT = {
    ast.ListComp: "a list comprehension",
    ast.GeneratorExp: "a generator",
    ast.Subscript: "indexing",
    ast.Compare: "a comparison",
    ast.BoolOp: "and/or",
    ast.IfExp: "a conditional expression",
    ast.Lambda: "a lambda",
    ast.Dict: "a dict",
    ast.keyword: "a keyword argument",
    ast.Starred: "unpacking",
}
MAX_TEXT = 20_000


def parse_domain(text: str | None) -> ParsedDomain:
    """Read a ``domain_force`` without running it; empty text is Odoo's empty domain (TRUE)."""
    source = (text or "").strip() or "[]"
    if len(source) > MAX_TEXT:
        raise UnsupportedDomain(f"longer than {MAX_TEXT} characters", source)
    try:
        tree = ast.parse(source, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        reason = exc.msg if isinstance(exc, SyntaxError) else type(exc).__name__
        raise UnsupportedDomain(f"not a Python expression ({reason})", source) from None
    names: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED):
            what = _WHAT.get(type(node), f"{type(node).__name__} expressions")
            raise UnsupportedDomain(f"{what} is not supported", source)
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            raise UnsupportedDomain(f"the private attribute {node.attr} is not supported", source)
        elif isinstance(node, ast.Call) and not _is_strftime(node.func):
            raise UnsupportedDomain("the only call supported is time.strftime(format)", source)
        elif isinstance(node, ast.Constant) and not isinstance(
            node.value, str | int | float | bool | type(None)
        ):
            raise UnsupportedDomain(f"the literal {node.value!r} is not supported", source)
    return ParsedDomain(source, tree.body, frozenset(names))


def _is_strftime(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "strftime"
        and isinstance(node.value, ast.Name)
        and node.value.id == "time"
    )


# -- bind ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _User:
    path: tuple[str, ...]


_UNKNOWN = object()  # a context value that was not given
_TIME = object()  # the name ``time``: only ``time.strftime(format)`` may follow
_STRFTIME = object()


def bind(parsed: ParsedDomain, ctx: UserContext, odoo_major: int | None = None) -> Domain:
    """Resolve the names for ``ctx`` and normalize for ``odoo_major`` (None: read as 17–18)."""
    return _Binder(parsed.text, ctx, odoo_major).domain(parsed.body)


class _Binder:
    def __init__(self, text: str, ctx: UserContext, major: int | None) -> None:
        self.text = text
        self.ctx = ctx
        self.major = major
        self.version = 17 if major is None else 16 if major <= 16 else 19 if major >= 19 else 17

    def fail(self, reason: str) -> NoReturn:
        raise UnsupportedDomain(reason, self.text)

    def domain(self, body: ast.expr) -> Domain:
        return self.shape(self.tree(self.value(body)), negate=False)

    # values
    def value(self, node: ast.expr) -> Any:
        result = self.raw(node)
        if isinstance(result, _User):
            return self.user_value(result.path)
        if result is _TIME or result is _STRFTIME:
            self.fail("`time` is only supported as time.strftime(format)")
        return result

    def raw(self, node: ast.expr) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.List | ast.Tuple):
            items = [self.value(e) for e in node.elts]
            return items if isinstance(node, ast.List) else tuple(items)
        if isinstance(node, ast.Name):
            return self.name(node.id)
        if isinstance(node, ast.Attribute):
            base = self.raw(node.value)
            if isinstance(base, _User):
                return _User((*base.path, node.attr))
            if base is _TIME and node.attr == "strftime":
                return _STRFTIME
            self.fail(f"the attribute {node.attr} is not supported here")
        if isinstance(node, ast.Call) and self.raw(node.func) is _STRFTIME:
            if len(node.args) != 1 or node.keywords:
                self.fail("time.strftime takes exactly one format")
            fmt = self.value(node.args[0])
            if not isinstance(fmt, str):
                self.fail("time.strftime needs a text format")
            return self.ctx.now.strftime(fmt)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self.add(self.value(node.left), self.value(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            operand = self.value(node.operand)
            if isinstance(operand, bool) or not isinstance(operand, int | float):
                self.fail(f"a sign in front of {operand!r}")
            return -operand if isinstance(node.op, ast.USub) else operand
        self.fail(f"{type(node).__name__} expressions are not supported")

    def add(self, left: Any, right: Any) -> Any:
        same = (list, tuple, str)
        if any(isinstance(left, t) and isinstance(right, t) for t in same):
            return left + right
        numbers = (int, float)
        if all(isinstance(v, numbers) and not isinstance(v, bool) for v in (left, right)):
            return left + right
        self.fail(f"cannot add {type(left).__name__} and {type(right).__name__}")

    def name(self, name: str) -> Any:
        if name == "user":
            return _User(())
        if name == "company_ids":
            return list(self.ctx.company_ids)
        if name == "company_id":
            return self.known(self.ctx.company_id, "company_id")
        if name == "time":
            if self.version >= 19:
                self.fail("Odoo 19 no longer offers `time` to record rules")
            return _TIME
        self.fail(f"unknown name {name!r}")

    def known(self, value: Any, what: str) -> Any:
        if value is None or value is _UNKNOWN:
            self.fail(f"{what} is not known for Odoo user {self.ctx.user_id}")
        return value

    def user_value(self, path: tuple[str, ...]) -> Any:
        ctx, key = self.ctx, ".".join(path)
        if not path:
            self.fail("`user` is a record, not a value (user.id is its id)")
        groups = "all_group_ids" if self.version >= 19 else "groups_id"
        builtin: dict[str, Any] = {
            "id": ctx.user_id,
            "ids": [ctx.user_id],
            "company_id.id": ctx.company_id,
            "company_ids.ids": list(ctx.company_ids),
            "partner_id.id": ctx.partner_id,
            "commercial_partner_id.id": ctx.commercial_partner_id,
            "partner_id.commercial_partner_id.id": ctx.commercial_partner_id,
            f"{groups}.ids": _UNKNOWN if ctx.group_ids is None else list(ctx.group_ids),
        }
        if key in builtin:
            return self.known(builtin[key], f"user.{key}")
        if key in ctx.attributes:
            value = ctx.attributes[key]
            return list(value) if isinstance(value, list | tuple) else value
        self.fail(f"user.{key} is not supported")

    # structure
    def tree(self, items: Any) -> Any:
        """The prefix list as a nested tuple tree, adjacent terms ANDed (Odoo's normalize)."""
        if not isinstance(items, list | tuple):
            self.fail("a domain is a list of conditions")
        stack: list[Any] = []
        try:
            for item in reversed(items):
                if item == "!" and isinstance(item, str):
                    stack.append(("!", stack.pop()))
                elif item in ("&", "|") and isinstance(item, str):
                    stack.append((item, stack.pop(), stack.pop()))
                elif isinstance(item, list | tuple) and len(item) == 3:
                    stack.append(("leaf", tuple(item)))
                else:
                    self.fail(f"unexpected item {item!r}")
        except IndexError:
            self.fail("an operator lacks its operands")
        return ("&", *reversed(stack)) if len(stack) != 1 else stack[0]

    def shape(self, raw: Any, negate: bool) -> Domain:
        kind = raw[0]
        if kind == "leaf":
            return self.leaf(raw[1], negate)
        if kind == "!":
            return self.shape(raw[1], not negate)
        children = [self.shape(child, negate) for child in raw[1:]]
        return disjunction(children) if (kind == "|") != negate else conjunction(children)

    def leaf(self, item: tuple[Any, Any, Any], negate: bool) -> Domain:
        left, op, right = item
        if item in ((1, "=", 1), (0, "=", 1)):
            node: Domain = TRUE if item[0] == 1 else FALSE
            return negation(node) if negate else node
        if not isinstance(left, str) or not left or not isinstance(op, str):
            self.fail(f"the condition {item!r} does not name a field and an operator")
        op = "!=" if op.lower() == "<>" else op.lower()
        if op not in _ODOO_OPERATORS:
            self.fail(f"the operator {op!r} is not supported")
        if op in ("any", "not any") and self.version == 16:
            self.fail("the operator 'any' arrived in Odoo 17")
        if isinstance(right, bool) and op in ("in", "not in"):
            op = "=" if op == "in" else "!="
        if isinstance(right, list | tuple) and op in ("=", "!="):
            op = "in" if op == "=" else "not in"
        strict = False
        if negate and self.version == 16:
            if op in _NEGATE_16:
                op, negate = _NEGATE_16[op], False
            else:
                strict = True
        elif negate and self.version == 17 and "." not in left:
            if op in _NEGATE_17:
                op, negate = _NEGATE_17[op], False
            else:
                strict = True
        node = self.condition(left, op, right, strict)
        return negation(node, strict) if negate else node

    def condition(self, left: str, op: str, right: Any, strict: bool = False) -> Domain:
        *head, last = left.split(".")
        if not all(head) or not last:
            self.fail(f"the field path {left!r} is malformed")
        node = self.single(last, op, right)
        if not head:
            return node
        prefix = ".".join(head)
        if isinstance(node, FalseLeaf):  # "a IN (nothing)": unknown, not false, on an unset a
            return Leaf(prefix, "any", FALSE) if strict else FALSE
        if isinstance(node, TrueLeaf):
            return Leaf(prefix, "!=", False)
        if isinstance(node, Leaf):
            return Leaf(f"{prefix}.{node.field}", node.operator, node.value)
        return Leaf(prefix, "any", node)

    def single(self, name: str, op: str, right: Any) -> Domain:
        if op == "=?" and self.version >= 19 and not right:
            return TRUE
        if op == "=?" and (right is False or right is None):
            return Leaf(name, "=?", False)  # 16-18: TRUE, but "no members" on a many2many
        if op == "=?":
            op = "in" if isinstance(right, list | tuple) else "="
        if op in ("in", "not in"):
            values = tuple(
                self.scalar(v, listed=True)
                for v in (right if isinstance(right, list | tuple) else [right])
            )
            return Leaf(name, op, values) if values else FALSE if op == "in" else TRUE
        if op in ("=", "!="):
            return Leaf(name, op, self.scalar(right))
        if op in INEQUALITIES:
            value = self.scalar(right)
            if value is None or isinstance(value, bool):
                self.fail(f"comparing {name} {op} {value!r}")
            return Leaf(name, op, value)
        if op in LIKES:
            return self.like(name, op, right)
        if op in HIERARCHY:
            return self.hierarchy(name, op, right)
        if not isinstance(right, list | tuple):
            self.fail(f"'{op}' needs a domain as its value")
        sub = self.shape(self.tree(right), negate=False)
        node = FALSE if isinstance(sub, FalseLeaf) else Leaf(name, "any", sub)
        if isinstance(sub, TrueLeaf):
            node = Leaf(name, "!=", False)
        return node if op == "any" else negation(node)

    def like(self, name: str, op: str, right: Any) -> Domain:
        if not isinstance(right, str):
            self.fail(f"'{op}' needs a text, not {right!r}")
        if "\\" in right:
            self.fail("a backslash in a like pattern is not supported")
        if right == "" and self.version >= 19 and op != "like" and op != "ilike":
            return FALSE if op in NOT_LIKES else Leaf(name, "=", False)
        return Leaf(name, op, right)

    def hierarchy(self, name: str, op: str, right: Any) -> Domain:
        values = right if isinstance(right, list | tuple) else [right]
        ids = []
        for value in values:
            if value is False or value is None or value == 0:
                continue
            if isinstance(value, bool) or not isinstance(value, int):
                self.fail(f"'{op}' by name ({value!r}) needs a name search, not supported")
            ids.append(value)
        return Leaf(name, op, tuple(ids)) if ids else FALSE

    def scalar(self, value: Any, listed: bool = False) -> Any:
        """A literal operand. Odoo 19 reads None as False; 16-18 test None as SQL NULL (no
        boolean special case) and, inside a list, by the field's type: not supported."""
        if value is None and self.version >= 19:
            return False
        if value is None and listed:
            self.fail("None inside an 'in' list (Odoo 16-18 read it by the field's type)")
        if value is None or isinstance(value, bool | int | float | str):
            return value
        self.fail(f"the value {value!r} is not supported here")
