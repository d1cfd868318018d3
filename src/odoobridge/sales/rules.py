"""Which of Odoo's record rules apply to one Odoo user for a model and an operation, combined as
``ir.rule._compute_domain`` combines them — from the security sync's data, never by asking Odoo.

- The superuser (id 1, ``__system__``) bypasses access rights and rules: TRUE.
- A user missing from the sync, archived (cannot sign in), or without the ACL for the operation
  (``ir.model.access`` through the access index) gets ``None``: no record at all.
- Otherwise: the active rules of the model flagged for the operation; a rule without groups is
  global, one with groups applies when the user holds one of them (effective groups, implied ones
  included). Global rules are ANDed, the applying group rules ORed, the two ANDed; no rule is TRUE.
  For a model that delegates to a parent (``_inherits``: res.users → res.partner …), the parent
  model's combined domain is ANDed through the link field (``('partner_id', 'any', …)``).
- A rule that cannot be read, bound or — when a FieldMap is given — compiled becomes FALSE for that
  user (fail closed: a global one hides everything, a group one grants nothing) and is listed by
  :func:`unsupported_rules`.

A rule is global when it has no groups (what Odoo computes ``global`` from); a stored ``global``
flag that disagrees with the groups is ignored.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, false

from odoobridge.access.analysis.effective import AccessIndex, check_perm, rule_applies_to
from odoobridge.access.analysis.snapshot import Snapshot
from odoobridge.errors import NotFound
from odoobridge.sales.domain import (
    FALSE,
    TRUE,
    Domain,
    FalseLeaf,
    Leaf,
    ParsedDomain,
    TrueLeaf,
    UnsupportedDomain,
    UserContext,
    bind,
    conjunction,
    disjunction,
    parse_domain,
)
from odoobridge.sales.domain_sql import FieldMap, to_sql
from odoobridge.sources.odoo_records import RuleRecord

log = logging.getLogger(__name__)

SUPERUSER_ID = 1
# Odoo's delegation inheritance among the models OdooBridge reads: (parent model, link field).
INHERITS: dict[str, tuple[tuple[str, str], ...]] = {
    "res.users": (("res.partner", "partner_id"),),
    "hr.employee": (("resource.resource", "resource_id"),),
    "product.product": (("product.template", "product_tmpl_id"),),
}


@lru_cache(maxsize=4096)
def parsed_rule(text: str | None) -> ParsedDomain:
    """A rule's domain read once per text (rules are shared by every user)."""
    return parse_domain(text)


def user_context(
    index: AccessIndex,
    user_id: int,
    *,
    commercial_partner_id: int | None = None,
    now: datetime | None = None,
    attributes: dict[str, Any] | None = None,
) -> UserContext:
    """The evaluation context of an Odoo user from the security sync. The sync does not hold
    the commercial partner (the CRM sync's res.partner does): pass it, or rules using
    ``user.commercial_partner_id`` deny."""
    user = index.snap.users.get(user_id)
    if user is None:
        raise NotFound(f"Odoo user {user_id} is not in the security sync run {index.snap.run_id}")
    extra = _employee_attributes(index.snap, user_id, user.company_id)
    extra.update(attributes or {})
    return UserContext(
        user_id=user_id,
        company_id=user.company_id,
        company_ids=tuple(sorted(index.snap.user_companies.get(user_id, ()))),
        partner_id=user.partner_id,
        commercial_partner_id=commercial_partner_id,
        now=now or datetime.now(UTC),
        group_ids=tuple(sorted(index.effective.get(user_id, ()))),
        attributes=extra,
    )


def _employee_attributes(snap: Snapshot, user_id: int, company_id: int | None) -> dict[str, Any]:
    """``user.employee_id`` (the user's employee in their current company) where hr was read."""
    if not snap.employees:
        return {}
    employee = snap.employees.get(user_id)
    if employee is None or not employee.active or employee.company_id not in (None, company_id):
        return {"employee_id.id": False, "employee_id.parent_id.id": False}
    return {
        "employee_id.id": employee.odoo_id,
        "employee_id.parent_id.id": employee.manager_id or False,
    }


