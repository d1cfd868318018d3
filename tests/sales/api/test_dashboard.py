"""The KPIs of /api/dashboard/real equal independent SQL on the fixture, over exactly the records
each person may read (tests/sales/api/scene.py): pipeline, weighted pipeline, won and lost in the
period, win rates, average deal size and sales cycle, forecast by month, overdue activities,
invoiced revenue net of credit notes, and open receivables from the receivable move lines."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from tests import pg
from tests.sales.api.scene import Scene, visible_ids

PERIOD = {"date_from": "2026-01-01", "date_to": "2026-12-31"}
START, END = "2026-01-01", "2027-01-01"

LEADS = """
SELECT
  count(*) FILTER (WHERE is_open), coalesce(sum(revenue) FILTER (WHERE is_open), 0),
  coalesce(sum(revenue * probability / 100) FILTER (WHERE is_open), 0),
  count(*) FILTER (WHERE is_won), coalesce(sum(revenue) FILTER (WHERE is_won), 0),
  count(*) FILTER (WHERE is_lost), coalesce(sum(revenue) FILTER (WHERE is_lost), 0),
  avg(extract(epoch FROM closed - created) / 86400) FILTER (WHERE is_won)
FROM (
  SELECT coalesce(l.expected_revenue, 0) AS revenue, coalesce(l.probability, 0) AS probability,
         date_trunc('second', l.date_closed) AS closed, date_trunc('second', l.create_date) AS created,
         l.type = 'opportunity' AND l.active AND NOT coalesce(s.is_won, false) AS is_open,
         l.active AND coalesce(s.is_won, false)
           AND l.date_closed >= %(start)s AND l.date_closed < %(end)s AS is_won,
         NOT l.active AND coalesce(l.probability, 0) = 0
           AND l.date_closed >= %(start)s AND l.date_closed < %(end)s AS is_lost
  FROM crm_lead l LEFT JOIN crm_stage s ON s.id = l.stage_id WHERE l.id = ANY(%(ids)s)
) x
"""
FORECAST = """
SELECT to_char(l.date_deadline, 'YYYY-MM'), count(*), sum(coalesce(l.expected_revenue, 0)),
       sum(coalesce(l.expected_revenue, 0) * coalesce(l.probability, 0) / 100)
FROM crm_lead l LEFT JOIN crm_stage s ON s.id = l.stage_id
WHERE l.id = ANY(%(ids)s) AND l.type = 'opportunity' AND l.active
  AND NOT coalesce(s.is_won, false) AND l.date_deadline IS NOT NULL
GROUP BY 1 ORDER BY 1
"""
INVOICED = """
SELECT coalesce(sum(amount_untaxed_signed) FILTER (WHERE move_type = 'out_invoice'), 0),
       coalesce(sum(amount_untaxed_signed) FILTER (WHERE move_type = 'out_refund'), 0)
FROM account_move WHERE id = ANY(%(ids)s) AND invoice_date >= %(start)s
  AND invoice_date < %(end)s
"""


def receivable_lines(version: int) -> str:
    """Residual of the receivable lines of the moves (18 names the account's type; 16's fixture
    has no account table: a customer invoice's receivable line is its payment-term line)."""
    if version >= 17:
        return (
            "SELECT coalesce(sum(l.amount_residual), 0) FROM account_move_line l"
            " JOIN account_account a ON a.id = l.account_id"
            " WHERE a.account_type = 'asset_receivable' AND l.move_id = ANY(%(ids)s)"
        )
    return (
        "SELECT coalesce(sum(l.amount_residual), 0) FROM account_move_line l"
        " WHERE l.display_type = 'payment_term' AND l.move_id = ANY(%(ids)s)"
    )


def expected(conn: psycopg.Connection[Any], version: int, uid: int) -> dict[str, Any]:
    leads = sorted(visible_ids(conn, "crm.lead", uid))
    params: dict[str, Any] = {"ids": leads, "start": START, "end": END}
    row = conn.execute(LEADS, params).fetchone()
    assert row is not None
    n_open, v_open, weighted, n_won, v_won, n_lost, v_lost, cycle = row
    overdue_active = "" if version == 16 else " AND active"
    overdue = conn.execute(
        "SELECT count(*) FROM mail_activity WHERE res_model = 'crm.lead' AND res_id = ANY(%(ids)s)"
        f" AND date_deadline < current_date{overdue_active}",
        params,
    ).fetchone()
    answer: dict[str, Any] = {
        "open_pipeline": {"count": n_open, "value": round(float(v_open), 2)},
        "weighted_pipeline": round(float(weighted), 2),
        "won": {"count": n_won, "value": round(float(v_won), 2)},
        "lost": {"count": n_lost, "value": round(float(v_lost), 2)},
        "win_rate": {
            "by_count": round(n_won / (n_won + n_lost), 4) if n_won + n_lost else None,
            "by_value": round(float(v_won / (v_won + v_lost)), 4) if v_won + v_lost else None,
        },
        "average_deal_size": round(float(v_won) / n_won, 2) if n_won else None,
        "average_sales_cycle_days": round(float(cycle), 1) if cycle is not None else None,
        "forecast": [
            {"month": m, "count": n, "value": round(float(v), 2), "weighted": round(float(w), 2)}
            for m, n, v, w in conn.execute(FORECAST, params)
        ],
        "overdue_activities": overdue[0] if overdue else 0,
    }
    if version < 19:
        moves = sorted(visible_ids(conn, "account.move", uid))
        money = {"ids": moves, "start": START, "end": END}
        invoiced, refunds = conn.execute(INVOICED, money).fetchone() or (0, 0)
        receivable = conn.execute(receivable_lines(version), money).fetchone()
        answer["invoiced_revenue"] = {
            "invoices": round(float(invoiced), 2),
            "credit_notes": round(float(refunds), 2),
            "net": round(float(invoiced + refunds), 2),
        }
        answer["open_receivables"] = round(float(receivable[0] if receivable else 0), 2)
    return answer


@pytest.mark.parametrize("odoo_rpc_stub", [16, 18, 19], indirect=True)
def test_the_kpis_equal_independent_sql_for_each_person(scene: Scene) -> None:
    checked = 0
    with pg.connect(scene.database.name) as conn:
        for person in scene.people.values():
            answer = person.get("/api/dashboard/real", **PERIOD)
            truth = expected(conn, scene.version, person.uid)
            shown = {key: answer[key] for key in truth}
            assert shown == truth, person.email
            assert answer["period"] == {"from": "2026-01-01", "to": "2026-12-31"}
            checked += truth["won"]["count"] > 0 or truth["open_pipeline"]["count"] > 0
    assert checked >= 2


@pytest.mark.parametrize("odoo_rpc_stub", [18], indirect=True)
def test_credit_notes_count_negative(scene: Scene) -> None:
    admin = next(p for p in scene.people.values() if p.uid == 2)
    answer = admin.get("/api/dashboard/real", **PERIOD)
    assert answer["invoiced_revenue"]["credit_notes"] < 0
    assert answer["invoiced_revenue"]["net"] == round(
        answer["invoiced_revenue"]["invoices"] + answer["invoiced_revenue"]["credit_notes"], 2
    )
