"""Benchmark: the BI layer on an inflated copy of the real Odoo 18.0 fixture.

A copy of the fixture gets 200,000 confirmed sales orders (with 3 lines each: 600,000 lines),
spread over 2 companies and 2 years, by copying the demo's own orders and lines. Then, three
times each (median reported):

- floor: the view's own SELECT, run and fetched (what any consumer of the view pays);
- ``REFRESH MATERIALIZED VIEW CONCURRENTLY`` of the materialized copy (× floor);
- the Analytics page's query on the view and on the materialized copy (company 1).

The issue names no speed target; the figures go to docs/performance.md.

    .venv/bin/python bench/bench_bi.py          (or ./run bench)
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import pg  # noqa: E402

from odoobridge.bi.charts import CHARTS  # noqa: E402
from odoobridge.bi.connection import connect  # noqa: E402
from odoobridge.bi.install import install  # noqa: E402
from odoobridge.bi.refresh import refresh_views  # noqa: E402
from odoobridge.bi.specs import view_specs  # noqa: E402
from odoobridge.sources.odoo_db import OdooDbTarget  # noqa: E402

REPEATS = 3
ORDERS = 200_000
VIEWS = ("vw_sales_kpi_day", "vw_product_performance", "vw_customer_ltv")

ORDER_CHANGES = {
    "id": "1000 + g",
    "name": "'BENCH' || g",
    "state": "'sale'",
    "company_id": "1 + g % 2",
    "partner_id": "7 + g % 40",
    "date_order": "timestamp '2024-11-23' + (g % 730) * interval '1 day' + (g % 24) * interval '1 hour'",
}
LINE_CHANGES = {
    "id": "10000 + (o.id - 1000) * 3 + k",
    "order_id": "o.id",
    "company_id": "o.company_id",
}


def _columns(conn: Any, table: str) -> list[str]:
    rows = conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' "
        "AND table_name = %s ORDER BY ordinal_position",
        (table,),
    ).fetchall()
    return [r[0] for r in rows]


def inflate(conn: Any, orders: int) -> None:
    """Copies of the demo's confirmed orders and their lines, column by column (fast)."""
    cols = _columns(conn, "sale_order")
    select = ", ".join(ORDER_CHANGES.get(c, f"o.{c}") for c in cols)
    conn.execute(
        f"INSERT INTO sale_order ({', '.join(cols)}) SELECT {select} "
        f"FROM generate_series(1, {int(orders)}) g JOIN sale_order o ON o.id = 4 + g % 3".encode()
    )
    cols = _columns(conn, "sale_order_line")
    select = ", ".join(LINE_CHANGES.get(c, f"l.{c}") for c in cols)
    conn.execute(
        f"INSERT INTO sale_order_line ({', '.join(cols)}) SELECT {select} "
        "FROM sale_order o CROSS JOIN generate_series(0, 2) k "
        "JOIN sale_order_line l ON l.id = (SELECT array_agg(id ORDER BY id) FROM sale_order_line "
        "WHERE display_type IS NULL AND product_id IS NOT NULL)[1 + (o.id + k) % 40] "
        "WHERE o.id >= 1000".encode()
    )
    conn.execute(b"ANALYZE sale_order")
    conn.execute(b"ANALYZE sale_order_line")


def timed(conn: Any, sql: str, params: dict[str, Any] | None = None) -> float:
    started = time.perf_counter()
    conn.execute(sql.encode(), params).fetchall()
    return time.perf_counter() - started


def main() -> None:
    db = pg.copy_fixture(18)
    target = OdooDbTarget(dsn=db.admin_dsn, setting="bench")
    try:
        started = time.perf_counter()
        with db.connect() as conn:
            inflate(conn, ORDERS)
        inflate_s = time.perf_counter() - started
        lines = db.execute("SELECT count(*) FROM sale_order_line")[0][0]
        started = time.perf_counter()
        with connect(target) as conn:
            install(conn, db.name, materialized=True)
        install_s = time.perf_counter() - started
        specs = {s.name: s for s in view_specs()}
        rows: list[tuple[str, float, float]] = []
        for name in VIEWS:
            select = specs[name].render()
            floors, refreshes = [], []
            for _ in range(REPEATS):
                with connect(target) as conn:
                    floors.append(timed(conn, select))
                stats = refresh_views(target, names=[name])
                refreshes.append(next(iter(stats.values()))["seconds"])
            rows.append((name, statistics.median(floors), statistics.median(refreshes)))
        page: list[tuple[str, float, float]] = []
        with connect(target) as conn:
            for chart in CHARTS[:1] + CHARTS[3:4]:
                view_sql = chart.sql.replace("{rel}", f"analytics.vw_{chart.view}")
                mv_sql = chart.sql.replace("{rel}", f"analytics.mv_{chart.view}")
                on_view = statistics.median(
                    timed(conn, view_sql, {"companies": [1]}) for _ in range(REPEATS)
                )
                on_mv = statistics.median(
                    timed(conn, mv_sql, {"companies": [1]}) for _ in range(REPEATS)
                )
                page.append((chart.id, on_view, on_mv))
    finally:
        pg.drop_database(db.name)

    print(f"orders {ORDERS:,} + demo, lines {lines:,}; inflate {inflate_s:.1f} s; "
          f"bi install --materialized {install_s:.2f} s")  # fmt: skip
    print()
    print("| view | floor: its SELECT (s) | REFRESH CONCURRENTLY (s) | × floor |")
    print("| --- | --- | --- | --- |")
    for name, floor, refresh in rows:
        print(f"| {name} | {floor:.2f} | {refresh:.2f} | {refresh / floor:.2f} |")
    print()
    print("| page chart (company 1) | on the view (s) | on the materialized copy (s) |")
    print("| --- | --- | --- |")
    for chart_id, on_view, on_mv in page:
        print(f"| {chart_id} | {on_view:.3f} | {on_mv:.4f} |")


if __name__ == "__main__":
    main()