def rule_domain(
    rule: RuleRecord, ctx: UserContext, odoo_major: int | None, fields: FieldMap | None = None
) -> Domain:
    """The rule's domain for ``ctx``; FALSE when it cannot be evaluated exactly."""
    try:
        return checked_domain(rule, ctx, odoo_major, fields)
    except UnsupportedDomain as exc:
        log.debug("record rule %s (%s) denies: %s", rule.odoo_id, rule.name, exc.reason)
        return FALSE


def checked_domain(
    rule: RuleRecord, ctx: UserContext, odoo_major: int | None, fields: FieldMap | None = None
) -> Domain:
    """The rule's domain for ``ctx``, compiled once against ``fields`` when given; raises
    :class:`UnsupportedDomain` with the reason."""
    domain = bind(parsed_rule(rule.domain), ctx, odoo_major)
    if fields is not None:
        to_sql(domain, fields)
    return domain


def rules_domain(
    index: AccessIndex,
    odoo_user_id: int,
    model: str,
    operation: str = "read",
    ctx: UserContext | None = None,
    *,
    fields: FieldMap | None = None,
) -> Domain | None:
    """What the user may ``operation`` on ``model``: None for nothing, else the combined rules
    (TRUE when no rule restricts). ``ctx`` defaults to :func:`user_context`; with ``fields``
    every rule is also compiled against the serving table and one that fails there denies."""
    check_perm(operation)
    if odoo_user_id == SUPERUSER_ID:
        return TRUE
    user = index.snap.users.get(odoo_user_id)
    if user is None or not user.active or not index.may(odoo_user_id, model, operation):
        return None
    ctx = ctx or user_context(index, odoo_user_id)
    return _combined(index, odoo_user_id, model, operation, ctx, fields)


def _combined(
    index: AccessIndex,
    user_id: int,
    model: str,
    operation: str,
    ctx: UserContext,
    fields: FieldMap | None,
) -> Domain:
    restrictions: list[Domain] = []
    for parent, link in INHERITS.get(model, ()):
        parent_fields = fields.relation(link) if fields is not None else None
        inherited = _combined(index, user_id, parent, operation, ctx, parent_fields)
        if isinstance(inherited, FalseLeaf):
            restrictions.append(FALSE)
        elif not isinstance(inherited, TrueLeaf):
            restrictions.append(Leaf(link, "any", inherited))
    held = index.effective.get(user_id, frozenset())
    permissions: list[Domain] = []
    for rule in index.rules_by_model.get(model, ()):
        if not rule_applies_to(rule, operation):
            continue
        groups = index.snap.rule_groups.get(rule.odoo_id, set())
        if groups and groups.isdisjoint(held):
            continue
        domain = rule_domain(rule, ctx, index.snap.odoo_major, fields)
        (permissions if groups else restrictions).append(domain)
    if permissions:
        restrictions.append(disjunction(permissions))
    return conjunction(restrictions)


def visible_where(
    index: AccessIndex,
    odoo_user_id: int,
    model: str,
    fields: FieldMap,
    ctx: UserContext | None = None,
    operation: str = "read",
) -> ColumnElement[bool]:
    """The WHERE clause over ``fields.table`` selecting what the user may read (FALSE: nothing)."""
    domain = rules_domain(index, odoo_user_id, model, operation, ctx, fields=fields)
    return false() if domain is None else to_sql(domain, fields)


def probe_context(index: AccessIndex) -> UserContext:
    """A context in which every name the sync can provide is known: binding a rule in it fails
    only for what no user could evaluate."""
    attributes = (
        {"employee_id.id": 1, "employee_id.parent_id.id": 1} if index.snap.employees else {}
    )
    return UserContext(
        user_id=SUPERUSER_ID + 1,
        company_id=1,
        company_ids=(1,),
        partner_id=1,
        commercial_partner_id=1,
        now=datetime.now(UTC),
        group_ids=(),
        attributes=attributes,
    )


def unsupported_rules(
    index: AccessIndex, model: str, fields: FieldMap | None = None
) -> list[tuple[RuleRecord, str]]:
    """The active rules of ``model`` (any operation) that deny because they cannot be evaluated,
    with the reason; with ``fields``, also those that do not compile over the serving table."""
    ctx = probe_context(index)
    found = []
    for rule in index.rules_by_model.get(model, ()):
        try:
            checked_domain(rule, ctx, index.snap.odoo_major, fields)
        except UnsupportedDomain as exc:
            found.append((rule, exc.reason))
    return found
