"""The figures of the BI page: the main analytics views, limited to the viewer's companies,
as plotly figures (plain dicts: data + layout) and as tables for reading without JavaScript.

Reads Odoo's database through ``ODOOBRIDGE_BI_READ_DSN`` (the read-only BI login), from the
materialized copies when they are installed (fast) and the views otherwise. Every query filters
``company_id = ANY(%(companies)s)`` with the viewer's company ids from the store, passed as a
parameter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import psycopg

from odoobridge.bi.connection import connect
from odoobridge.bi.specs import SCHEMA
from odoobridge.sources.odoo_db import OdooDbTarget


@dataclass
class Chart:
    id: str
    title: str
    source: str  # the view or materialized view read
    columns: list[str]
    rows: list[list[Any]]
    figure: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ChartSpec:
    id: str
    title: str
    view: str  # without prefix: sales_kpi_day → vw_/mv_sales_kpi_day
    sql: str  # {rel} is the relation; %(companies)s the viewer's companies
    columns: tuple[str, ...]
    kind: str  # line, bar, stacked
    x: str
    y: tuple[str, ...]


CHARTS = (
    ChartSpec(
        "sales",
        "Confirmed sales per day (untaxed)",
        "sales_kpi_day",
        "SELECT company_id, day, orders, revenue_untaxed FROM {rel} "
        "WHERE company_id = ANY(%(companies)s) ORDER BY day, company_id",
        ("company_id", "day", "orders", "revenue_untaxed"),
        "line",
        "day",
        ("revenue_untaxed",),
    ),
    ChartSpec(
        "revenue",
        "Invoiced revenue per month (net of credit notes)",
        "monthly_revenue",
        "SELECT company_id, month, invoiced, refunded, net_revenue FROM {rel} "
        "WHERE company_id = ANY(%(companies)s) ORDER BY month, company_id",
        ("company_id", "month", "invoiced", "refunded", "net_revenue"),
        "bar",
        "month",
        ("net_revenue",),
    ),
    ChartSpec(
        "aging",
        "Receivables by days past due",
        "ar_aging",
        "SELECT company_id, sum(not_due), sum(days_0_30), sum(days_31_60), sum(days_61_90), "
        "sum(days_over_90) FROM {rel} WHERE company_id = ANY(%(companies)s) "
        "GROUP BY company_id ORDER BY company_id",
        ("company_id", "not_due", "days_0_30", "days_31_60", "days_61_90", "days_over_90"),
        "stacked",
        "company_id",
        ("not_due", "days_0_30", "days_31_60", "days_61_90", "days_over_90"),
    ),
    ChartSpec(
        "products",
        "Top products by revenue",
        "product_performance",
        "SELECT company_id, product_name, sum(quantity), sum(revenue_untaxed) AS revenue "
        "FROM {rel} WHERE company_id = ANY(%(companies)s) GROUP BY company_id, product_name "
        "ORDER BY revenue DESC, product_name LIMIT 10",
        ("company_id", "product_name", "quantity", "revenue_untaxed"),
        "bar",
        "product_name",
        ("revenue_untaxed",),
    ),
    ChartSpec(
        "stock",
        "Stock on hand (top 10 products)",
        "stock_level",
        "SELECT company_id, product_name, sum(on_hand) AS on_hand, sum(available) FROM {rel} "
        "WHERE company_id = ANY(%(companies)s) GROUP BY company_id, product_name "
        "ORDER BY on_hand DESC, product_name LIMIT 10",
        ("company_id", "product_name", "on_hand", "available"),
        "bar",
        "product_name",
        ("on_hand",),
    ),
    ChartSpec(
        "headcount",
        "Employees per department",
        "employee_headcount",
        "SELECT company_id, department_name, headcount FROM {rel} "
        "WHERE company_id = ANY(%(companies)s) ORDER BY headcount DESC, department_name",
        ("company_id", "department_name", "headcount"),
        "bar",
        "department_name",
        ("headcount",),
    ),
)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _relations(conn: psycopg.Connection[Any]) -> dict[str, str]:
    rows = conn.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relkind IN ('v', 'm') "
        "AND has_table_privilege(c.oid, 'SELECT')",
        (SCHEMA,),
    ).fetchall()
    return {name: name for (name,) in rows}


def figure(spec: ChartSpec, rows: list[list[Any]], names: dict[int, str]) -> dict[str, Any]:
    """A plotly figure: one trace per company (or per bucket for the stacked aging chart)."""
    col = {c: i for i, c in enumerate(spec.columns)}
    data: list[dict[str, Any]] = []
    if spec.kind == "stacked":
        companies = [names.get(r[0], f"Company {r[0]}") for r in rows]
        for y in spec.y:
            values = [r[col[y]] for r in rows]
            label = y.replace("_", " ").replace("days ", "").replace("over 90", "90+")
            data.append({"type": "bar", "name": label, "x": companies, "y": values})
        layout: dict[str, Any] = {"barmode": "stack"}
    else:
        for company in sorted({r[0] for r in rows}):
            mine = [r for r in rows if r[0] == company]
            trace: dict[str, Any] = {
                "type": "scatter" if spec.kind == "line" else "bar",
                "name": names.get(company, f"Company {company}"),
                "x": [r[col[spec.x]] for r in mine],
                "y": [r[col[spec.y[0]]] for r in mine],
            }
            if spec.kind == "line":
                trace["mode"] = "lines+markers"
            data.append(trace)
        layout = {"barmode": "group"}
    layout["margin"] = {"t": 10, "r": 10, "b": 60, "l": 60}
    layout["height"] = 320
    layout["legend"] = {"orientation": "h"}
    return {"data": data, "layout": layout}


def read_charts(
    target: OdooDbTarget, company_ids: list[int], names: dict[int, str]
) -> tuple[list[Chart], list[str]]:
    """The charts the viewer may see, and the titles of those whose view is not installed."""
    charts: list[Chart] = []
    missing: list[str] = []
    with connect(target) as conn:
        conn.execute("SET TRANSACTION READ ONLY")
        relations = _relations(conn)
        for spec in CHARTS:
            relation = relations.get(f"mv_{spec.view}") or relations.get(f"vw_{spec.view}")
            if relation is None:
                missing.append(spec.title)
                continue
            sql = spec.sql.replace("{rel}", f"{SCHEMA}.{relation}")
            rows = [
                [_plain(v) for v in row]
                for row in conn.execute(sql.encode(), {"companies": company_ids}).fetchall()
            ]
            chart = Chart(spec.id, spec.title, f"{SCHEMA}.{relation}", list(spec.columns), rows)
            chart.figure = figure(spec, rows, names)
            charts.append(chart)
    return charts, missing
