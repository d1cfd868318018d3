"""A sales scene on a stub Odoo over a real fixture: two more salespeople (Own Documents only, one
of them in the Chicago company alone), some leads and an invoice moved to them, both syncs run
(security from the database, CRM through the API) and an OdooBridge account for every active
Odoo user, signed in through the app — plus the independent answers: which records each Odoo user
may read, computed straight from the fixture's ir_model_access and ir_rule rows."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import psycopg

from odoobridge.access.sync import sync_odoo
from odoobridge.auth.accounts import create_local_account
from odoobridge.auth.audit import Origin
from odoobridge.auth.roles import Role
from odoobridge.environment import Environment
from odoobridge.sales.crm_sync import sync_crm
from odoobridge.settings import Settings
from odoobridge.store.engine import Store
from tests import pg
from tests.fakes.odoo_rpc_fixtures import RunningStub
from tests.web.conftest import PASSWORD, sign_in
from tests.web.live import client

# Groups by version: Internal User, Sales / User: Own Documents Only.
INTERNAL = 1
OWN_DOCUMENTS = {16: 23, 18: 21, 19: 22}

# Each record-rule domain of the fixtures (whitespace removed) as SQL over the model's table
# ``t``, written by hand from Odoo's meaning. A rule missing here fails the test: add its SQL.
RULE_SQL = {
    "['|',('user_id','=',user.id),('user_id','=',False)]":
        "(t.user_id = %(uid)s OR t.user_id IS NULL)",
    "[('company_id','in',company_ids+[False])]":
        "(t.company_id = ANY(%(cids)s) OR t.company_id IS NULL)",
    "[('company_id','in',company_ids)]": "t.company_id = ANY(%(cids)s)",
    "[(1,'=',1)]": "TRUE",
    "[('move_type','in',('out_invoice','out_refund')),'|',('invoice_user_id','=',user.id),"
    "('invoice_user_id','=',False)]":
        "(t.move_type IN ('out_invoice', 'out_refund') AND (t.invoice_user_id = %(uid)s"
        " OR t.invoice_user_id IS NULL))",
    "[('move_type','in',('out_invoice','out_refund'))]":
        "t.move_type IN ('out_invoice', 'out_refund')",
    # Followers (message_partner_ids) are not in the serving data: OdooBridge denies the rule
    # (fail closed) and lists it in `sales rules --check`; the answer for it is "nothing".
    "[('state','notin',('cancel','draft')),('move_type','in',('out_invoice','out_refund',"
    "'in_invoice','in_refund')),('message_partner_ids','child_of',"
    "[user.commercial_partner_id.id])]": "FALSE",
}  # fmt: skip
SERVED = {
    "crm.lead": "SELECT t.id FROM crm_lead t WHERE TRUE",
    "account.move": "SELECT t.id FROM account_move t WHERE t.state = 'posted'"
    " AND t.move_type IN ('out_invoice', 'out_refund')",
}

CLOSURE = """
WITH RECURSIVE implied(gid, hid) AS (
    SELECT gid, hid FROM res_groups_implied_rel
  UNION
    SELECT i.gid, r.hid FROM implied i JOIN res_groups_implied_rel r ON r.gid = i.hid
), direct AS (SELECT gid FROM res_groups_users_rel WHERE uid = %(uid)s)
SELECT gid FROM direct UNION SELECT i.hid FROM direct d JOIN implied i ON i.gid = d.gid
"""


def visible_ids(conn: psycopg.Connection[Any], model: str, uid: int) -> set[int]:
    """What Odoo user ``uid`` may read of ``model`` (as served), from the fixture's own rows."""
    active = conn.execute("SELECT active FROM res_users WHERE id = %s", (uid,)).fetchone()
    if not active or not active[0]:
        return set()
    groups = [row[0] for row in conn.execute(CLOSURE, {"uid": uid})]
    acl = conn.execute(
        "SELECT 1 FROM ir_model_access a JOIN ir_model m ON m.id = a.model_id WHERE m.model = %s"
        " AND a.active AND a.perm_read AND (a.group_id IS NULL OR a.group_id = ANY(%s))",
        (model, groups),
    ).fetchone()
    if acl is None:
        return set()
    rules = conn.execute(
        "SELECT r.domain_force, array_remove(array_agg(g.group_id), NULL) FROM ir_rule r"
        " JOIN ir_model m ON m.id = r.model_id LEFT JOIN rule_group_rel g"
        " ON g.rule_group_id = r.id WHERE m.model = %s AND r.active AND r.perm_read"
        " GROUP BY r.id",
        (model,),
    ).fetchall()
    globals_, granted = [], []
    for domain, rule_groups in rules:
        text = re.sub(r"\s+", "", domain)
        assert text in RULE_SQL, f"no hand-written SQL for the rule {domain!r}"
        if not rule_groups:
            globals_.append(RULE_SQL[text])
        elif set(rule_groups) & set(groups):
            granted.append(RULE_SQL[text])
    where = " AND ".join([*globals_, "(" + " OR ".join(granted) + ")" if granted else "TRUE"])
    cids = [row[0] for row in conn.execute(
        "SELECT cid FROM res_company_users_rel WHERE user_id = %s", (uid,))]  # fmt: skip
    query = f"{SERVED[model]} AND {where}"
    return {row[0] for row in conn.execute(query, {"uid": uid, "cids": cids})}


