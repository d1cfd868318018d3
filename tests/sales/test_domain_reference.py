"""An independent reference for the domain engine: Odoo's own pipeline replayed step by step.

It works on the raw prefix list (never on :mod:`odoobridge.sales.domain`'s tree) and emulates the
SQL Odoo emits, in SQL's three-valued logic (None is unknown; a row is selected when the WHERE is
TRUE): 16 normalizes and pushes '!' into the terms (``distribute_not``), paths become
``field IN (sub-search)``; 17–18 rewrite paths as ``any`` and negate trees (``_tree_not``); 19
negates with ``IS NOT TRUE``. Leaves follow ``expression.__leaf_to_sql`` (16–18) and the many2many
branch of ``expression.parse``. The small schema is shared with the property tests.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

# -- the schema ---------------------------------------------------------------------------------
# kind per field: text, bool, int, m2o:<model>, m2m:<model>; hierarchy: "path" or "parent"
SCHEMA: dict[str, dict[str, str]] = {
    "lead": {"name": "text", "active": "bool", "amount": "int", "day": "date",
             "moment": "datetime", "user_id": "m2o:",
             "company_id": "m2o:company", "partner_id": "m2o:partner", "tag_ids": "m2m:tag"},
    "partner": {"name": "text", "company_id": "m2o:company", "parent_id": "m2o:partner"},
    "company": {"parent_id": "m2o:company"},
    "tag": {"name": "text"},
}  # fmt: skip
HIERARCHY = {"partner": "path", "company": "parent"}
NEG16 = {"<": ">=", ">": "<=", "<=": ">", ">=": "<", "=": "!=", "!=": "=", "in": "not in",
         "not in": "in", "like": "not like", "ilike": "not ilike", "not like": "like",
         "not ilike": "ilike"}  # fmt: skip
NEG17 = {**NEG16, "any": "not any", "not any": "any"}
NEGATIVE = ("!=", "not like", "not ilike", "not in")


def kind(model: str, name: str) -> str:
    return "id" if name == "id" else SCHEMA[model][name]


def comodel(model: str, name: str) -> str:
    return kind(model, name).split(":")[1]


# -- three-valued logic -------------------------------------------------------------------------
def and3(a: bool | None, b: bool | None) -> bool | None:
    return False if a is False or b is False else None if a is None or b is None else True


def or3(a: bool | None, b: bool | None) -> bool | None:
    return True if a is True or b is True else None if a is None or b is None else False


def not3(a: bool | None) -> bool | None:
    return None if a is None else not a


def like(text: str, pattern: str, case: bool) -> bool:
    """SQL LIKE by dynamic programming (no regular expression, unlike the engine)."""
    if not case:
        text, pattern = text.lower(), pattern.lower()
    reach = {0}
    for p in pattern:
        nxt: set[int] = set()
        for i in reach:
            if p == "%":
                nxt.update(range(i, len(text) + 1))
            elif i < len(text) and (p == "_" or text[i] == p):
                nxt.add(i + 1)
        reach = nxt
    return len(text) in reach


# -- Odoo's pipeline ----------------------------------------------------------------------------
class Reference:
    def __init__(self, data: dict[str, dict[int, dict[str, Any]]], version: int) -> None:
        self.data, self.version = data, version

    def search(self, model: str, domain: list[Any]) -> set[int]:
        return {i for i, row in self.data[model].items() if self.where(model, domain, row) is True}

    def where(self, model: str, domain: list[Any], row: dict[str, Any]) -> bool | None:
        tokens = normalize(domain)
        if self.version == 16:
            tokens = distribute_not(tokens)
            return self.prefix(model, tokens, row)
        return self.tree(model, to_tree(anyfy(tokens) if self.version == 17 else tokens), row)

    def prefix(self, model: str, tokens: list[Any], row: dict[str, Any]) -> bool | None:
        stack: list[bool | None] = []
        for token in reversed(tokens):
            if token == "!":
                stack.append(not3(stack.pop()))
            elif token in ("&", "|"):
                a, b = stack.pop(), stack.pop()
                stack.append(and3(a, b) if token == "&" else or3(a, b))
            else:
                stack.append(self.leaf(model, token, row))
        return stack.pop()

    def tree(self, model: str, node: Any, row: dict[str, Any], negate: bool = False) -> Any:
        op = node[0]
        if op in ("&", "|"):
            parts = [self.tree(model, child, row, negate) for child in node[1:]]
            use_and = (op == "&") != (negate and self.version == 17)
            result = parts[0]
            for part in parts[1:]:
                result = and3(result, part) if use_and else or3(result, part)
            return result
        if op == "!":
            if self.version == 19:  # NOT ... IS NOT TRUE
                return self.tree(model, node[1], row) is not True
            return self.tree(model, node[1], row, not negate)
        leaf = node[1]
        if not negate:
            return self.leaf(model, leaf, row)
        if leaf in ((1, "=", 1), (0, "=", 1)):
            return not self.leaf(model, leaf, row)
        if leaf[1] in NEG17:  # 17-18 only: 19 never negates a leaf here
            return self.leaf(model, (leaf[0], NEG17[leaf[1]], leaf[2]), row)
        return not3(self.leaf(model, leaf, row))

    def leaf(self, model: str, leaf: Any, row: dict[str, Any]) -> bool | None:
        left, op, right = leaf
        if (left, op, right) in ((1, "=", 1), (0, "=", 1)):
            return left == 1
        if right is None and self.version == 19:  # DomainCondition.checked()
            right = False
        if isinstance(right, bool) and op in ("in", "not in"):
            op = "=" if op == "in" else "!="
        if isinstance(right, list | tuple) and op in ("=", "!="):
            op = "in" if op == "=" else "not in"
        name, _, rest = left.partition(".")
        k = kind(model, name)
        if rest:  # 16: field IN (search on the comodel); 17+ never gets here (anyfied)
            ids = self.search(comodel(model, name), [(rest, op, right)])
            return self.member(model, name, row, ids)
        if op in ("any", "not any"):
            ids = self.search(comodel(model, name), right)
            hit = self.member(model, name, row, ids)
            if k.startswith("m2m"):
                return hit if op == "any" else not hit
            value = row[name]
            return hit if op == "any" else (True if value is None else value not in ids)
        if op in ("child_of", "parent_of"):
            if not [v for v in (right if isinstance(right, list | tuple) else [right]) if v]:
                return False  # child_of_domain: no ids, FALSE_LEAF
            target = model if name == "id" else comodel(model, name)
            ids = self.hierarchy(target, op, right)
            return self.member(model, name, row, ids)
        if op == "=?" and self.version == 19:
            if not right:
                return True
            op = "="
        if op in ("not like", "not ilike", "=like", "=ilike") and not right and self.version == 19:
            return False if op.startswith("not") else row[name] is None
        if k.startswith("m2m"):
            return self.many(model, name, op, right, row)
        if k in ("date", "datetime"):
            right = cast_time(k, op, right)
        return self.single(row[name], op, right, k == "bool")

    def member(self, model: str, name: str, row: dict[str, Any], ids: set[int]) -> bool | None:
        if kind(model, name).startswith("m2m"):
            return bool(set(row[name]) & ids)
        value = row["id"] if name == "id" else row[name]
        return None if value is None else value in ids

    def hierarchy(self, model: str, op: str, right: Any) -> set[int]:
        ids = [v for v in (right if isinstance(right, list | tuple) else [right]) if v]
        rows = self.data[model]
        if HIERARCHY[model] == "path":  # parent_path =like / the labels of parent_path
            ids = [i for i in ids if i in rows]
            if op == "child_of":
                prefixes = [rows[i]["parent_path"] for i in ids]
                return {
                    j
                    for j, r in rows.items()
                    if any(r["parent_path"].startswith(p) for p in prefixes)
                }
            return {int(x) for i in ids for x in rows[i]["parent_path"].split("/")[:-1]}
        found = set(ids)
        frontier = set(ids)
        while frontier:  # the ORM's loop over _parent_name
            if op == "child_of":
                frontier = {j for j, r in rows.items() if r["parent_id"] in frontier} - found
            else:
                frontier = {rows[i]["parent_id"] for i in frontier if i in rows} - {None} - found
            found |= frontier
        return found

    def many(self, model: str, name: str, op: str, right: Any, row: dict[str, Any]) -> bool:
        members = set(row[name])
        if right is False:  # the "right is False" branch: with / without relations
            return bool(members) if op in NEGATIVE else not members
        ids = right if isinstance(right, list | tuple) else [right]
        exists = bool(members & {i for i in ids if i})
        return not exists if op in NEGATIVE else exists

    def single(self, x: Any, op: str, right: Any, boolean: bool) -> bool | None:
        """``__leaf_to_sql`` of Odoo 16-18, line by line."""
        if op in ("in", "not in"):
            if boolean:
                params = [it for it in (True, False) if it in right]
                check_null = False in right
            else:
                params = [it for it in right if it is not False and it is not None]
                check_null = len(params) < len(right)
            query: bool | None = op != "in"  # IN () / NOT IN ()
            if params:
                query = None if x is None else (x in params) == (op == "in")
            if (op == "in" and check_null) or (op == "not in" and not check_null):
                query = or3(query, x is None)
            elif op == "not in" and check_null:
                query = and3(query, x is not None)
            return query
        if boolean and ((op == "=" and right is False) or (op == "!=" and right is True)):
            return x is None or x is False
        if (right is False or right is None) and op == "=":
            return x is None
        if boolean and op == "!=" and right is False:
            return x is not None and x is not False
        if (right is False or right is None) and op == "!=":
            return x is not None
        if op == "=?":
            return True if right is False or right is None else self.single(x, "=", right, boolean)
        wildcard = op in ("like", "ilike", "not like", "not ilike")
        if x is None:
            query = None
        elif op.endswith("like"):
            pattern = f"%{right}%" if wildcard else right
            query = like(str(x), pattern, "ilike" not in op) != op.startswith("not")
        else:
            query = {"=": x == right, "!=": x != right, "<": x < right, "<=": x <= right,
                     ">": x > right, ">=": x >= right}[op]  # fmt: skip
        if (wildcard and not right) or (right and op in NEGATIVE):
            query = or3(query, x is None)
        return query


def cast_time(kind: str, op: str, right: Any) -> Any:
    """What becomes of a text compared with a date (PostgreSQL's cast) or a datetime (16's
    parse: a bare day gets ' 23:59:59' for '>' and '<=', else ' 00:00:00')."""
    if isinstance(right, list | tuple):
        return [cast_time(kind, "in", v) for v in right]
    if not isinstance(right, str):
        return right
    if kind == "date":
        return date.fromisoformat(right[:10])
    if len(right) == 10 and op not in ("in", "not in"):
        right += " 23:59:59" if op in (">", "<=") else " 00:00:00"
    return datetime.fromisoformat(right)


def normalize(domain: list[Any]) -> list[Any]:
    """``normalize_domain``: explicit '&' for adjacent terms."""
    if not domain:
        return [(1, "=", 1)]
    result: list[Any] = []
    expected = 1
    for token in domain:
        if expected == 0:
            result[0:0] = ["&"]
            expected = 1
        if isinstance(token, list | tuple):
            expected -= 1
            token = tuple(token)
        else:
            expected += {"!": 1, "&": 2, "|": 2}[token] - 1
        result.append(token)
    assert expected == 0
    return result


def distribute_not(tokens: list[Any]) -> list[Any]:
    """Odoo 16's ``distribute_not``."""
    result: list[Any] = []
    stack = [False]
    for token in tokens:
        negate = stack.pop()
        if isinstance(token, tuple):
            if not negate:
                result.append(token)
            elif token in ((1, "=", 1), (0, "=", 1)):
                result.append((0, "=", 1) if token == (1, "=", 1) else (1, "=", 1))
            elif token[1] in NEG16:
                result.append((token[0], NEG16[token[1]], token[2]))
            else:
                result += ["!", token]
        elif token == "!":
            stack.append(not negate)
        else:
            result.append({"&": "|", "|": "&"}[token] if negate else token)
            stack += [negate, negate]
    return result


