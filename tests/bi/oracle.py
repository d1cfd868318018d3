"""Independent figures for every analytics view: the base tables' rows read with plain SELECTs
and aggregated in Python, so a mistake in a view's SQL cannot hide in the expected values."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from tests import pg

CONFIRMED = ("sale", "done")
Row = tuple[Any, ...]


def money(value: Decimal, places: str = "0.01") -> Decimal:
    return value.quantize(Decimal(places), rounding=ROUND_HALF_UP)


def _label(name: Any) -> str | None:
    if isinstance(name, dict):
        return name.get("en_US") or min(name.values())
    return name  # type: ignore[no-any-return]


def _today(db: pg.OdooDatabase) -> date:
    return db.execute("SELECT current_date")[0][0]  # type: ignore[no-any-return]


def _orders(db: pg.OdooDatabase) -> list[Row]:
    return db.execute(
        "SELECT id, company_id, partner_id, state, date_order, amount_untaxed, amount_total, "
        "currency_rate FROM sale_order"
    )


def _rate(rate: Decimal | None) -> Decimal:
    return rate if rate else Decimal(1)


def sales_kpi_day(db: pg.OdooDatabase) -> set[Row]:
    groups: dict[tuple[int, date], list[Row]] = defaultdict(list)
    for order in _orders(db):
        if order[3] in CONFIRMED:
            groups[(order[1], order[4].date())].append(order)
    result = set()
    for (company, day), orders in groups.items():
        untaxed = sum((o[5] / _rate(o[7]) for o in orders), Decimal(0))
        total = sum((o[6] / _rate(o[7]) for o in orders), Decimal(0))
        result.add((company, day, len(orders), len({o[2] for o in orders}), money(untaxed),
                    money(total), money(untaxed / len(orders))))  # fmt: skip
    return result


def _uom_factors(db: pg.OdooDatabase) -> dict[int, Decimal]:
    return {i: f for i, f in db.execute("SELECT id, factor FROM uom_uom")}


def _products(db: pg.OdooDatabase) -> dict[int, tuple[str | None, int, int]]:
    """product id → (name, uom id, category id)."""
    rows = db.execute(
        "SELECT p.id, t.name, t.uom_id, t.categ_id FROM product_product p "
        "JOIN product_template t ON t.id = p.product_tmpl_id"
    )
    return {r[0]: (_label(r[1]), r[2], r[3]) for r in rows}


def _lines(db: pg.OdooDatabase) -> list[Row]:
    return db.execute(
        "SELECT order_id, product_id, product_uom, product_uom_qty, price_subtotal, "
        "display_type, qty_delivered FROM sale_order_line"
    )


def product_performance(db: pg.OdooDatabase) -> set[Row]:
    orders = {o[0]: o for o in _orders(db)}
    factors, products = _uom_factors(db), _products(db)
    groups: dict[tuple[int, date, int], list[tuple[Row, Row]]] = defaultdict(list)
    for line in _lines(db):
        order = orders[line[0]]
        if order[3] in CONFIRMED and line[5] is None and line[1] is not None:
            month = order[4].date().replace(day=1)
            groups[(order[1], month, line[1])].append((line, order))
    result = set()
    for (company, month, product), items in groups.items():
        name, uom, categ = products[product]
        qty = sum((ln[3] / factors[ln[2]] * factors[uom] for ln, _ in items), Decimal(0))
        revenue = sum((ln[4] / _rate(o[7]) for ln, o in items), Decimal(0))
        result.add((company, month, product, name, categ, len({o[0] for _, o in items}),
                    money(qty, "0.001"), money(revenue)))  # fmt: skip
    return result


# Customer documents' untaxed amounts from their journal items (product and rounding lines,
# credit side positive), not from the totals Odoo stores on the move.
DOCUMENT_LINES = """
SELECT m.id, m.company_id, m.move_type, COALESCE(m.invoice_date, m.date), -sum(l.balance),
       COALESCE(m.commercial_partner_id, m.partner_id)
FROM account_move m JOIN account_move_line l ON l.move_id = m.id
WHERE m.state = 'posted' AND m.move_type IN ('out_invoice', 'out_receipt', 'out_refund')
  AND l.display_type IN ('product', 'rounding') AND l.tax_repartition_line_id IS NULL
GROUP BY m.id
"""


def customer_ltv(db: pg.OdooDatabase) -> set[Row]:
    partners = {
        r[0]: r for r in db.execute("SELECT id, name, commercial_partner_id FROM res_partner")
    }
    groups: dict[tuple[int, int], list[Row]] = defaultdict(list)
    for order in _orders(db):
        if order[3] in CONFIRMED:
            customer = partners[order[2]][2] or order[2]
            groups[(order[1], customer)].append(order)
    invoiced: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for move in db.execute(DOCUMENT_LINES):
        invoiced[(move[1], partners[move[5]][2] or move[5])] += move[4]
    result = set()
    for (company, customer), orders in groups.items():
        revenue = sum((o[5] / _rate(o[7]) for o in orders), Decimal(0))
        first = min(o[4] for o in orders).date()
        last = max(o[4] for o in orders).date()
        result.add((company, customer, partners[customer][1], len(orders), first, last,
                    money(revenue), money(revenue / len(orders)), (last - first).days,
                    invoiced[(company, customer)]))  # fmt: skip
    return result


# Trade receivable journal items: what customers owe, as Odoo's ledger keeps it (16+: the
# account's type; tax receivables and other non-trade accounts are not owed by customers).
RECEIVABLE_ITEMS = """
SELECT l.company_id, l.partner_id, l.date_maturity, l.date, l.amount_residual
FROM account_move_line l JOIN account_account a ON a.id = l.account_id
WHERE a.account_type = 'asset_receivable' AND a.non_trade IS NOT TRUE
  AND l.parent_state = 'posted'