@dataclass
class Person:
    email: str
    uid: int
    http: httpx.Client | None = None

    def get(self, url: str, **params: Any) -> Any:
        assert self.http is not None
        answer = self.http.get(url, params=params)
        assert answer.status_code == 200, answer.text
        return answer.json()


@dataclass
class Scene:
    stub: RunningStub
    version: int
    people: dict[str, Person] = field(default_factory=dict)

    @property
    def database(self) -> pg.OdooDatabase:
        return self.stub.database


def add_salespeople(stub: RunningStub) -> dict[str, int]:
    """Two Own-Documents salespeople; leads and an invoice moved to them and to Chicago."""
    version = stub.stub.version
    groups_field = "group_ids" if version >= 19 else "groups_id"
    made = {}
    with stub.client() as odoo:
        for email, company, companies in (("chicago.seller@example.com", 2, [2]),
                                          ("both.seller@example.com", 1, [1, 2])):  # fmt: skip
            made[email] = odoo.create("res.users", {
                "login": email, "name": email.split("@")[0].replace(".", " ").title(),
                "email": email, "company_id": company, "company_ids": [(6, 0, companies)],
                groups_field: [(6, 0, [INTERNAL, OWN_DOCUMENTS[version]])],
            })  # fmt: skip
    chicago, both = made["chicago.seller@example.com"], made["both.seller@example.com"]
    with pg.connect(stub.database.name) as conn:
        conn.execute("UPDATE crm_lead SET company_id = 2, user_id = %s WHERE id IN (13, 14)",
                     (chicago,))  # fmt: skip
        conn.execute("UPDATE crm_lead SET company_id = 2 WHERE id IN (15, 30)")
        conn.execute("UPDATE crm_lead SET user_id = %s WHERE id IN (16, 17, 18)", (both,))
        if version < 19:
            conn.execute("UPDATE account_move SET invoice_user_id = %s WHERE id = 3", (both,))
            conn.execute("UPDATE account_move SET company_id = 2, invoice_user_id = %s"
                         " WHERE id = 4", (chicago,))  # fmt: skip
    return made


def build(store: Store, settings: Settings, stub: RunningStub) -> Scene:
    """Both syncs into ``store`` and an account per active Odoo user (matched by e-mail)."""
    scene = Scene(stub, stub.stub.version)
    add_salespeople(stub)
    sync_odoo(store, settings, Environment.PROD)
    with pg.connect(stub.database.name) as conn:
        users = conn.execute(
            "SELECT u.id, lower(p.email) FROM res_users u JOIN res_partner p ON p.id = u.partner_id"
            " WHERE u.active AND p.email IS NOT NULL ORDER BY u.id"
        ).fetchall()
    with store.session() as session:
        for uid, email in users:
            create_local_account(session, email=email, name=email, password=PASSWORD,
                                 role=Role.VIEWER, by="test", origin=Origin())  # fmt: skip
            scene.people[email] = Person(email, uid)
    sync_crm(store, settings)  # matches every account to its Odoo user
    return scene


@contextmanager
def signed_in_people(scene: Scene, base_url: str) -> Iterator[Scene]:
    opened = []
    for person in scene.people.values():
        http = client(base_url)
        opened.append(http)
        assert sign_in(http, person.email).status_code == 303
        person.http = http
    try:
        yield scene
    finally:
        for http in opened:
            http.close()