def anyfy(tokens: list[Any]) -> list[Any]:
    """17's ``_anyfy_leaves``: a path becomes nested ``any``."""
    out: list[Any] = []
    for token in tokens:
        if isinstance(token, tuple) and isinstance(token[0], str) and "." in token[0]:
            head, rest = token[0].split(".", 1)
            out.append((head, "any", anyfy([(rest, token[1], token[2])])))
        elif isinstance(token, tuple) and token[1] in ("any", "not any"):
            out.append((token[0], token[1], anyfy(normalize(list(token[2])))))
        else:
            out.append(token)
    return out


def to_tree(tokens: list[Any]) -> Any:
    stack: list[Any] = []
    for token in reversed(tokens):
        if token == "!":
            stack.append(("!", stack.pop()))
        elif token in ("&", "|"):
            stack.append((token, stack.pop(), stack.pop()))
        else:
            stack.append(("leaf", token))
    return stack.pop()


# -- the reference reads Odoo as Odoo's own tests describe it --------------------------------
ROWS = {
    "lead": {1: {"id": 1, "name": "Deal", "active": True, "amount": 5, "user_id": 6,
                 "day": date(2026, 12, 2), "moment": datetime(2026, 12, 2, 23, 0),
                 "company_id": 1, "partner_id": None, "tag_ids": (1,)},
             2: {"id": 2, "name": None, "active": None, "amount": None, "user_id": None,
                 "day": None, "moment": None,
                 "company_id": None, "partner_id": None, "tag_ids": ()}},
    "partner": {}, "company": {1: {"id": 1, "parent_id": None}}, "tag": {1: {"id": 1, "name": "hot"}},
}  # fmt: skip


