"""BI fixtures: Odoo database copies with a second company's data, role names that are unique
per test (roles are cluster-wide) and dropped afterwards, admin connections."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import psycopg
import pytest

from odoobridge.bi.connection import connect
from odoobridge.sources.odoo_db import OdooDbTarget
from tests import pg

COMPANY_A, COMPANY_B = 1, 2
B_PARTNER_NAME = "Chicago Buyer Inc."


class RoleNames:
    """``roles.new("ro")`` → a fresh role name; all of them (and prefixed company roles) are
    dropped when the test ends, after its databases."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.prefixes: list[str] = []
        self.token = uuid.uuid4().hex[:8]

    def new(self, stem: str) -> str:
        name = f"obt_{stem}_{self.token}_{len(self.names)}"
        self.names.append(name)
        return name

    def prefix(self) -> str:
        prefix = f"obt_co_{self.token}_"
        self.prefixes.append(prefix)
        return prefix

    def drop_all(self) -> None:
        with pg.connect() as conn:
            found = [r[0] for r in conn.execute("SELECT rolname FROM pg_roles").fetchall()]
            doomed = [n for n in found if n in self.names or n.startswith(tuple(self.prefixes))]
            for name in doomed:
                conn.execute(
                    psycopg.sql.SQL("DROP ROLE IF EXISTS {}").format(psycopg.sql.Identifier(name))
                )


@pytest.fixture
def roles() -> Iterator[RoleNames]:
    names = RoleNames()
    yield names
    names.drop_all()


@pytest.fixture
def bi_db(roles: RoleNames, make_odoo_db: Callable[[int], pg.OdooDatabase]) -> pg.OdooDatabase:
    """A fresh copy of the Odoo 18 fixture (roles fixture first: torn down after the database)."""
    return make_odoo_db(18)


def admin(db: pg.OdooDatabase) -> AbstractContextManager[psycopg.Connection[Any]]:
    """One transaction on ``db`` as the admin login (committed at the end of the block)."""
    return connect(OdooDbTarget(dsn=db.admin_dsn, setting="--dsn"))


def login_url(db: pg.OdooDatabase, role: str) -> str:
    return pg.url_for(db.name, user=role).replace("postgresql+psycopg://", "postgresql://")


def _copy(conn: psycopg.Connection[Any], table: str, source_id: int, **changes: Any) -> int:
    new_id = conn.execute(f"SELECT max(id) + 1 FROM {table}").fetchone()[0]  # type: ignore[index]
    changes["id"] = new_id
    conn.execute(
        f"INSERT INTO {table} SELECT (jsonb_populate_record(NULL::{table}, "
        f"to_jsonb(t) || %s::jsonb)).* FROM {table} t WHERE id = %s",
        (json.dumps(changes, default=str), source_id),
    )
    return int(new_id)


def _amounts(balance: float, residual: float = 0) -> dict[str, Any]:
    return {
        "balance": balance, "debit": max(balance, 0), "credit": max(-balance, 0),
        "amount_currency": balance, "amount_residual": residual,
        "amount_residual_currency": residual, "reconciled": residual == 0,
    }  # fmt: skip


def _move(
    conn: psycopg.Connection[Any], source: int, *, name: str, partner: int, day: str, due: str,
    untaxed: float, residual: float, product_line: int, receivable_line: int,
) -> int:  # fmt: skip
    """A posted customer invoice (untaxed > 0) or credit note (< 0) of company B copied from
    ``source``: header, one product line and one receivable line, consistent with each other."""
    move = _copy(
        conn, "account_move", source, company_id=COMPANY_B, partner_id=partner,
        commercial_partner_id=partner, name=name, invoice_date=day, date=day,
        invoice_date_due=due, amount_untaxed=abs(untaxed), amount_total=abs(untaxed),
        amount_residual=abs(residual), amount_untaxed_signed=untaxed,
        amount_total_signed=untaxed, amount_residual_signed=residual,
    )  # fmt: skip
    common = {"move_id": move, "company_id": COMPANY_B, "partner_id": partner, "date": day,
              "move_name": name}  # fmt: skip
    _copy(conn, "account_move_line", product_line, **common, **_amounts(-untaxed),
          price_subtotal=abs(untaxed), price_total=abs(untaxed), quantity=1,
          price_unit=abs(untaxed))  # fmt: skip
    _copy(conn, "account_move_line", receivable_line, **common, **_amounts(untaxed, residual),
          date_maturity=due)  # fmt: skip
    return move


