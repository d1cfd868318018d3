"""The deterministic scale generator, in Odoo's own schema."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from odoobridge.demo.scale import ScaleSizes, inflate
from odoobridge.errors import ConfigError
from odoobridge.sources.odoo_db import OdooDbReader, OdooDbTarget
from tests import pg

SMALL = ScaleSizes(users=300, groups=40, groups_per_user=6, acls=500, rules=50)


def content(db: pg.OdooDatabase) -> list[tuple[object, ...]]:
    return db.execute(
        "SELECT (SELECT md5(string_agg(gid || ':' || uid, ',' ORDER BY gid, uid)) FROM res_groups_users_rel),"
        " (SELECT md5(string_agg(id || login || active::text || share::text, ',' ORDER BY id)) FROM res_users),"
        " (SELECT md5(string_agg(id || ':' || model_id || ':' || coalesce(group_id, 0), ',' ORDER BY id)) FROM ir_model_access)"
    )


def test_small_inflation_is_deterministic(make_odoo_db: Callable[[int], pg.OdooDatabase]) -> None:
    first, second = make_odoo_db(18), make_odoo_db(18)
    counts = inflate(first.admin_dsn, SMALL)
    assert inflate(second.admin_dsn, SMALL) == counts
    assert content(first) == content(second)
    assert counts["res_users"] == 7 + 300
    assert counts["res_groups"] == 68 + 40
    assert counts["ir_model_access"] == 847 + 500
    assert counts["ir_rule"] == 235 + 50
    # 16–18 store implied memberships too: stored memberships equal their closure.
    closure = first.execute(
        """WITH RECURSIVE implied(gid, hid) AS (
               SELECT gid, hid FROM res_groups_implied_rel
             UNION SELECT i.gid, r.hid FROM implied i JOIN res_groups_implied_rel r ON r.gid = i.hid)
           SELECT count(*) FROM (SELECT uid, gid FROM res_groups_users_rel
                                 UNION SELECT m.uid, i.hid FROM res_groups_users_rel m
                                 JOIN implied i ON i.gid = m.gid) AS e"""
    )
    assert closure == [(counts["res_groups_users_rel"],)]


def test_the_inflated_database_reads_through_the_reader(
    make_odoo_db: Callable[[int], pg.OdooDatabase],
) -> None:
    db = make_odoo_db(19)
    inflate(db.admin_dsn, SMALL)
    with OdooDbReader(OdooDbTarget(dsn=db.reader_dsn)) as reader:
        users = [row for batch in reader.batches("users") for row in batch]
        groups = [row for batch in reader.batches("groups") for row in batch]
    scale_users = [u for u in users if u[1].startswith("scale.user")]
    assert len(scale_users) == 300
    assert sum(1 for u in scale_users if not u[2]) == 15  # every 20th is archived
    assert sum(1 for u in scale_users if u[3]) == 30  # every 10th is a portal user
    assert all(g[3] is not None for g in groups if g[1].startswith("Scale Group"))  # privileges


def test_inflating_twice_is_refused(make_odoo_db: Callable[[int], pg.OdooDatabase]) -> None:
    db = make_odoo_db(18)
    inflate(db.admin_dsn, SMALL)
    with pytest.raises(ConfigError, match="inflated already"):
        inflate(db.admin_dsn, SMALL)


def test_default_sizes_reach_the_benchmark_scale(
    make_odoo_db: Callable[[int], pg.OdooDatabase],
) -> None:
    counts = inflate(make_odoo_db(18).admin_dsn)
    assert counts["res_users"] >= 20_000
    assert counts["res_groups"] >= 1_000
    assert counts["res_groups_users_rel"] >= 400_000
    assert counts["ir_model_access"] >= 20_000
