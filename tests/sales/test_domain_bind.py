"""Reading and binding a rule's domain: what passes, what each Odoo version makes of '!', and
every way a domain is refused (it then denies)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from odoobridge.sales.domain import UnsupportedDomain, UserContext, bind, parse_domain, render

CTX = UserContext(6, 1, (1, 2), 7, 8, datetime(2026, 12, 2, 9, 30, tzinfo=UTC))


def read(text: str, version: int | None = 18, ctx: UserContext = CTX) -> str:
    return render(bind(parse_domain(text), ctx, version))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "TRUE"),
        ("[]", "TRUE"),
        ("[(1, '=', 1)]", "TRUE"),
        ("[(0, '=', 1)]", "FALSE"),
        ("['!', (0, '=', 1)]", "TRUE"),
        ("[('a', '=', 1), ('b', '=', 2)]", "(a = 1 AND b = 2)"),
        ("['|', ('a', '=', 1), ('b', '=', 2), ('c', '=', 3)]", "((a = 1 OR b = 2) AND c = 3)"),
        ("[('company_id', 'in', company_ids + [False])]", "company_id in (1, 2, False)"),
        ("[('company_id', '=', company_id)]", "company_id = 1"),
        ("[('user_id', 'in', (False, user.id))]", "user_id in (False, 6)"),
        ("[('id', 'in', user.ids)]", "id in (6,)"),
        ("[('company_id', 'in', user.company_ids.ids)]", "company_id in (1, 2)"),
        ("[('company_id', '=', user.company_id.id)]", "company_id = 1"),
        ("[('partner_id', '=', user.partner_id.id)]", "partner_id = 7"),
        ("[('id', 'child_of', user.partner_id.commercial_partner_id.id)]", "id child_of (8,)"),
        ("[('partner_ids', 'in', user.partner_id.id)]", "partner_ids in (7,)"),
        ("[('date', '<=', time.strftime('%Y-%m-%d'))]", "date <= '2026-12-02'"),
        ("[('amount', '>', -1)]", "amount > -1"),
        ("[('amount', '>', 1 + 0.5)]", "amount > 1.5"),
        ("[('name', 'ilike', 'a' + 'b')]", "name ilike 'ab'"),
        ("[('a', 'in', True)]", "a = True"),
        ("[('a', '=', [1, 2])]", "a in (1, 2)"),
        ("[('a', '!=', (1,))]", "a not in (1,)"),
        ("[('a', '<>', 1)]", "a != 1"),
        ("[('a', 'IN', [1])]", "a in (1,)"),
        ("[('a', 'in', [])]", "FALSE"),
        ("[('a', 'not in', [])]", "TRUE"),
        ("[('a', 'child_of', [])]", "FALSE"),
        ("[('a', 'child_of', [False, 3])]", "a child_of (3,)"),
        ("[('a', '=?', 5)]", "a = 5"),
        ("[('a', '=?', [5])]", "a in (5,)"),
        ("[('a.b.c', '=', 1)]", "a.b.c = 1"),
        ("[('a.b', 'in', [])]", "FALSE"),
        ("[('a.b', 'not in', [])]", "a != False"),
        ("[('a', 'any', [])]", "a != False"),
        ("[('a', 'any', [(0, '=', 1)])]", "FALSE"),
        ("[('a', 'not any', [(0, '=', 1)])]", "TRUE"),
    ],
)
def test_reads(text: str, expected: str) -> None:
    assert read(text) == expected


@pytest.mark.parametrize(
    ("text", "v16", "v18", "v19"),
    [
        ("['!', ('a', '=', 1)]", "a != 1", "a != 1", "NOT a = 1"),
        ("['!', ('a', '<', 1)]", "a >= 1", "a >= 1", "NOT a < 1"),
        ("['!', ('a.b', '=', 1)]", "a.b != 1", "NOT a.b = 1", "NOT a.b = 1"),
        ("['!', ('a', '=like', 'x')]", "NOT3 a =like 'x'", "NOT3 a =like 'x'", "NOT a =like 'x'"),
        ("['!', ('a', 'child_of', [3])]", "NOT3 a child_of (3,)", "NOT3 a child_of (3,)",
         "NOT a child_of (3,)"),
        ("['!', ('a.b', 'child_of', [])]", "NOT3 a any [FALSE]", "TRUE", "TRUE"),
        ("['!', ('a', '=?', 4)]", "NOT3 a = 4", "NOT3 a = 4", "NOT a = 4"),
        ("[('a', '=?', False)]", "a =? False", "a =? False", "TRUE"),
        ("[('a', '=?', 0)]", "a = 0", "a = 0", "TRUE"),
        ("[('a.b', '=?', False)]", "a.b =? False", "a.b =? False", "a != False"),
        ("['!', '|', ('a', '=', 1), ('b', 'in', [2])]", "(a != 1 AND b not in (2,))",
         "(a != 1 AND b not in (2,))", "(NOT a = 1 AND NOT b in (2,))"),
        ("[('a', '=', None)]", "a = None", "a = None", "a = False"),
        ("[('a', 'not like', '')]", "a not like ''", "a not like ''", "FALSE"),
        ("[('a', '=ilike', '')]", "a =ilike ''", "a =ilike ''", "a = False"),
    ],
)  # fmt: skip
def test_each_version_reads_negation_and_empty_values_its_own_way(
    text: str, v16: str, v18: str, v19: str
) -> None:
    assert (read(text, 16), read(text, 18), read(text, 19)) == (v16, v18, v19)


def test_any_after_16() -> None:
    assert read("['!', ('a', 'any', [('b', '=', 1)])]", 17) == "NOT a any [b = 1]"
    assert read("[('a', 'not any', [('b', '=', 1)])]", 19) == "NOT a any [b = 1]"
    with pytest.raises(UnsupportedDomain, match="'any' arrived in Odoo 17"):
        read("[('a', 'any', [('b', '=', 1)])]", 16)


def test_unknown_version_reads_as_17_and_18() -> None:
    assert read("['!', ('a.b', '=', 1)]", None) == "NOT a.b = 1"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[('a', '=', 1)", "not a Python expression"),
        ("[x for x in user.groups_id]", "a list comprehension is not supported"),
        ("{'a': 1}", "a dict is not supported"),
        ("[('a', '=', user.__class__)]", "the private attribute __class__ is not supported"),
        ("__import__('os').system('true')", "the only call supported is time.strftime"),
        ("[('d', '<', time.time())]", "the only call supported is time.strftime"),
        ("[('a', '=', b'x')]", "the literal b'x' is not supported"),
        ("[('a', '=', 1) if user else 0]", "a conditional expression is not supported"),
        ("[('a', '=', user.id == 1)]", "a comparison is not supported"),
        ("[('a', '=', " + "1 + " * 7000 + "1)]", "longer than 20000 characters"),
    ],
)
def test_parse_refuses_what_is_not_a_literal_domain(text: str, reason: str) -> None:
    with pytest.raises(UnsupportedDomain, match=reason.replace("(", r"\(").replace(".", r"\.")):
        parse_domain(text)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[('user_id', '=', uid)]", "unknown name 'uid'"),
        ("[('a', '=', user.login)]", "user.login is not supported"),
        ("[('a', '=', user)]", "`user` is a record, not a value"),
        ("[('d', '<', time)]", "`time` is only supported as time.strftime"),
        ("[('d', '<', time.strftime('%Y', 2))]", "time.strftime takes exactly one format"),
        ("[('d', '<', time.strftime(1))]", "time.strftime needs a text format"),
        ("[('a', '=', company_ids.ids)]", "the attribute ids is not supported here"),
        ("[('a', 'in', [1] + (2,))]", "cannot add list and tuple"),
        ("[('a', '=', -'x')]", "a sign in front of 'x'"),
        ("[('a', '=', -True)]", "a sign in front of True"),
        ("('a', '=', 1)", "unexpected item 1"),
        ("'abc'", "a domain is a list of conditions"),
        ("[('a', '=')]", r"unexpected item \('a', '='\)"),
        ("['|', ('a', '=', 1)]", "an operator lacks its operands"),
        ("['^', ('a', '=', 1)]", "unexpected item '\\^'"),
        ("[(5, '=', 1)]", "does not name a field and an operator"),
        ("[('a', 'between', 1)]", "the operator 'between' is not supported"),
        ("[('a..b', '=', 1)]", "the field path 'a..b' is malformed"),
        ("[('a', '<', False)]", "comparing a < False"),
        ("[('a', 'like', 3)]", "'like' needs a text, not 3"),
        ("[('a', 'like', 'x\\\\y')]", "a backslash in a like pattern"),
        ("[('a', 'child_of', 'Azure')]", "needs a name search"),
        ("[('a', 'any', 3)]", "'any' needs a domain as its value"),
        ("[('a', '=', [[1]])]", r"the value \[1\] is not supported here"),
        ("[('a', 'in', [None])]", "None inside an 'in' list"),
    ],
)
def test_bind_refuses_what_it_cannot_evaluate_exactly(text: str, reason: str) -> None:
    with pytest.raises(UnsupportedDomain, match=reason) as caught:
        read(text)
    assert caught.value.reason and caught.value.text == text.strip()


def test_unknown_values_of_the_context_deny() -> None:
    blank = UserContext(6, None, (), None, None, CTX.now)
    for text in ("[('a', '=', company_id)]", "[('a', '=', user.company_id.id)]",
                 "[('a', '=', user.partner_id.id)]"):  # fmt: skip
        with pytest.raises(UnsupportedDomain, match="is not known for Odoo user 6"):
            read(text, ctx=blank)
    assert read("[('a', 'in', company_ids)]", ctx=blank) == "FALSE"


def test_attributes_answer_further_user_chains() -> None:
    ctx = UserContext(6, 1, (1,), 7, 7, CTX.now, attributes={"employee_ids.ids": (3, 4)})
    assert read("[('id', 'in', user.employee_ids.ids)]", ctx=ctx) == "id in (3, 4)"


def test_time_is_gone_in_19() -> None:
    with pytest.raises(UnsupportedDomain, match="Odoo 19 no longer offers `time`"):
        read("[('d', '<', time.strftime('%Y-%m-%d'))]", 19)
