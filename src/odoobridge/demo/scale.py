"""A deterministic generator that inflates a real Odoo database, in Odoo's own schema, to the
sizes our benchmarks and scale tests need (20,000 users, 1,000 groups, 400,000 memberships,
20,000 ACL rows by default).

Every value derives from the row number with fixed arithmetic, so the same database and the same
sizes always give the same rows. Columns Odoo declares NOT NULL without a default that we do not
set are copied from an existing row (the admin's), so the rows load on 16, 18 and 19 alike.
On 16–18, where Odoo stores implied memberships too, the implied ones are added as Odoo would.
"""

from __future__ import annotations

from typing import Any

import psycopg

from odoobridge.demo.sizes import ScaleSizes
from odoobridge.errors import ConfigError


def _run(cur: psycopg.Cursor[Any], query: str, params: Any = None) -> None:
    """Execute SQL composed here from numbers and our own literals (never from user input)."""
    cur.execute(query, params)


def _scalar(cur: psycopg.Cursor[Any], query: str, params: Any = None) -> Any:
    _run(cur, query, params)
    row = cur.fetchone()
    return row[0] if row else None


def _not_null_columns(cur: psycopg.Cursor[Any], table: str) -> list[str]:
    cur.execute(
        """
        SELECT a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        WHERE c.relname = %s AND a.attnum > 0 AND NOT a.attisdropped AND a.attnotnull
          AND NOT EXISTS (SELECT 1 FROM pg_attrdef d WHERE d.adrelid = c.oid AND d.adnum = a.attnum)
        """,
        (table,),
    )
    return [r[0] for r in cur.fetchall()]


def _insert(
    cur: psycopg.Cursor[Any],
    table: str,
    values: dict[str, str],
    *,
    series: int,
    template_id: int,
) -> None:
    """``INSERT INTO table (…) SELECT … FROM generate_series(1, series) AS i``; NOT NULL columns
    not in ``values`` are copied from row ``template_id``."""
    columns = dict(values)
    for column in _not_null_columns(cur, table):
        if column not in columns and column != "id":
            columns[column] = f"(SELECT t.{column} FROM {table} t WHERE t.id = {template_id})"
    query = (
        f"INSERT INTO {table} ({', '.join(columns)}) "
        f"SELECT {', '.join(columns.values())} FROM generate_series(1, {series}) AS i"
    )
    _run(cur, query)


def _bump_sequence(cur: psycopg.Cursor[Any], table: str) -> None:
    _run(
        cur,
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))",
    )


def _ints(values: list[int]) -> str:
    return "'{" + ",".join(str(int(v)) for v in values) + "}'::int[]"


DEFAULT_SIZES = ScaleSizes()


def inflate(dsn: str, sizes: ScaleSizes = DEFAULT_SIZES) -> dict[str, int]:
    """Add generated users, groups, memberships, ACL rows and rules to the Odoo database at
    ``dsn`` (a login that may write there). Returns the resulting table counts."""
    conninfo = dsn.replace("postgresql+psycopg://", "postgresql://")
    try:
        conn = psycopg.connect(conninfo, connect_timeout=10)
    except psycopg.OperationalError as exc:
        first = str(exc).splitlines()[0]
        raise ConfigError(f"cannot connect to the database to inflate: {first}") from None
    with conn, conn.cursor() as cur:
        if _scalar(cur, "SELECT count(*) FROM res_users WHERE login LIKE 'scale.user%'"):
            raise ConfigError("this database is inflated already: start from a fresh copy")
        _generate(cur, sizes)
        counts = {table: int(_scalar(cur, f"SELECT count(*) FROM {table}")) for table in _COUNTED}
    conn.close()
    return counts


_COUNTED = (
    "res_users",
    "res_groups",
    "res_groups_users_rel",
    "res_groups_implied_rel",
    "ir_model_access",
    "ir_rule",
)
_BASE_TS = "timestamp '2026-11-01 08:00:00'"