"""


def ar_aging(db: pg.OdooDatabase) -> set[Row]:
    today = _today(db)
    partners = {
        r[0]: r for r in db.execute("SELECT id, name, commercial_partner_id FROM res_partner")
    }
    groups: dict[tuple[int, int | None], list[tuple[int, Decimal]]] = defaultdict(list)
    for company, partner, due, day, residual in db.execute(RECEIVABLE_ITEMS):
        if residual == 0:  # matched in full: nothing left to owe
            continue
        customer = (partners[partner][2] or partner) if partner else None
        groups[(company, customer)].append(((today - (due or day)).days, residual))
    result = set()
    for (company, customer), items in groups.items():

        def bucket(low: int, high: int, items: list[tuple[int, Decimal]] = items) -> Decimal:
            return sum((r for a, r in items if low <= a <= high), Decimal(0))

        name = partners[customer][1] if customer else None
        result.add((company, customer, name, today, len(items),
                    sum((r for _, r in items), Decimal(0)), bucket(-10**6, -1), bucket(0, 30),
                    bucket(31, 60), bucket(61, 90), bucket(91, 10**6)))  # fmt: skip
    return result


def monthly_revenue(db: pg.OdooDatabase) -> set[Row]:
    groups: dict[tuple[int, date], list[Row]] = defaultdict(list)
    for move in db.execute(DOCUMENT_LINES):
        groups[(move[1], move[3].replace(day=1))].append(move)
    result = set()
    for (company, month), items in groups.items():
        invoices = [m for m in items if m[2] != "out_refund"]
        refunds = [m for m in items if m[2] == "out_refund"]
        invoiced = sum((m[4] for m in invoices), Decimal(0))
        refunded = -sum((m[4] for m in refunds), Decimal(0))
        result.add((company, month, len(invoices), len(refunds), invoiced, refunded,
                    invoiced - refunded))  # fmt: skip
    return result


def _internal_quants(db: pg.OdooDatabase) -> list[Row]:
    return db.execute(
        "SELECT q.company_id, l.warehouse_id, q.product_id, q.quantity, q.reserved_quantity "
        "FROM stock_quant q JOIN stock_location l ON l.id = q.location_id "
        "WHERE l.usage = 'internal'"
    )


def stock_level(db: pg.OdooDatabase) -> set[Row]:
    warehouses = dict(db.execute("SELECT id, name FROM stock_warehouse"))
    products = _products(db)
    groups: dict[tuple[int, int | None, int], list[Row]] = defaultdict(list)
    for quant in _internal_quants(db):
        groups[(quant[0], quant[1], quant[2])].append(quant)
    result = set()
    for (company, warehouse, product), items in groups.items():
        on_hand = sum((q[3] for q in items), Decimal(0))
        reserved = sum((q[4] or Decimal(0) for q in items), Decimal(0))
        result.add((company, warehouse, warehouses.get(warehouse), product, products[product][0],
                    on_hand, reserved, on_hand - reserved))  # fmt: skip
    return result


def inventory_turnover(db: pg.OdooDatabase) -> set[Row]:
    today = _today(db)
    since = datetime.combine(today - timedelta(days=365), datetime.min.time())
    orders = {o[0]: o for o in _orders(db)}
    factors, products = _uom_factors(db), _products(db)
    on_hand: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for quant in _internal_quants(db):
        on_hand[(quant[0], quant[2])] += quant[3]
    delivered: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for line in _lines(db):
        order = orders[line[0]]
        if order[3] in CONFIRMED and line[5] is None and order[4] >= since:
            uom = products[line[1]][1]
            delivered[(order[1], line[1])] += line[6] / factors[line[2]] * factors[uom]
    result = set()
    for (company, product), stock in on_hand.items():
        out = delivered.get((company, product), Decimal(0))
        turnover = money(out / stock) if stock else None
        cover = money(stock * 365 / out, "0.1") if out else None
        result.add((company, product, products[product][0], stock, money(out, "0.001"),
                    turnover, cover))  # fmt: skip
    return result


def employee_headcount(db: pg.OdooDatabase) -> set[Row]:
    departments = {i: _label(n) for i, n in db.execute("SELECT id, name FROM hr_department")}
    groups: dict[tuple[int, int | None], list[Row]] = defaultdict(list)
    for employee in db.execute(
        "SELECT company_id, department_id, user_id, active FROM hr_employee"
    ):
        if employee[3]:
            groups[(employee[0], employee[1])].append(employee)
    return {
        (
            company,
            department,
            departments.get(department) or "No department",
            len(items),
            sum(1 for e in items if e[2] is not None),
        )
        for (company, department), items in groups.items()
    }


ORACLES = {
    "vw_sales_kpi_day": sales_kpi_day,
    "vw_product_performance": product_performance,
    "vw_customer_ltv": customer_ltv,
    "vw_ar_aging": ar_aging,
    "vw_monthly_revenue": monthly_revenue,
    "vw_stock_level": stock_level,
    "vw_inventory_turnover": inventory_turnover,
    "vw_employee_headcount": employee_headcount,
}


def view_rows(db: pg.OdooDatabase, name: str) -> set[Row]:
    return set(db.execute(f"SELECT * FROM analytics.{name}"))
