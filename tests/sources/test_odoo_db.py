"""The read-only Odoo PostgreSQL reader on the real 16, 18 and 19 fixtures."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from odoobridge.sources.odoo_db import (
    OdooDbError,
    OdooDbQueryError,
    OdooDbReader,
    OdooDbSchemaError,
    OdooDbTarget,
)
from odoobridge.sources.odoo_records import ENTITY_BY_NAME
from tests import facts, pg


def read_all(dsn: str, **target: Any) -> tuple[OdooDbReader, dict[str, list[Any]]]:
    with OdooDbReader(OdooDbTarget(dsn=dsn, **target)) as reader:
        assert reader.info is not None
        rows = {
            entity: [
                ENTITY_BY_NAME[entity].record(*row)
                for batch in reader.batches(entity)
                for row in batch
            ]
            for entity in reader.info.entities
        }
    return reader, rows


def test_reads_every_entity_of_each_version(odoo_any: pg.OdooDatabase) -> None:
    reader, rows = read_all(odoo_any.reader_dsn)
    version = odoo_any.version
    assert {k: len(v) for k, v in rows.items() if v} == {
        k: v for k, v in facts.COUNTS[version].items() if v
    }
    assert reader.info is not None
    assert reader.info.major == version
    assert reader.info.odoo_version is not None
    assert reader.info.odoo_version.startswith(f"{version}.0")
    expected_adapter = {16: "jsonb", 18: "jsonb", 19: "privilege"}[version]
    assert reader.info.adapter.startswith(expected_adapter)
    assert reader.info.skipped == {}
    # ir_model_data is only in the 18.0 fixture; hr is not installed in 19.0.
    expected_absent = {
        16: {"xml_ids": "no ir_model_data table"},
        18: {},
        19: {
            "employees": "no hr_employee table (the hr module is not installed)",
            "xml_ids": "no ir_model_data table",
        },
    }
    assert reader.info.absent == expected_absent[version]


def test_concrete_records(odoo_any: pg.OdooDatabase) -> None:
    _, rows = read_all(odoo_any.reader_dsn)
    v = odoo_any.version
    users = {u.login: u for u in rows["users"]}
    assert users["admin"].name == "Mitchell Admin"
    assert users["admin"].active and not users["admin"].share
    assert users["portal"].share
    assert not users["__system__"].active
    admin_groups = [m.group_id for m in rows["memberships"] if m.user_id == users["admin"].odoo_id]
    assert len(admin_groups) == facts.ADMIN_GROUPS[v]

    groups = {g.odoo_id: g for g in rows["groups"]}
    assert groups[1].name == facts.INTERNAL_USER_NAME[v]
    # Access Rights (2) implies the internal user group (1), on every version.
    assert (2, 1) in {(i.group_id, i.implied_group_id) for i in rows["implications"]}

    acl_id, group_id = facts.CRM_LEAD_USER_ACL[v]
    acl = next(a for a in rows["acls"] if a.odoo_id == acl_id)
    assert (acl.model, acl.name, acl.group_id) == ("crm.lead", "crm.lead", group_id)
    assert (acl.perm_read, acl.perm_write, acl.perm_create, acl.perm_unlink) == (
        True,
        True,
        True,
        False,
    )
    assert acl.model_name == facts.CRM_LEAD_LABEL[v]
    assert groups[group_id].name == "User: Own Documents Only"

    rule = next(r for r in rows["rules"] if r.odoo_id == facts.PERSONAL_LEADS_RULE[v])
    assert (rule.name, rule.model, rule.domain) == (
        "Personal Leads",
        "crm.lead",
        facts.PERSONAL_LEADS_DOMAIN,
    )
    assert not rule.is_global
    assert any(rg.rule_id == rule.odoo_id for rg in rows["rule_groups"])
    companies = {c.name for c in rows["companies"]}
    assert companies == {"My Company (San Francisco)", "My Company (Chicago)"}


def test_odoo18_details(odoo18: pg.OdooDatabase) -> None:
    _, rows = read_all(odoo18.reader_dsn)
    # Internal User (1) implies Technical Features (7), Manage Product Variants (19), Use
    # Milestones (46), Manage Lots / Serial Numbers (52), Quotation Templates (68).
    implied = sorted(i.implied_group_id for i in rows["implications"] if i.group_id == 1)
    assert implied == [7, 19, 46, 52, 68]
    # The last sign-in comes from res_users_log: the admin's latest row (NULL create_uid ignored).
    (login,) = rows["logins"]
    latest = odoo18.execute("SELECT max(create_date) FROM res_users_log WHERE create_uid = 2")[0][0]
    assert login.user_id == 2
    assert login.last_login == latest.replace(microsecond=0, tzinfo=UTC)  # to the second
    assert login.last_login.tzinfo is not None
    marc = next(e for e in rows["employees"] if e.user_id == 6)
    assert (marc.name, marc.department_name) == ("Marc Demo", "Research & Development")
    privileges = {g.privilege_id for g in rows["groups"]}
    assert privileges == {None}


def test_odoo19_groups_reach_their_category_through_the_privilege(
    make_odoo_db: Callable[[int], pg.OdooDatabase],
) -> None:
    db = make_odoo_db(19)
    _, rows = read_all(db.reader_dsn)
    privileges = {p.odoo_id: p for p in rows["privileges"]}
    sales_admin = next(g for g in rows["groups"] if g.odoo_id == 24)
    assert sales_admin.name == "Administrator"
    assert privileges[sales_admin.privilege_id].name == "Sales"
    assert sales_admin.category_id == privileges[5].category_id == 10


def test_translated_names_prefer_the_configured_language(odoo18: pg.OdooDatabase) -> None:
    odoo18.execute(
        """UPDATE res_groups SET name = '{"en_US": "Internal User", "fr_FR": "Utilisateur interne"}'
           WHERE id = 1"""
    )
    odoo18.execute("""UPDATE res_groups SET name = '{"de_DE": "Nur Deutsch"}' WHERE id = 7""")
    _, rows = read_all(odoo18.reader_dsn, lang="fr_FR")
    names = {g.odoo_id: g.name for g in rows["groups"]}
    assert names[1] == "Utilisateur interne"  # configured language
    assert names[2] == "Access Rights"  # falls back to en_US
    assert names[7] == "Nur Deutsch"  # neither: any language present
    _, rows = read_all(odoo18.reader_dsn)
    assert {g.odoo_id: g.name for g in rows["groups"]}[1] == "Internal User"


def _make_legacy(db: pg.OdooDatabase) -> None:
    """Turn a 16 copy into the Odoo 15 layout: varchar labels and an ir_translation table."""
    for table, column in [
        ("res_groups", "name"),
        ("res_groups", "comment"),
        ("ir_module_category", "name"),
        ("ir_model", "name"),
        ("hr_department", "name"),
    ]:
        kind = db.execute(
            "SELECT data_type FROM information_schema.columns "
            "WHERE table_name = %s AND column_name = %s",
            (table, column),
        )
        if kind != [("jsonb",)]:
            continue
        db.execute(
            f"ALTER TABLE {table} ALTER COLUMN {column} TYPE varchar USING {column} ->> 'en_US'"
        )
    db.execute(
        """CREATE TABLE ir_translation (id serial PRIMARY KEY, name varchar, res_id int,
           lang varchar, type varchar, src text, value text, state varchar)"""
    )
    db.execute(
        """INSERT INTO ir_translation (name, res_id, lang, type, src, value, state) VALUES
           ('res.groups,name', 1, 'fr_FR', 'model', 'Internal User', 'Utilisateur interne',
            'translated'),
           ('ir.model,name', (SELECT id FROM ir_model WHERE model = 'crm.lead'), 'fr_FR',
            'model', 'Lead', 'Piste', 'translated')"""
    )
    db.execute("UPDATE ir_module_module SET latest_version = '15.0.1.3' WHERE name = 'base'")
    db.execute(f"GRANT SELECT ON ir_translation TO {pg.READER_ROLE}")


def test_odoo15_layout_uses_the_legacy_adapter(
    make_odoo_db: Callable[[int], pg.OdooDatabase],
) -> None:
    db = make_odoo_db(16)
    _make_legacy(db)
    reader, rows = read_all(db.reader_dsn)
    assert reader.info is not None
    assert reader.info.adapter.startswith("legacy") and reader.info.major == 15
    assert {g.odoo_id: g.name for g in rows["groups"]}[1] == "Internal User"
    assert len(rows["acls"]) == facts.COUNTS[16]["acls"]
    _, rows = read_all(db.reader_dsn, lang="fr_FR")
    assert {g.odoo_id: g.name for g in rows["groups"]}[1] == "Utilisateur interne"
    assert {g.odoo_id: g.name for g in rows["groups"]}[2] == "Access Rights"
    lead_acl = next(a for a in rows["acls"] if a.model == "crm.lead")
    assert lead_acl.model_name == "Piste"


# --- read-only, even for a superuser -----------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        'INSERT INTO res_groups (name) VALUES (\'{"en_US": "x"}\')',
        "UPDATE res_users SET active = false",
        "DELETE FROM res_groups_users_rel",
        "CREATE TABLE odoobridge_probe (id int)",
        "CREATE TEMP TABLE odoobridge_probe (id int)",
    ],
)
def test_superuser_dsn_cannot_write(odoo18: pg.OdooDatabase, statement: str) -> None:
    before = odoo18.execute("SELECT count(*) FROM res_groups_users_rel")
    with (
        OdooDbReader(OdooDbTarget(dsn=odoo18.admin_dsn)) as reader,
        pytest.raises(OdooDbQueryError, match="refused a write"),
    ):
        reader.execute(statement)
    assert odoo18.execute("SELECT count(*) FROM res_groups_users_rel") == before
    assert odoo18.execute(
        "SELECT count(*) FROM pg_tables WHERE tablename = 'odoobridge_probe'"
    ) == [(0,)]


def test_session_cannot_switch_itself_to_read_write(odoo18: pg.OdooDatabase) -> None:
    with OdooDbReader(OdooDbTarget(dsn=odoo18.admin_dsn)) as reader:
        settings = reader.execute(
            "SELECT current_setting('transaction_read_only'), "
            "current_setting('default_transaction_read_only'), current_setting('TimeZone'), "
            "current_setting('transaction_isolation')"
        )
        with pytest.raises(OdooDbError, match="read-write mode must be set before any query"):
            reader.execute("SET TRANSACTION READ WRITE")
    assert settings == [("on", "on", "UTC", "repeatable read")]


def test_one_snapshot_for_the_whole_read(odoo18: pg.OdooDatabase) -> None:
    with OdooDbReader(OdooDbTarget(dsn=odoo18.reader_dsn)) as reader:
        first = sum(len(b) for b in reader.batches("memberships"))
        odoo18.execute("DELETE FROM res_groups_users_rel WHERE uid = 6")
        again = sum(len(b) for b in reader.batches("memberships"))
    assert first == again == 100


def test_batches_stream_through_a_server_side_cursor(odoo18: pg.OdooDatabase) -> None:
    target = OdooDbTarget(dsn=odoo18.reader_dsn, batch_size=100)
    with OdooDbReader(target) as reader:
        sizes = [len(batch) for batch in reader.batches("acls")]
        cursors = reader.execute("SELECT count(*) FROM pg_cursors")
    assert sizes == [100] * 8 + [47]
    assert cursors == [(0,)]  # closed after use


def test_not_an_odoo_database(make_odoo_db: Callable[[int], pg.OdooDatabase]) -> None:
    db = make_odoo_db(18)
    db.execute("ALTER TABLE res_groups RENAME TO res_groups_old")
    with pytest.raises(OdooDbSchemaError, match="is it an Odoo database"):
        read_all(db.reader_dsn)


def test_timestamps_arrive_as_utc(odoo18: pg.OdooDatabase) -> None:
    _, rows = read_all(odoo18.reader_dsn)
    admin = next(u for u in rows["users"] if u.login == "admin")
    raw = odoo18.execute("SELECT write_date FROM res_users WHERE id = 2")[0][0]
    assert raw.microsecond  # Odoo stores microseconds; its API and both sources give seconds
    assert admin.write_date == raw.replace(microsecond=0, tzinfo=UTC)
    assert admin.write_date.utcoffset() == datetime(2020, 1, 1, tzinfo=UTC).utcoffset()