def _generate(cur: psycopg.Cursor[Any], sizes: ScaleSizes) -> None:
    has_privilege = bool(
        _scalar(
            cur,
            "SELECT count(*) FROM information_schema.columns "
            "WHERE table_name = 'res_groups' AND column_name = 'privilege_id'",
        )
    )
    p0 = _scalar(cur, "SELECT max(id) FROM res_partner")
    u0 = _scalar(cur, "SELECT max(id) FROM res_users")
    g0 = _scalar(cur, "SELECT max(id) FROM res_groups")
    a0 = _scalar(cur, "SELECT max(id) FROM ir_model_access")
    r0 = _scalar(cur, "SELECT max(id) FROM ir_rule")
    admin_partner = _scalar(cur, "SELECT partner_id FROM res_users WHERE id = 2")
    # Generated roles grant business models, as real ones do: not Odoo's technical and security
    # models (ir.*, res.users, res.groups, res.company, ir.config_parameter) nor the ledger.
    business = (
        "FROM ir_model WHERE model NOT LIKE 'ir.%' AND model NOT LIKE 'res.users%' "
        "AND model NOT LIKE 'res.groups%' AND model NOT LIKE 'res.company%' "
        "AND model NOT LIKE 'account.%' AND model NOT LIKE 'base.%'"
    )
    models = _ints(_scalar(cur, f"SELECT array_agg(id ORDER BY id) {business}"))
    n_models = _scalar(cur, f"SELECT count(*) {business}")
    owner_table = "res_groups_privilege" if has_privilege else "ir_module_category"
    owners = _scalar(cur, f"SELECT array_agg(id ORDER BY id) FROM {owner_table}")
    owner_column = "privilege_id" if has_privilege else "category_id"
    users, groups, ts = sizes.users, sizes.groups, _BASE_TS

    _insert(
        cur,
        "res_partner",
        {
            "id": f"{p0} + i",
            "name": "'Scale User ' || i",
            "email": "'scale.user' || i || '@example.com'",
            "active": "true",
            "create_date": ts,
            "write_date": ts,
        },
        series=users,
        template_id=admin_partner,
    )
    _insert(
        cur,
        "res_users",
        {
            "id": f"{u0} + i",
            "login": "'scale.user' || i || '@example.com'",
            "partner_id": f"{p0} + i",
            "company_id": "1",
            "active": "i % 20 <> 0",
            "share": "i % 10 = 9",
            "notification_type": "'email'",
            "create_date": f"{ts} - (i % 700) * interval '1 day'",
            "write_date": f"{ts} - (i % 90) * interval '1 day'",
        },
        series=users,
        template_id=2,
    )
    _insert(
        cur,
        "res_groups",
        {
            "id": f"{g0} + i",
            "name": "jsonb_build_object('en_US', 'Scale Group ' || i)",
            owner_column: f"({_ints(owners)})[1 + i % {len(owners)}]",
            "share": "false",
            "create_date": ts,
            "write_date": ts,
        },
        series=groups,
        template_id=1,
    )
    # Every tenth group implies the one before it, every fiftieth also the one before that.
    _run(
        cur,
        f"INSERT INTO res_groups_implied_rel (gid, hid) SELECT {g0} + i, {g0} + i - 1 "
        f"FROM generate_series(2, {groups}) AS i WHERE i % 10 = 0 "
        f"UNION ALL SELECT {g0} + i, {g0} + i - 2 "
        f"FROM generate_series(3, {groups}) AS i WHERE i % 50 = 0",
    )
    # The k-th group of user u is (31u + 97k) mod groups: distinct for every k of one user.
    _run(
        cur,
        f"INSERT INTO res_groups_users_rel (gid, uid) "
        f"SELECT {g0} + 1 + ((u * 31 + k * 97) % {groups}), {u0} + u "
        f"FROM generate_series(1, {users}) AS u, generate_series(0, {sizes.groups_per_user - 1}) k",
    )
    _run(
        cur,
        f"INSERT INTO res_groups_users_rel (gid, uid) SELECT 1, {u0} + u "
        f"FROM generate_series(1, {users}) AS u WHERE u % 10 <> 9",
    )
    if not has_privilege:
        # Odoo 16–18 store implied memberships too: add the closure as Odoo would.
        _run(cur, _CLOSURE_INSERT)
    _run(
        cur,
        f"INSERT INTO res_company_users_rel (cid, user_id) "
        f"SELECT 1, {u0} + u FROM generate_series(1, {users}) AS u UNION ALL "
        f"SELECT 2, {u0} + u FROM generate_series(1, {users}) AS u WHERE u % 3 = 0",
    )
    _run(
        cur,
        f"INSERT INTO res_users_log (create_uid, write_uid, create_date, write_date) "
        f"SELECT {u0} + u, {u0} + u, {ts} - (u % 200) * interval '1 day', "
        f"{ts} - (u % 200) * interval '1 day' "
        f"FROM generate_series(1, {users}) AS u WHERE u % 5 <> 0",
    )
    _run(
        cur,
        "INSERT INTO ir_model_access (id, name, model_id, group_id, perm_read, perm_write, "
        "perm_create, perm_unlink, active, create_date, write_date) "
        f"SELECT {a0} + i, 'scale_access_' || i, ({models})[1 + (i * 7) % {n_models}], "
        f"CASE WHEN i % 500 = 0 THEN NULL ELSE {g0} + 1 + (i * 13) % {groups} END, "
        "true, i % 2 = 0, i % 3 = 0, i % 7 = 0, i % 97 <> 0, "
        f"{ts}, {ts} FROM generate_series(1, {sizes.acls}) AS i",
    )
    _run(
        cur,
        "INSERT INTO ir_rule (id, name, model_id, domain_force, perm_read, perm_write, "
        'perm_create, perm_unlink, "global", active, create_date, write_date) '
        f"SELECT {r0} + i, 'Scale rule ' || i, ({models})[1 + (i * 11) % {n_models}], "
        "'[(''company_id'', ''in'', company_ids)]', true, true, true, true, i % 5 = 0, "
        f"true, {ts}, {ts} FROM generate_series(1, {sizes.rules}) AS i",
    )
    _run(
        cur,
        f"INSERT INTO rule_group_rel (rule_group_id, group_id) "
        f"SELECT {r0} + i, {g0} + 1 + (i * 17) % {groups} "
        f"FROM generate_series(1, {sizes.rules}) AS i WHERE i % 5 <> 0",
    )
    for table in (
        "res_partner",
        "res_users",
        "res_groups",
        "ir_model_access",
        "ir_rule",
        "res_users_log",
    ):
        _bump_sequence(cur, table)


_CLOSURE_INSERT = """
WITH RECURSIVE implied(gid, hid) AS (
    SELECT gid, hid FROM res_groups_implied_rel
  UNION
    SELECT i.gid, r.hid FROM implied i JOIN res_groups_implied_rel r ON r.gid = i.hid
)
INSERT INTO res_groups_users_rel (gid, uid)
SELECT DISTINCT i.hid, m.uid FROM res_groups_users_rel m JOIN implied i ON i.gid = m.gid
ON CONFLICT DO NOTHING
"""
