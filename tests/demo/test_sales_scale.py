"""The sales scale generator: deterministic, in Odoo's own schema, read back by the CRM sync
through the stub Odoo, and its salespeople see what Odoo's rules give them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from odoobridge.access.sync import sync_odoo
from odoobridge.demo.sales_scale import SalesScaleSizes, inflate_sales
from odoobridge.environment import Environment
from odoobridge.errors import ConfigError
from odoobridge.sales.crm_sync import sync_crm
from odoobridge.settings import Settings
from odoobridge.store.engine import Store
from tests import pg
from tests.fakes.odoo_rpc_fixtures import RunningStub
from tests.sales.conftest import odoo_env

SMALL = SalesScaleSizes(salespeople=20, teams=4, accounts=300, opportunities=2_000,
                        invoices=800, activities=200)  # fmt: skip


def content(db: pg.OdooDatabase) -> list[tuple[object, ...]]:
    return db.execute(
        "SELECT (SELECT md5(string_agg(concat_ws(':', id, user_id, stage_id, partner_id,"
        " expected_revenue, active, company_id), ',' ORDER BY id) ) FROM crm_lead),"
        " (SELECT md5(string_agg(concat_ws(':', id, invoice_user_id, amount_total_signed),"
        " ',' ORDER BY id)) FROM account_move)"
    )


def test_small_inflation_is_deterministic(make_odoo_db: Callable[[int], pg.OdooDatabase]) -> None:
    first, second = make_odoo_db(18), make_odoo_db(18)
    counts = inflate_sales(first.admin_dsn, SMALL)
    assert inflate_sales(second.admin_dsn, SMALL) == counts
    assert content(first) == content(second)
    assert counts["crm_lead"] == 44 + 2_000
    assert counts["account_move"] == 24 + 800
    assert counts["res_users"] == 7 + 20 and counts["crm_team"] == 4 + 4
    assert counts["res_partner"] == 61 + 20 + 300
    with pytest.raises(ConfigError, match="inflated already"):
        inflate_sales(first.admin_dsn, SMALL)


@pytest.mark.parametrize("odoo_rpc_stub", [{"version": 18, "protocol": "jsonrpc"}], indirect=True)
def test_the_crm_sync_reads_it_and_sellers_see_their_own(
    odoo_rpc_stub: RunningStub, make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    inflate_sales(odoo_rpc_stub.database.admin_dsn, SMALL)
    url = f"sqlite:///{tmp_path / 'scale.sqlite'}"
    settings = make_settings(DATABASE_URL=url, ODOO_PROD_DSN=odoo_rpc_stub.database.reader_dsn,
                             **odoo_env(odoo_rpc_stub))  # fmt: skip
    store = Store(url)
    sync_odoo(store, settings, Environment.PROD)
    run = sync_crm(store, settings)
    assert run.stats["leads"]["count"] == 2_044 and run.stats["invoices"]["count"] == 809
    assert run.stats["activities"]["count"] == 14 + 200
    from odoobridge.auth.accounts import create_local_account
    from odoobridge.auth.audit import Origin
    from odoobridge.auth.roles import Role
    from odoobridge.sales.opportunities import LeadFilters, list_opportunities
    from odoobridge.sales.serving import Paging
    from odoobridge.sales.visibility import visibility_for

    with store.session() as session:
        seller = create_local_account(session, email="scale.seller7@example.com", name="Seven",
                                      password="x" * 12, role=Role.VIEWER, by="t",
                                      origin=Origin())  # fmt: skip
        vis = visibility_for(session, settings, seller)
        page = list_opportunities(session, vis, LeadFilters(), Paging(500))
    uid = odoo_rpc_stub.database.execute(
        "SELECT id FROM res_users WHERE login = 'scale.seller7@example.com'")[0][0]  # fmt: skip
    expected = odoo_rpc_stub.database.execute(
        "SELECT count(*) FROM crm_lead WHERE (user_id = %s OR user_id IS NULL)"
        " AND (company_id IS NULL OR company_id = 1)", (uid,))[0][0]  # fmt: skip
    assert vis.visible and page["total"] == expected and expected > 40
