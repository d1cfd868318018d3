"""Every record rule shipped in the three real fixtures (``ir_rule.domain_force``) is read and
bound, or refused with the reason listed here; the sales rules bind to the expected trees."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from odoobridge.sales.domain import (
    LEAF_OPERATORS,
    And,
    Domain,
    Leaf,
    Not,
    Or,
    UnsupportedDomain,
    UserContext,
    bind,
    parse_domain,
    render,
)
from tests import pg


@dataclass(frozen=True)
class FixtureRule:
    id: int
    model: str
    name: str
    domain: str
    groups: frozenset[int]


def copy_rows(text: str, table: str) -> list[dict[str, str | None]]:
    """The rows of one ``COPY … FROM stdin`` block of a pg_dump, unescaped."""
    head = f"COPY public.{table} ("
    start = text.index(head)
    columns = [
        c.strip().strip('"') for c in text[start + len(head) : text.index(")", start)].split(",")
    ]
    body = text[text.index("\n", start) + 1 : text.index("\n\\.\n", start)]
    unescape = {"n": "\n", "t": "\t", "\\": "\\", "r": "\r"}
    rows = []
    for line in body.split("\n"):
        values: list[str | None] = []
        for raw in line.split("\t"):
            if raw == "\\N":
                values.append(None)
                continue
            out, i = [], 0
            while i < len(raw):
                if raw[i] == "\\" and i + 1 < len(raw):
                    out.append(unescape.get(raw[i + 1], raw[i + 1]))
                    i += 2
                else:
                    out.append(raw[i])
                    i += 1
            values.append("".join(out))
        rows.append(dict(zip(columns, values, strict=True)))
    return rows


def fixture_rules(version: int) -> list[FixtureRule]:
    text = (pg.FIXTURES / f"odoo{version}_demo.sql").read_text(encoding="utf-8")
    models = {r["id"]: r["model"] for r in copy_rows(text, "ir_model")}
    groups: defaultdict[str, set[int]] = defaultdict(set)
    for link in copy_rows(text, "rule_group_rel"):
        groups[str(link["rule_group_id"])].add(int(str(link["group_id"])))
    return [
        FixtureRule(
            int(str(r["id"])),
            str(models[r["model_id"]]),
            str(r["name"]),
            str(r["domain_force"] or ""),
            frozenset(groups[str(r["id"])]),
        )
        for r in copy_rows(text, "ir_rule")
    ]


# demo in each fixture: user 6 (5 on 19), partner 7 (6), company 1 of (1, 2); on 18 the employee
# 3 under 1 (hr_employee); groups are not used by the sales rules, any tuple will do
DEMO = {16: (6, 7), 18: (6, 7), 19: (5, 6)}


def demo(version: int, **extra: object) -> UserContext:
    user, partner = DEMO[version]
    attributes = {"employee_id.id": 3, "employee_id.parent_id.id": 1} if version == 18 else {}
    return UserContext(user, 1, (1, 2), partner, partner, datetime(2026, 12, 2, tzinfo=UTC),
                       group_ids=(1, 2), attributes=attributes, **extra)  # type: ignore[arg-type]  # fmt: skip


UNSUPPORTED = {
    16: [("Mail.channel: access only public and joined groups", "a list comprehension is not supported"),
         ("mail.channel.member: write its own entries", "a list comprehension is not supported")],
    18: [("HR Contract Type: Multi Company", "user.env.companies.country_id.ids is not supported")],
    19: [],
}  # fmt: skip
COUNTS = {16: 190, 18: 235, 19: 149}


def operators(node: Domain) -> set[str]:
    if isinstance(node, And | Or):
        return set().union(*(operators(c) for c in node.children))
    if isinstance(node, Not):
        return operators(node.child)
    if isinstance(node, Leaf):
        inner = operators(node.value) if node.operator == "any" else set()
        return {node.operator} | inner
    return set()


@pytest.mark.parametrize("version", [16, 18, 19])
def test_every_fixture_rule_binds_or_is_refused_with_its_reason(version: int) -> None:
    rules = fixture_rules(version)
    assert len(rules) == COUNTS[version]
    refused, used = [], set()
    for rule in rules:
        try:
            tree = bind(parse_domain(rule.domain), demo(version), version)
        except UnsupportedDomain as exc:
            refused.append((rule.name, exc.reason))
            assert exc.status == 422 and exc.text is not None
            assert "\n" not in exc.message and " ".join(rule.domain.split())[:20] in exc.message
            continue
        used |= operators(tree)
    assert refused == UNSUPPORTED[version]
    assert used <= LEAF_OPERATORS
    assert {"=", "!=", "in", "not in", "child_of"} <= used
    assert ("parent_of" in used) == (version >= 18)  # 16 writes company rules with 'in'
    assert ("any" in used) == (version >= 18)


def rule_named(version: int, model: str, name: str) -> FixtureRule:
    [rule] = [r for r in fixture_rules(version) if r.model == model and r.name == name]
    return rule


@pytest.mark.parametrize(
    ("model", "name", "expected"),
    [
        ("crm.lead", "Personal Leads", "(user_id = 6 OR user_id = False)"),
        ("crm.lead", "All Leads", "TRUE"),
        ("crm.lead", "CRM Lead Multi-Company", "company_id in (1, 2, False)"),
        ("sale.order", "Sales Order multi-company", "company_id in (1, 2)"),
        ("account.move", "Personal Invoices",
         "(move_type in ('out_invoice', 'out_refund') AND (invoice_user_id = 6 OR invoice_user_id = False))"),
        ("account.move.line", "Portal Invoice Lines",
         "(parent_state not in ('cancel', 'draft') AND move_id.move_type in ('out_invoice', 'out_refund', "
         "'in_invoice', 'in_refund') AND move_id.message_partner_ids child_of (7,))"),
        ("res.partner", "res.partner company",
         "(partner_share = False OR company_id parent_of (1, 2) OR company_id = False)"),
        ("res.partner", "res_partner: portal/public: read access on my commercial partner", "id child_of (7,)"),
        ("hr.employee", "Employee multi company rule",
         "(company_id in (1, 2, False) OR parent_id.user_id = 6 OR id = 1 OR user_id = 6)"),
        ("calendar.event", "Private events",
         "(privacy != 'private' OR (privacy = 'private' AND (user_id = 6 OR partner_ids in (7,))))"),
    ],
)  # fmt: skip
def test_sales_rules_bind_to_what_odoo_18_means(model: str, name: str, expected: str) -> None:
    assert render(bind(parse_domain(rule_named(18, model, name).domain), demo(18), 18)) == expected


def test_project_rules_with_any_bind_on_19() -> None:
    rule = next(r for r in fixture_rules(19) if "collaborator_ids', 'any'" in r.domain)
    tree = render(bind(parse_domain(rule.domain), demo(19), 19))
    assert "project_id.collaborator_ids any [(partner_id = 6 AND limited_access = False)]" in tree


def test_a_rule_needing_what_the_context_lacks_denies() -> None:
    rule = rule_named(
        18, "res.partner", "res_partner: portal/public: read access on my commercial partner"
    )
    unknown = UserContext(6, 1, (1, 2), 7, None, datetime(2026, 12, 2, tzinfo=UTC))
    with pytest.raises(
        UnsupportedDomain, match=r"user\.commercial_partner_id\.id is not known for Odoo user 6"
    ):
        bind(parse_domain(rule.domain), unknown, 18)
    employee = rule_named(18, "hr.employee", "Employee multi company rule")
    with pytest.raises(
        UnsupportedDomain, match=r"user\.employee_id\.parent_id\.id is not supported"
    ):
        bind(parse_domain(employee.domain), unknown, 18)


def test_groups_are_named_per_version() -> None:
    rule16 = next(r for r in fixture_rules(16) if "user.groups_id.ids" in r.domain)
    assert "in (1, 2)" in render(bind(parse_domain(rule16.domain), demo(16), 16))
    with pytest.raises(UnsupportedDomain, match=r"user\.groups_id\.ids is not supported"):
        bind(parse_domain(rule16.domain), demo(19), 19)
    no_groups = UserContext(6, 1, (1, 2), 7, 7, datetime(2026, 12, 2, tzinfo=UTC))
    with pytest.raises(UnsupportedDomain, match=r"user\.groups_id\.ids is not known"):
        bind(parse_domain(rule16.domain), no_groups, 16)
