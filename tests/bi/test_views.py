"""The analytics views on the real Odoo fixtures: every figure equals an independent computation
on the base tables, on Odoo 18 (with a second company's data added), 16 and 19."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from odoobridge.bi.install import install
from odoobridge.bi.specs import view_specs
from tests import pg
from tests.bi import oracle
from tests.bi.conftest import B_PARTNER_NAME, COMPANY_A, COMPANY_B, add_company_b, admin

ALL_VIEWS = [spec.name for spec in view_specs()]


@pytest.fixture
def installed18(bi_db: pg.OdooDatabase) -> pg.OdooDatabase:
    add_company_b(bi_db)
    with admin(bi_db) as conn:
        install(conn, bi_db.name, materialized=True)
    return bi_db


def test_every_view_equals_the_base_tables_on_odoo18(installed18: pg.OdooDatabase) -> None:
    for name in ALL_VIEWS:
        expected = oracle.ORACLES[name](installed18)
        assert expected, f"{name}: the fixture should give rows"
        assert oracle.view_rows(installed18, name) == expected, name
        mv = "mv_" + name.removeprefix("vw_")
        assert oracle.view_rows(installed18, mv) == expected, mv
        companies = {row[0] for row in expected}
        assert companies == {COMPANY_A, COMPANY_B}, name


def test_real_figures_of_the_odoo18_fixture(installed18: pg.OdooDatabase) -> None:
    db = installed18
    (orders, revenue), *_ = db.execute(
        "SELECT sum(orders), sum(revenue_total) FROM analytics.vw_sales_kpi_day "
        "WHERE company_id = 1"
    )
    assert (orders, revenue) == (21, Decimal("97910.50"))  # 21 confirmed orders in the demo
    # Receivables: four posted invoices (124,500.00 open), five open credit notes for as much,
    # and two opposite entries of 2,500 on the receivable account: customers owe nothing. The
    # first version of the view summed the invoices alone and said 124,500.00.
    invoices_alone = db.execute(
        "SELECT sum(amount_residual_signed) FROM account_move "
        "WHERE move_type = 'out_invoice' AND state = 'posted' AND company_id = 1"
    )
    assert invoices_alone == [(Decimal("124500.00"),)]
    ledger = db.execute(  # Odoo's account 121000 Account Receivable, straight from the ledger
        "SELECT sum(l.amount_residual), count(*) FROM account_move_line l "
        "JOIN account_account a ON a.id = l.account_id "
        "WHERE a.code_store->>'1' = '121000' AND l.parent_state = 'posted' "
        "AND l.amount_residual <> 0 AND l.company_id = 1"
    )
    assert ledger == [(Decimal("0.00"), 11)]
    aging = db.execute(
        "SELECT customer_name, total_due, open_items FROM analytics.vw_ar_aging "
        "WHERE company_id = 1 ORDER BY customer_name"
    )
    assert aging == [("Azure Interior", 0, 3), ("Deco Addict", 0, 8)]
    # Company B: invoices 45 and 120 days past due and one due in 10 days, a credit note 75
    # days past due, a payment of 100 not matched yet (5 days ago), one matched in full.
    ((b_customer, due, items, not_due, d0, d31, d61, d90),) = db.execute(
        "SELECT customer_name, total_due, open_items, not_due, days_0_30, days_31_60, "
        "days_61_90, days_over_90 FROM analytics.vw_ar_aging WHERE company_id = 2"
    )
    assert b_customer == B_PARTNER_NAME
    assert (due, items) == (1050, 5)
    assert (not_due, d0, d31, d61, d90) == (250, -100, 500, -300, 700)
    # Revenue: 124,500.00 invoiced and 124,500.00 credited, untaxed: nothing net.
    revenue = db.execute(
        "SELECT sum(invoices), sum(refunds), sum(invoiced), sum(refunded), sum(net_revenue) "
        "FROM analytics.vw_monthly_revenue WHERE company_id = 1"
    )
    assert revenue == [(4, 5, Decimal("124500.00"), Decimal("124500.00"), Decimal("0.00"))]
    # Deco Addict ordered 65,000.00; what it was invoiced was credited back in full.
    ltv = db.execute(
        "SELECT lifetime_revenue, net_invoiced FROM analytics.vw_customer_ltv "
        "WHERE company_id = 1 AND customer_name = 'Deco Addict'"
    )
    assert ltv == [(Decimal("65000.00"), Decimal("0.00"))]
    headcount = db.execute(
        "SELECT sum(headcount) FROM analytics.vw_employee_headcount WHERE company_id = 1"
    )
    assert headcount == [(20,)]
    departments = db.execute(
        "SELECT department_name FROM analytics.vw_employee_headcount WHERE company_id = 2 "
        "ORDER BY 1"
    )
    assert departments[-1] == ("No department",)


def test_quantities_are_converted_to_the_products_unit(installed18: pg.OdooDatabase) -> None:
    """A line sold in Dozens counts 12 units of a product kept in Units."""
    db = installed18
    ((line, _order, product, qty),) = db.execute(
        "SELECT l.id, l.order_id, l.product_id, l.product_uom_qty FROM sale_order_line l "
        "JOIN sale_order o ON o.id = l.order_id JOIN product_product p ON p.id = l.product_id "
        "JOIN product_template t ON t.id = p.product_tmpl_id JOIN uom_uom u ON u.id = t.uom_id "
        "WHERE o.state = 'sale' AND l.display_type IS NULL AND o.company_id = 1 "
        "AND u.name->>'en_US' = 'Units' AND l.product_uom = t.uom_id ORDER BY l.id LIMIT 1"
    )
    (dozen,) = db.execute("SELECT id FROM uom_uom WHERE name->>'en_US' = 'Dozens'")[0]
    before = db.execute(
        "SELECT sum(quantity) FROM analytics.vw_product_performance WHERE product_id = %s",
        (product,),
    )[0][0]
    db.execute("UPDATE sale_order_line SET product_uom = %s WHERE id = %s", (dozen, line))
    after = db.execute(
        "SELECT sum(quantity) FROM analytics.vw_product_performance WHERE product_id = %s",
        (product,),
    )[0][0]
    assert after - before == qty * 11
    assert oracle.view_rows(db, "vw_product_performance") == oracle.product_performance(db)


@pytest.mark.parametrize("version", [16, 19])
def test_views_adapt_to_the_odoo_version(
    version: int, make_odoo_db: Callable[[int], pg.OdooDatabase]
) -> None:
    db = make_odoo_db(version)
    with admin(db) as conn:
        report = install(conn, db.name)
    if version == 16:  # the 16 fixture leaves account_account out: no account types
        assert report.skipped == {"vw_ar_aging": "no table account_account"}
        assert set(report.installed) == {"odoo_label", *ALL_VIEWS} - {"vw_ar_aging"}
    else:  # 19: no sale, account or hr modules in this database; stock is there
        assert report.skipped == {
            "vw_sales_kpi_day": "Odoo module sale not installed",
            "vw_product_performance": "Odoo module sale not installed",
            "vw_customer_ltv": "Odoo module sale, account not installed",
            "vw_ar_aging": "Odoo module account not installed",
            "vw_monthly_revenue": "Odoo module account not installed",
            "vw_inventory_turnover": "Odoo module sale not installed",
            "vw_employee_headcount": "Odoo module hr not installed",
        }
        assert report.installed == ["odoo_label", "vw_stock_level"]
    for name in report.installed:
        if name.startswith("vw_"):
            assert oracle.view_rows(db, name) == oracle.ORACLES[name](db), (version, name)
    # Odoo 16 names departments in plain text, 18 in jsonb: the label function takes both.
    if version == 16:
        names = db.execute("SELECT department_name FROM analytics.vw_employee_headcount")
        assert ("Research & Development",) in names


def test_aging_reads_the_odoo16_ledger(make_odoo_db: Callable[[int], pg.OdooDatabase]) -> None:
    """The 16 fixture leaves account_account out; Odoo 16 has it (account types since 16.0). Put
    back its rows: the invoices' payment-term lines sit on the receivable account, the vendor
    bills' on the payable one, the rest are other accounts."""
    db = make_odoo_db(16)
    db.execute(
        "CREATE TABLE account_account (id int PRIMARY KEY, account_type varchar NOT NULL, "
        "non_trade boolean, name jsonb)"
    )
    db.execute(
        "INSERT INTO account_account (id, account_type, non_trade) "
        "SELECT DISTINCT account_id, 'asset_current', false FROM account_move_line"
    )
    for move_type, account_type in (("out_invoice", "asset_receivable"),
                                    ("in_invoice", "liability_payable")):  # fmt: skip
        db.execute(
            "UPDATE account_account SET account_type = %s WHERE id IN (SELECT l.account_id "
            "FROM account_move_line l JOIN account_move m ON m.id = l.move_id "
            "WHERE m.move_type = %s AND l.display_type = 'payment_term')",
            (account_type, move_type),
        )
    with admin(db) as conn:
        report = install(conn, db.name)
    assert report.skipped == {} and "vw_ar_aging" in report.installed
    assert oracle.view_rows(db, "vw_ar_aging") == oracle.ar_aging(db)
    # Four posted invoices, nothing paid or credited; the vendor bills are not receivables.
    totals = db.execute(
        "SELECT customer_name, total_due, open_items FROM analytics.vw_ar_aging "
        "ORDER BY customer_name"
    )
    assert totals == [
        ("Azure Interior", Decimal("36512.50"), 1),
        ("Deco Addict", Decimal("106662.50"), 3),
    ]
