"""Combining the rules as ``ir.rule`` does, on the real Odoo 18 fixture synced into a store: which
rules apply, the superuser, archived users, ACLs, delegation inheritance (res.users → res.partner),
and rules that cannot be evaluated — they deny and are listed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, MetaData, create_engine, select, text

from odoobridge.access.analysis.effective import AccessIndex, index_for
from odoobridge.access.sync import sync_odoo
from odoobridge.environment import Environment
from odoobridge.errors import ConfigError, NotFound
from odoobridge.sales.domain import TRUE, UserContext, render
from odoobridge.sales.domain_sql import FieldMap, Hierarchy, Many2one, X2many
from odoobridge.sales.rules import (
    rules_domain,
    unsupported_rules,
    user_context,
    visible_where,
)
from odoobridge.settings import Settings
from odoobridge.store.engine import Store
from tests import pg

NOW = datetime(2026, 12, 2, tzinfo=UTC)
ADMIN, DEMO, PORTAL = 2, 6, 7  # Odoo 18 fixture; demo holds Sales / Own Documents Only (21)
OWN_DOCUMENTS, ALL_DOCUMENTS = 21, 22
# Rules a database may hold that the engine cannot evaluate, added to the fixture copy
BROKEN = [
    ("Unknown name", "crm.team", "[('user_id', '=', uid)]", None),
    ("Lonely or", "crm.lead", "['|', ('user_id', '=', user.id)]", OWN_DOCUMENTS),
    ("Not a domain", "crm.stage", "[('sequence', '>' 1)]", None),
]


@dataclass
class Synced:
    clean: AccessIndex  # the fixture as shipped
    broken: AccessIndex  # after adding BROKEN and flagging Personal Leads global
    engine: Engine
    maps: dict[str, FieldMap]

    def context(self, index: AccessIndex, uid: int) -> UserContext:
        """The sync's context, with the commercial partner read from the fixture."""
        with self.engine.connect() as conn:
            commercial = conn.scalar(text(
                "SELECT p.commercial_partner_id FROM res_users u JOIN res_partner p "
                "ON p.id = u.partner_id WHERE u.id = :uid"), {"uid": uid})  # fmt: skip
        return user_context(index, uid, commercial_partner_id=commercial, now=NOW)

    def ids(self, index: AccessIndex, uid: int, model: str) -> set[int]:
        fields = self.maps[model]
        ctx = self.context(index, uid)
        with self.engine.connect() as conn:
            clause = visible_where(index, uid, model, fields, ctx)
            return set(conn.scalars(select(fields.table.c.id).where(clause)))


def maps(engine: Engine) -> dict[str, FieldMap]:
    md = MetaData()
    md.reflect(engine, only=["res_company", "res_partner", "res_users", "res_company_users_rel",
                             "crm_lead", "crm_team"])  # fmt: skip
    t = md.tables
    companies = FieldMap(
        "res.company", t["res_company"], {}, hierarchy=Hierarchy("parent_id", "parent_path")
    )
    partners = FieldMap("res.partner", t["res_partner"], {
        "partner_share": "partner_share", "company_id": Many2one("company_id", companies)},
        hierarchy=Hierarchy("parent_id"))  # fmt: skip
    users = FieldMap("res.users", t["res_users"], {
        "share": "share", "partner_id": Many2one("partner_id", partners),
        "company_ids": X2many(t["res_company_users_rel"], "user_id", "cid", companies)})  # fmt: skip
    leads = FieldMap("crm.lead", t["crm_lead"], {
        "user_id": Many2one("user_id"), "company_id": Many2one("company_id", companies)})  # fmt: skip
    teams = FieldMap("crm.team", t["crm_team"], {"company_id": Many2one("company_id", companies)})
    return {"res.users": users, "crm.lead": leads, "crm.team": teams, "res.partner": partners}


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synced]:
    db = pg.copy_fixture(18)
    url = f"sqlite:///{tmp_path_factory.mktemp('rules')}/store.sqlite"
    store, engine = Store(url), create_engine(db.admin_dsn)
    settings = Settings(_env_file=None, DATABASE_URL=url, ODOO_PREPROD_DSN=db.reader_dsn,
                        ODOOBRIDGE_DATA_DIR=str(tmp_path_factory.mktemp("data")))  # fmt: skip
    try:
        sync_odoo(store, settings, Environment.PREPROD)
        with store.session() as session:
            clean = index_for(session, Environment.PREPROD)
        for number, (name, model, domain, group) in enumerate(BROKEN, start=900):
            db.execute(
                'INSERT INTO ir_rule (id, model_id, name, domain_force, active, perm_read, perm_write, '
                'perm_create, perm_unlink, "global") SELECT %s, id, %s, %s, true, true, true, true, '
                "true, %s FROM ir_model WHERE model = %s", (number, name, domain, group is None, model))  # fmt: skip
            if group is not None:
                db.execute(
                    "INSERT INTO rule_group_rel (rule_group_id, group_id) VALUES (%s, %s)",
                    (number, group),
                )
        db.execute("""UPDATE ir_rule SET "global" = true WHERE name = 'Personal Leads'""")
        sync_odoo(store, settings, Environment.PREPROD)
        with store.session() as session:
            broken = index_for(session, Environment.PREPROD)
        yield Synced(clean, broken, engine, maps(engine))
    finally:
        engine.dispose()
        store.dispose()
        pg.drop_database(db.name)