def _payment(
    conn: psycopg.Connection[Any], partner: int, name: str, amount: float, left: float, day: Any
) -> int:
    """A posted customer payment of company B (copied from the entry MISC/2026/11/0001): bank
    debit, receivable credit with ``left`` still unmatched."""
    move = _copy(conn, "account_move", 15, company_id=COMPANY_B, partner_id=partner,
                 commercial_partner_id=partner, name=name, date=day.isoformat(),
                 amount_total=amount, amount_total_signed=amount)  # fmt: skip
    common = {"move_id": move, "company_id": COMPANY_B, "partner_id": partner,
              "date": day.isoformat(), "move_name": name}  # fmt: skip
    _copy(conn, "account_move_line", 1, **common, **_amounts(-amount, left))
    _copy(conn, "account_move_line", 2, **common, **_amounts(amount, 0))
    return move


def add_company_b(db: pg.OdooDatabase) -> dict[str, Any]:
    """Give company 2 (My Company (Chicago)) its own customer, orders, invoices, stock and staff.
    The real fixture has data for company 1 only; returns the ids made."""
    made: dict[str, Any] = {}
    with db.connect() as conn:
        partner = _copy(conn, "res_partner", 11, name=B_PARTNER_NAME, company_id=COMPANY_B)
        conn.execute("UPDATE res_partner SET commercial_partner_id = id WHERE id = %s", (partner,))
        made["partner"] = partner
        orders = []
        for source, untaxed, day in ((4, 1000, "2026-09-15"), (6, 2000, "2026-11-02"),
                                     (7, 3500, "2026-11-02")):  # fmt: skip
            order = _copy(
                conn, "sale_order", source, company_id=COMPANY_B, partner_id=partner,
                partner_invoice_id=partner, partner_shipping_id=partner, name=f"CHI{source}",
                amount_untaxed=untaxed, amount_total=untaxed * 1.15,
                date_order=f"{day} 10:00:00", warehouse_id=2,
            )  # fmt: skip
            for (line,) in conn.execute(
                "SELECT id FROM sale_order_line WHERE order_id = %s ORDER BY id", (source,)
            ).fetchall():
                _copy(conn, "sale_order_line", line, order_id=order, company_id=COMPANY_B,
                      order_partner_id=partner)  # fmt: skip
            orders.append(order)
        made["orders"] = orders
        today = conn.execute("SELECT current_date").fetchone()[0]  # type: ignore[index]
        invoices = []
        for n, (due_days, residual) in enumerate(((45, 500), (120, 700), (-10, 250))):
            # Untaxed 2 × residual, half of it paid (the payment below); the rest due.
            due = (today - timedelta(days=due_days)).isoformat()
            day = f"2026-{8 + n:02d}-01"
            invoices.append(
                _move(
                    conn, 1, name=f"CHI/INV/{n}", partner=partner, day=day, due=due,
                    untaxed=residual * 2, residual=residual, product_line=5, receivable_line=29,
                )
            )  # fmt: skip
        made["invoices"] = invoices
        # A credit note still open, 75 days past its due date: it lowers what the customer owes.
        made["refund"] = _move(
            conn, 8, name="CHI/RINV/1", partner=partner, day="2026-10-05",
            due=(today - timedelta(days=75)).isoformat(), untaxed=-300, residual=-300,
            product_line=16, receivable_line=35,
        )  # fmt: skip
        # The payment of the invoices' paid halves (reconciled: nothing left) and one of 100
        # received 5 days ago that no invoice was matched with yet (open, lowers the total).
        made["payments"] = [
            _payment(conn, partner, "CHI/BNK/1", 1450, 0, today - timedelta(days=40)),
            _payment(conn, partner, "CHI/BNK/2", 100, -100, today - timedelta(days=5)),
        ]
        quants = []
        for (quant,) in conn.execute(
            "SELECT q.id FROM stock_quant q JOIN stock_location l ON l.id = q.location_id "
            "WHERE l.usage = 'internal' ORDER BY q.id LIMIT 3"
        ).fetchall():
            quants.append(_copy(conn, "stock_quant", quant, company_id=COMPANY_B, location_id=28))
        made["quants"] = quants
        employees = []
        for source, department in ((1, None), (2, 1), (3, 1)):
            employees.append(
                _copy(
                    conn,
                    "hr_employee",
                    source,
                    company_id=COMPANY_B,
                    department_id=department,
                    user_id=None,
                    barcode=None,
                    name=f"Chicago employee {source}",
                )
            )
        made["employees"] = employees
    return made