def ids(version: int, domain: list[Any]) -> set[int]:
    return Reference(ROWS, version).search("lead", domain)


def test_negative_operators_keep_unset_rows_as_odoo_does() -> None:
    assert ids(16, [("user_id", "!=", 6)]) == {2}
    assert ids(16, [("user_id", "not in", [6])]) == {2}
    assert ids(16, [("user_id", "not in", [6, False])]) == set()
    assert ids(16, [("user_id", "in", [6, False])]) == {1, 2}
    assert ids(16, [("name", "not ilike", "x")]) == {1, 2}


def test_negation_of_an_inequality_drops_unset_rows_before_19_only() -> None:
    assert ids(16, ["!", ("amount", "<", 3)]) == {1}
    assert ids(17, ["!", ("amount", "<", 3)]) == {1}
    assert ids(19, ["!", ("amount", "<", 3)]) == {1, 2}


def test_negated_path_differs_between_16_and_17() -> None:
    assert ids(16, ["!", ("company_id.parent_id", "=", False)]) == set()
    assert ids(17, ["!", ("company_id.parent_id", "=", False)]) == {2}


def test_booleans_and_many2many() -> None:
    assert ids(16, [("active", "=", False)]) == {2}
    assert ids(16, [("tag_ids", "=", False)]) == {2}
    assert ids(16, [("tag_ids", "not in", [1])]) == {2}
    assert ids(16, [("tag_ids", "=?", False)]) == {2}  # the many2many branch has no '=?'
    assert ids(19, [("tag_ids", "=?", False)]) == {1, 2}


def test_a_bare_day_against_a_datetime_covers_the_whole_day() -> None:
    assert ids(16, [("moment", "<=", "2026-12-02")]) == {1}
    assert ids(16, [("moment", "<", "2026-12-02")]) == set()
    assert ids(16, [("day", "=", "2026-12-02")]) == {1}
