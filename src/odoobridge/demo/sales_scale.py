"""A deterministic generator that inflates a real Odoo database's CRM, in Odoo's own schema, to
the sizes the sales benchmark needs: 500 salespeople in 40 teams, 50,000 accounts, 200,000
opportunities, 100,000 posted customer invoices and credit notes, 20,000 activities by default.

As :mod:`odoobridge.demo.scale` does: every value derives from the row number with fixed
arithmetic (the same database and sizes always give the same rows), columns Odoo declares NOT
NULL that we do not set are copied from an existing row, and on 16–18 implied memberships are
stored as Odoo stores them. Salespeople hold "Sales / User: Own Documents Only" (found through
the "Personal Leads" rule), team leaders "All Documents" too; one in ten works in the second
company. Every generated write date lies before the fixture's own, so a change made after
inflating is the newest write in the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg

from odoobridge.demo.scale import _CLOSURE_INSERT, _bump_sequence, _insert, _run, _scalar
from odoobridge.errors import ConfigError

TS = "timestamp '2026-10-01 08:00:00'"


@dataclass(frozen=True)
class SalesScaleSizes:
    salespeople: int = 500
    teams: int = 40
    accounts: int = 50_000
    opportunities: int = 200_000
    invoices: int = 100_000
    activities: int = 20_000


def inflate_sales(dsn: str, sizes: SalesScaleSizes = SalesScaleSizes()) -> dict[str, int]:
    """Add the generated CRM to the Odoo database at ``dsn`` (a login that may write there).
    Returns the resulting table counts."""
    conninfo = dsn.replace("postgresql+psycopg://", "postgresql://")
    try:
        conn = psycopg.connect(conninfo, connect_timeout=10)
    except psycopg.OperationalError as exc:
        first = str(exc).splitlines()[0]
        raise ConfigError(f"cannot connect to the database to inflate: {first}") from None
    with conn, conn.cursor() as cur:
        if _scalar(cur, "SELECT count(*) FROM res_users WHERE login LIKE 'scale.seller%'"):
            raise ConfigError("this database's CRM is inflated already: start from a fresh copy")
        _generate(cur, sizes)
        counts = {t: int(_scalar(cur, f"SELECT count(*) FROM {t}")) for t in _COUNTED}
    conn.close()
    return counts


_COUNTED = ("res_users", "res_partner", "crm_team", "crm_lead", "account_move", "mail_activity")


def _rule_group(cur: psycopg.Cursor[Any], rule: str) -> int:
    group = _scalar(
        cur,
        "SELECT g.group_id FROM ir_rule r JOIN ir_model m ON m.id = r.model_id JOIN "
        "rule_group_rel g ON g.rule_group_id = r.id WHERE m.model = 'crm.lead' AND r.name = %s",
        (rule,),
    )
    if group is None:
        raise ConfigError(f"no {rule!r} rule on crm.lead: is the CRM installed?")
    return int(group)


def _generate(cur: psycopg.Cursor[Any], sizes: SalesScaleSizes) -> None:
    own, every = _rule_group(cur, "Personal Leads"), _rule_group(cur, "All Leads")
    p0 = _scalar(cur, "SELECT max(id) FROM res_partner")
    u0 = _scalar(cur, "SELECT max(id) FROM res_users")
    t0 = _scalar(cur, "SELECT max(id) FROM crm_team")
    l0 = _scalar(cur, "SELECT max(id) FROM crm_lead")
    s, t, a = sizes.salespeople, sizes.teams, sizes.accounts
    admin_partner = _scalar(cur, "SELECT partner_id FROM res_users WHERE id = 2")
    seller = f"(1 + (i * 7) % {s})"  # the salesperson of row i: 1 … s
    _insert(
        cur,
        "crm_team",
        {
            "id": f"{t0} + i",
            "name": "jsonb_build_object('en_US', 'Scale Team ' || i)",
            "company_id": "1",
            "active": "true",
            "sequence": "10 + i",
            "create_date": TS,
            "write_date": TS,
        },
        series=t,
        template_id=1,
    )
    _insert(
        cur,
        "res_partner",
        {
            "id": f"{p0} + i",
            "name": "'Scale Seller ' || i",
            "complete_name": "'Scale Seller ' || i",
            "email": "'scale.seller' || i || '@example.com'",
            "active": "true",
            "is_company": "false",
            "commercial_partner_id": f"{p0} + i",
            "partner_share": "false",
            "type": "'contact'",
            "create_date": TS,
            "write_date": TS,
        },
        series=s,
        template_id=admin_partner,
    )
    _insert(
        cur,
        "res_users",
        {
            "id": f"{u0} + i",
            "login": "'scale.seller' || i || '@example.com'",
            "partner_id": f"{p0} + i",
            "company_id": "CASE WHEN i % 10 = 0 THEN 2 ELSE 1 END",
            "active": "true",
            "share": "false",
            "notification_type": "'email'",
            "sale_team_id": f"{t0} + 1 + (i - 1) % {t}",
            "create_date": TS,
            "write_date": TS,
        },
        series=s,
        template_id=2,
    )
    _run(cur, f"UPDATE crm_team SET user_id = {u0} + (id - {t0}) WHERE id > {t0}")
    _run(
        cur,
        f"INSERT INTO crm_team_member (crm_team_id, user_id, active, create_date, "
        f"write_date) SELECT {t0} + 1 + (i - 1) % {t}, {u0} + i, true, {TS}, {TS} "
        f"FROM generate_series(1, {s}) AS i",
    )
    _run(
        cur,
        f"INSERT INTO res_groups_users_rel (gid, uid) SELECT g, {u0} + i "
        f"FROM generate_series(1, {s}) AS i, unnest(ARRAY[1, {own}]) AS g "
        f"UNION ALL SELECT {every}, {u0} + i FROM generate_series(1, {t}) AS i",
    )
    if not _scalar(
        cur,
        "SELECT count(*) FROM information_schema.columns WHERE "
        "table_name = 'res_groups' AND column_name = 'privilege_id'",
    ):
        _run(cur, _CLOSURE_INSERT)  # 16–18 store implied memberships too
    _run(
        cur,
        f"INSERT INTO res_company_users_rel (cid, user_id) SELECT 1, {u0} + i "
        f"FROM generate_series(1, {s}) AS i UNION ALL SELECT 2, {u0} + i "
        f"FROM generate_series(1, {s}) AS i WHERE i % 10 = 0",
    )
    _insert(
        cur,
        "res_partner",
        {
            "id": f"{p0} + {s} + i",
            "name": "'Scale Account ' || i",
            "complete_name": "'Scale Account ' || i",
            "email": "'account' || i || '@example.com'",
            "city": "'City ' || (i % 97)",
            "is_company": "true",
            "active": "i % 200 <> 0",
            "commercial_partner_id": f"{p0} + {s} + i",
            "partner_share": "true",
            "type": "'contact'",
            "user_id": f"{u0} + {seller}",
            "create_date": f"{TS} - (i % 400) * interval '1 day'",
            "write_date": f"{TS} - (i % 30) * interval '1 day'",
        },
        series=a,
        template_id=admin_partner,
    )
    _leads(cur, sizes, l0, u0, t0, p0 + s, seller)
    _invoices(cur, sizes, u0, t0, p0 + s, seller)
    _activities(cur, sizes, l0, u0, seller)
    for table in (
        "crm_team",
        "res_partner",
        "res_users",
        "crm_team_member",
        "crm_lead",
        "account_move",
        "mail_activity",
    ):
        _bump_sequence(cur, table)


def _leads(
    cur: psycopg.Cursor[Any],
    sizes: SalesScaleSizes,
    l0: int,
    u0: int,
    t0: int,
    a0: int,
    seller: str,
) -> None:
    stage = "(CASE WHEN i % 10 < 4 THEN 1 WHEN i % 10 < 7 THEN 2 WHEN i % 10 < 9 THEN 3 ELSE 4 END)"
    probability = f"(CASE WHEN i % 23 = 0 THEN 0 ELSE (ARRAY[10, 30, 60, 100])[{stage}] END)"
    revenue = "(1000 + (i * 37) % 90000)"
    created = f"{TS} - (i % 365) * interval '1 day'"
    closed = f"CASE WHEN i % 23 = 0 OR {stage} = 4 THEN {created} + (i % 60) * interval '1 day' END"
    _insert(
        cur,
        "crm_lead",
        {
            "id": f"{l0} + i",
            "name": "'Scale Opportunity ' || i",
            "type": "CASE WHEN i % 5 = 0 THEN 'lead' ELSE 'opportunity' END",
            "user_id": f"CASE WHEN i % 50 = 0 THEN NULL ELSE {u0} + {seller} END",
            "team_id": f"{t0} + 1 + ({seller} - 1) % {sizes.teams}",
            "company_id": f"CASE WHEN {seller} % 10 = 0 THEN 2 ELSE 1 END",
            "partner_id": f"{a0} + 1 + (i * 13) % {sizes.accounts}",
            "stage_id": stage,
            "active": "i % 23 <> 0",
            "probability": probability,
            "expected_revenue": revenue,
            "prorated_revenue": f"{revenue} * {probability} / 100.0",
            "date_deadline": "date '2026-11-01' + (i % 180)",
            "date_closed": closed,
            "lost_reason_id": "CASE WHEN i % 23 = 0 THEN 1 END",
            "create_date": created,
            "date_last_stage_update": created,
            "priority": "'0'",
            "write_date": f"{TS} - (i % 30) * interval '1 day' - (i % 1440) * interval '1 minute'",
        },
        series=sizes.opportunities,
        template_id=13,
    )


def _invoices(
    cur: psycopg.Cursor[Any], sizes: SalesScaleSizes, u0: int, t0: int, a0: int, seller: str
) -> None:
    m0 = _scalar(cur, "SELECT max(id) FROM account_move")
    refund = "i % 10 = 0"
    sign = f"(CASE WHEN {refund} THEN -1 ELSE 1 END)"
    untaxed = "(500 + (i * 53) % 20000)"
    residual = f"(CASE WHEN i % 3 = 0 THEN 0 ELSE {untaxed} * 1.15 END)"
    day = "date '2026-01-01' + (i % 330)"
    _insert(
        cur,
        "account_move",
        {
            "id": f"{m0} + i",
            "name": "'SCALE/' || i",
            "state": "'posted'",
            "move_type": f"CASE WHEN {refund} THEN 'out_refund' ELSE 'out_invoice' END",
            "partner_id": f"{a0} + 1 + (i * 17) % {sizes.accounts}",
            "commercial_partner_id": f"{a0} + 1 + (i * 17) % {sizes.accounts}",
            "invoice_user_id": f"CASE WHEN i % 20 = 0 THEN NULL ELSE {u0} + {seller} END",
            "team_id": f"{t0} + 1 + ({seller} - 1) % {sizes.teams}",
            "company_id": f"CASE WHEN {seller} % 10 = 0 THEN 2 ELSE 1 END",
            "invoice_date": day,
            "date": day,
            "invoice_date_due": f"{day} + 30",
            "amount_untaxed": untaxed,
            "amount_total": f"{untaxed} * 1.15",
            "amount_residual": residual,
            "amount_untaxed_signed": f"{sign} * {untaxed}",
            "amount_total_signed": f"{sign} * {untaxed} * 1.15",
            "amount_residual_signed": f"{sign} * {residual}",
            "payment_state": "CASE WHEN i % 3 = 0 THEN 'paid' ELSE 'not_paid' END",
            "sequence_number": "i",
            "create_date": f"{TS} - (i % 300) * interval '1 day'",
            "write_date": f"{TS} - (i % 30) * interval '1 day'",
        },
        series=sizes.invoices,
        template_id=1,
    )


def _active(cur: psycopg.Cursor[Any], table: str) -> dict[str, str]:
    """``active = true`` where the table has the column (mail_activity has it from 17 on)."""
    found = _scalar(
        cur,
        "SELECT count(*) FROM information_schema.columns WHERE table_name = %s"
        " AND column_name = 'active'",
        (table,),
    )
    return {"active": "true"} if found else {}


def _activities(
    cur: psycopg.Cursor[Any], sizes: SalesScaleSizes, l0: int, u0: int, seller: str
) -> None:
    template = _scalar(cur, "SELECT min(id) FROM mail_activity WHERE res_model = 'crm.lead'")
    a0 = _scalar(cur, "SELECT max(id) FROM mail_activity")
    _insert(
        cur,
        "mail_activity",
        {
            "id": f"{a0} + i",
            "res_model": "'crm.lead'",
            "res_id": f"{l0} + 1 + (i * 11) % {sizes.opportunities}",
            "user_id": f"{u0} + {seller}",
            "summary": "'Call back ' || i",
            "date_deadline": "date '2026-11-15' + (i % 40)",
            "automated": "false",
            "create_date": TS,
            "write_date": TS,
            **_active(cur, "mail_activity"),
        },
        series=sizes.activities,
        template_id=template,
    )