def domain_of(
    synced: Synced, index: AccessIndex, uid: int, model: str, operation: str = "read"
) -> str | None:
    found = rules_domain(index, uid, model, operation, synced.context(index, uid))
    return None if found is None else render(found)


def test_global_rules_and_the_group_rules_the_user_holds(synced: Synced) -> None:
    # demo lacks All Documents: "All Leads" does not apply, Personal Leads does
    assert domain_of(synced, synced.clean, DEMO, "crm.lead") == (
        "(company_id in (1, 2, False) AND (user_id = 6 OR user_id = False))"
    )
    assert domain_of(synced, synced.clean, ADMIN, "crm.lead") == "company_id in (1, 2, False)"
    assert len(synced.ids(synced.clean, DEMO, "crm.lead")) == 23


def test_rules_of_other_operations_do_not_restrict(synced: Synced) -> None:
    assert domain_of(synced, synced.clean, DEMO, "mail.activity") == "TRUE"
    assert (
        domain_of(synced, synced.clean, DEMO, "mail.activity", "write")
        == "(user_id = 6 OR create_uid = 6)"
    )
    with pytest.raises(ConfigError, match="unknown operation 'browse'"):
        domain_of(synced, synced.clean, DEMO, "mail.activity", "browse")


def test_superuser_archived_users_and_acl(synced: Synced) -> None:
    assert rules_domain(synced.clean, 1, "crm.lead") == TRUE
    assert rules_domain(synced.clean, 4, "res.partner") is None  # public: archived
    assert rules_domain(synced.clean, PORTAL, "crm.lead") is None  # no ACL on leads
    assert rules_domain(synced.clean, 999, "crm.lead") is None  # not in the sync
    with pytest.raises(NotFound, match="Odoo user 999 is not in the security sync"):
        user_context(synced.clean, 999)
    assert synced.ids(synced.clean, PORTAL, "crm.lead") == set()


def test_res_users_carries_the_rules_of_res_partner(synced: Synced) -> None:
    assert domain_of(synced, synced.clean, PORTAL, "res.users") == (  # parent model first, as Odoo
        "(partner_id any [((partner_share = False OR company_id parent_of (1,) OR company_id = False) "
        "AND id child_of (8,))] AND (share = False OR company_ids in (1,)))"
    )
    independent = """
        SELECT u.id FROM res_users u WHERE (u.share IS NULL OR NOT u.share OR EXISTS (
            SELECT 1 FROM res_company_users_rel r WHERE r.user_id = u.id AND r.cid = 1))
        AND u.partner_id IN (SELECT p.id FROM res_partner p WHERE p.id = 8 OR p.parent_id = 8)"""
    with synced.engine.connect() as conn:
        expected = set(conn.scalars(text(independent)))
    assert synced.ids(synced.clean, PORTAL, "res.users") == expected == {PORTAL}
    assert len(synced.ids(synced.clean, DEMO, "res.users")) == 7


def test_rules_that_cannot_be_evaluated_deny_and_are_listed(synced: Synced) -> None:
    # a global rule with an unknown name: nobody but the superuser sees a team
    assert domain_of(synced, synced.broken, DEMO, "crm.team") == "FALSE"
    assert synced.ids(synced.broken, DEMO, "crm.team") == set()
    assert synced.ids(synced.broken, 1, "crm.team") == {1, 2, 3, 4}
    # a malformed group rule grants nothing; Personal Leads, stored as global, is a group rule
    assert domain_of(synced, synced.broken, DEMO, "crm.lead") == domain_of(
        synced, synced.clean, DEMO, "crm.lead"
    )
    assert domain_of(synced, synced.broken, ADMIN, "crm.lead") == "company_id in (1, 2, False)"
    listed = {
        model: [(r.name, reason) for r, reason in unsupported_rules(synced.broken, model)]
        for model in ("crm.team", "crm.lead", "crm.stage")
    }
    assert listed == {
        "crm.team": [("Unknown name", "unknown name 'uid'")],
        "crm.lead": [("Lonely or", "an operator lacks its operands")],
        "crm.stage": [
            (
                "Not a domain",
                "not a Python expression (invalid syntax. Perhaps you forgot a comma?)",
            )
        ],
    }
    assert unsupported_rules(synced.clean, "crm.lead") == []


def test_a_rule_the_serving_table_cannot_answer_denies_for_that_table(synced: Synced) -> None:
    leads = synced.maps["crm.lead"]
    without_salesperson = FieldMap(
        "crm.lead", leads.table, {"company_id": leads.fields["company_id"]}
    )
    ctx = user_context(synced.clean, DEMO, now=NOW)
    assert (
        render(
            rules_domain(synced.clean, DEMO, "crm.lead", ctx=ctx, fields=without_salesperson)
            or TRUE
        )
        == "FALSE"
    )
    assert [
        (r.name, reason)
        for r, reason in unsupported_rules(synced.clean, "crm.lead", without_salesperson)
    ] == [("Personal Leads", "the field crm.lead.user_id is not in the serving data")]
