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
    # Four posted customer invoices, all unpaid: 31750 + 41750 + 19250 + 31750.
    (due, invoices), *_ = db.execute(
        "SELECT sum(total_due), sum(open_invoices) FROM analytics.vw_ar_aging WHERE company_id = 1"
    )
    assert (due, invoices) == (Decimal("124500.00"), 4)
    # Company B's invoices were made 45 and 120 days past due, and one due in 10 days.
    ((b_customer, not_due, d0, d31, d61, d90),) = db.execute(
        "SELECT customer_name, not_due, days_0_30, days_31_60, days_61_90, days_over_90 "
        "FROM analytics.vw_ar_aging WHERE company_id = 2"
    )
    assert b_customer == B_PARTNER_NAME
    assert (not_due, d0, d31, d61, d90) == (250, 0, 500, 0, 700)
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
    if version == 16:
        assert report.skipped == {}
        assert set(report.installed) == {"odoo_label", *ALL_VIEWS}
    else:  # 19: no sale, account or hr modules in this database; stock is there
        assert report.skipped == {
            "vw_sales_kpi_day": "Odoo module sale not installed",
            "vw_product_performance": "Odoo module sale not installed",
            "vw_customer_ltv": "Odoo module sale not installed",
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
