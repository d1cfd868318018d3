"""Benchmark: compiling one person's Odoo record rules for every synced sales model.

A copy of the real Odoo 18.0 fixture is inflated by ``odoobridge.demo.scale`` (20,000 users, 1,000
groups, 1,000 more rules — many on the sales models), synced into a SQLite store, and its access
index built. Then, for 300 people (random active users, plus admin and demo), the visibility of
each sales model is compiled the way the sales pages will: the user's context from the sync,
``rules_domain`` (ACL, the applicable rules, each bound and checked against the serving table's
FieldMap), ``to_sql``; and, separately, that clause rendered to PostgreSQL SQL text. The floor is
``rules_for`` (the access index's own list of the rules that apply). Target: < 20 ms per person.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import MetaData, create_engine, select  # noqa: E402
from sqlalchemy.dialects import postgresql  # noqa: E402
from tests import pg  # noqa: E402

from odoobridge.access.analysis.effective import AccessIndex, index_for, rules_for  # noqa: E402
from odoobridge.access.sync import sync_odoo  # noqa: E402
from odoobridge.demo.scale import inflate  # noqa: E402
from odoobridge.environment import Environment  # noqa: E402
from odoobridge.sales.domain_sql import FieldMap, Hierarchy, Many2one, X2many, to_sql  # noqa: E402
from odoobridge.sales.rules import parsed_rule, rules_domain, unsupported_rules, user_context  # noqa: E402
from odoobridge.settings import Settings  # noqa: E402
from odoobridge.store.engine import Store  # noqa: E402

ENV = Environment.PREPROD
PEOPLE = 300
SALES_MODELS = ("crm.lead", "crm.stage", "crm.team", "res.partner", "res.users", "account.move",
                "sale.order", "hr.department", "mail.activity")  # fmt: skip


def field_maps(dsn: str) -> dict[str, FieldMap]:
    """FieldMaps over Odoo's own tables, shaped as the serving tables will be."""
    engine = create_engine(dsn)
    md = MetaData()
    md.reflect(engine, only=["res_company", "res_partner", "res_users", "res_company_users_rel",
                             "crm_lead", "crm_stage", "crm_team", "account_move", "sale_order",
                             "hr_department", "mail_activity"])  # fmt: skip
    engine.dispose()
    t = md.tables
    companies = FieldMap(
        "res.company", t["res_company"], {}, hierarchy=Hierarchy("parent_id", "parent_path")
    )
    partners = FieldMap("res.partner", t["res_partner"], {
        "partner_share": "partner_share", "company_id": Many2one("company_id", companies), "type": "type",
        "parent_id": Many2one("parent_id", "self")}, hierarchy=Hierarchy("parent_id"))  # fmt: skip
    company = Many2one("company_id", companies)
    return {
        "res.partner": partners,
        "res.users": FieldMap("res.users", t["res_users"], {
            "share": "share", "partner_id": Many2one("partner_id", partners), "company_id": company,
            "company_ids": X2many(t["res_company_users_rel"], "user_id", "cid", companies)}),
        "crm.lead": FieldMap("crm.lead", t["crm_lead"], {
            "user_id": Many2one("user_id"), "company_id": company, "team_id": Many2one("team_id"),
            "partner_id": Many2one("partner_id", partners), "type": "type", "active": "active"}),
        "crm.stage": FieldMap("crm.stage", t["crm_stage"], {"team_id": Many2one("team_id")}),
        "crm.team": FieldMap("crm.team", t["crm_team"], {"company_id": company, "user_id": Many2one("user_id")}),
        "account.move": FieldMap("account.move", t["account_move"], {
            "move_type": "move_type", "state": "state", "invoice_user_id": Many2one("invoice_user_id"),
            "company_id": company, "partner_id": Many2one("partner_id", partners)}),
        "sale.order": FieldMap("sale.order", t["sale_order"], {
            "user_id": Many2one("user_id"), "company_id": company, "team_id": Many2one("team_id"),
            "partner_id": Many2one("partner_id", partners)}),
        "hr.department": FieldMap("hr.department", t["hr_department"], {"company_id": company}),
        "mail.activity": FieldMap("mail.activity", t["mail_activity"], {
            "user_id": Many2one("user_id"), "create_uid": Many2one("create_uid"),
            "res_model": "res_model", "res_id": "res_id"}),
    }  # fmt: skip


def compile_person(index: AccessIndex, uid: int, maps: dict[str, FieldMap], render: bool) -> int:
    """One person's clause for every sales model; returns how many models they may read."""
    ctx = user_context(index, uid)
    readable = 0
    for model in SALES_MODELS:
        fields = maps[model]
        domain = rules_domain(index, uid, model, "read", ctx, fields=fields)
        if domain is None:
            continue
        readable += 1
        clause = to_sql(domain, fields)
        if render:
            str(select(fields.table.c.id).where(clause).compile(dialect=postgresql.dialect()))
    return readable


def floor_person(index: AccessIndex, uid: int) -> int:
    return sum(len(rules_for(index, uid, model, "read")) for model in SALES_MODELS)


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return f"p50 {statistics.median(ordered) * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms, max {ordered[-1] * 1000:.2f} ms"


def timed_people(people: list[int], fn: Any) -> list[float]:
    samples = []
    for uid in people:
        started = time.perf_counter()
        fn(uid)
        samples.append(time.perf_counter() - started)
    return samples


def main() -> None:
    database = pg.copy_fixture(18)
    try:
        counts = inflate(database.admin_dsn)
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/bench.sqlite"
            settings = Settings(
                _env_file=None, DATABASE_URL=url, ODOO_PREPROD_DSN=database.reader_dsn
            )
            store = Store(url)
            sync_odoo(store, settings, ENV)
            with store.session() as session:
                index = index_for(session, ENV)
            store.dispose()
        maps = field_maps(database.admin_dsn)
        active = [u for u, user in index.snap.users.items() if user.active and u != 1]
        people = [2, 6, *random.Random(11).sample(active, PEOPLE - 2)]
        rules = sum(len(index.rules_by_model.get(m, [])) for m in SALES_MODELS)
        refused = sum(len(unsupported_rules(index, m, maps[m])) for m in SALES_MODELS)
        print(f"scale: {counts}")
        print(
            f"users {len(index.snap.users)}, rules {len(index.snap.rules)}; on the {len(SALES_MODELS)} "
            f"sales models: {rules} rules, {refused} that do not compile over the serving tables"
        )

        parsed_rule.cache_clear()
        cold = timed_people(people[:1], lambda uid: compile_person(index, uid, maps, False))[0]
        readable = [compile_person(index, uid, maps, False) for uid in people]
        applying = [floor_person(index, uid) for uid in people]
        results = {}
        for name, fn in [
            ("floor: rules_for on every sales model", lambda uid: floor_person(index, uid)),
            (
                "context + rules_domain + to_sql, every sales model",
                lambda uid: compile_person(index, uid, maps, False),
            ),
            (
                "… and rendered to PostgreSQL SQL text",
                lambda uid: compile_person(index, uid, maps, True),
            ),
        ]:
            runs = [timed_people(people, fn) for _ in range(3)]
            results[name] = [statistics.median(values) for values in zip(*runs, strict=True)]
        print(
            f"people {len(people)}: models readable per person median {statistics.median(readable)}, "
            f"rules applying per person median {statistics.median(applying)} (max {max(applying)})"
        )
        print(f"first person, parse cache empty: {cold * 1000:.2f} ms")
        for name, samples in results.items():
            print(f"{name}: {percentiles(samples)}")
    finally:
        pg.drop_database(database.name)


if __name__ == "__main__":
    main()
