"""What the sync reads from Odoo's PostgreSQL, one adapter per schema generation.

- :class:`LegacyAdapter` — Odoo 15 and older: translatable names are varchar, translations in
  ``ir_translation``.
- :class:`JsonbAdapter` — Odoo 16, 17 and 18: translatable names are jsonb ``{"en_US": …}``.
- :class:`PrivilegeAdapter` — Odoo 19+: jsonb names, and a group's application is reached through
  ``res_groups.privilege_id`` → ``res_groups_privilege.category_id``.

Each adapter says which tables and columns it needs (for ``check odoo`` and ``setup-sql``) and
gives one SELECT per entity of :data:`odoobridge.sources.odoo_records.ENTITIES`, its columns in
the record's field order, ordered by the record's key so a run's content digest is stable.
Version differences live here and nowhere else — also those the API source
(:mod:`.odoo_api`) needs: the ``api_*`` attributes name the fields that hold the same facts.
Timestamps are read to the second, as Odoo shows them (its API has no finer ones), so both
sources yield equal records.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Column lists of what we read. Table-wide grants are only asked for link tables.
_RES_USERS = (
    "id",
    "login",
    "active",
    "share",
    "partner_id",
    "company_id",
    "create_date",
    "write_date",
)
_IR_RULE = (
    "id",
    "name",
    "model_id",
    "domain_force",
    "perm_read",
    "perm_write",
    "perm_create",
    "perm_unlink",
    "global",
    "active",
)
_IR_MODEL_ACCESS = (
    "id",
    "name",
    "model_id",
    "group_id",
    "perm_read",
    "perm_write",
    "perm_create",
    "perm_unlink",
    "active",
)
_HR_EMPLOYEE = (
    "id",
    "user_id",
    "name",
    "department_id",
    "job_title",
    "parent_id",
    "work_email",
    "company_id",
    "active",
)


XML_ID_MODELS = ("ir.model.access", "ir.module.category", "ir.rule", "res.groups")


@dataclass(frozen=True)
class TableNeed:
    """SELECT on ``columns`` of ``table`` (all columns when ``columns`` is empty)."""

    table: str
    columns: tuple[str, ...] = ()
    optional: bool = False
    why: str = ""
    entity: str = ""  # for optional tables: the entity skipped without them
    module: str = ""  # for optional tables: the Odoo module that creates them

    def grant(self, role: str, columns: tuple[str, ...] | None = None) -> str:
        """The GRANT for this need (or for some of its ``columns``)."""
        cols = self.columns if columns is None else columns
        listed = f" ({', '.join(cols)})" if cols else ""
        return f"GRANT SELECT{listed} ON {self.table} TO {quote_ident(role)};"


def quote_ident(name: str) -> str:
    """A PostgreSQL identifier, quoted only when it must be."""
    if re.fullmatch(r"[a-z_][a-z0-9_$]*", name):
        return name
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class Catalog:
    """Tables and column types of the Odoo schema, read from pg_catalog (visible without grants)."""

    columns: dict[str, dict[str, str]] = field(default_factory=dict)

    def has_table(self, table: str) -> bool:
        return table in self.columns

    def has_column(self, table: str, column: str) -> bool:
        return column in self.columns.get(table, {})

    def column_type(self, table: str, column: str) -> str | None:
        return self.columns.get(table, {}).get(column)


def _active(alias: str, catalog: Catalog, table: str) -> str:
    # An ``active`` column that is absent means every row is active.
    return f"COALESCE({alias}.active, true)" if catalog.has_column(table, "active") else "true"


def _column_or_null(alias: str, catalog: Catalog, table: str, column: str) -> str:
    return f"{alias}.{column}" if catalog.has_column(table, column) else "NULL::int"


def _utc(expr: str) -> str:
    # Odoo stores naive UTC timestamps; hand them over as timestamptz so they arrive aware, and
    # to the second, as Odoo's fields give them (``Datetime.to_string``).
    return f"(date_trunc('second', {expr}) AT TIME ZONE 'UTC')"


class SchemaAdapter:
    """Base adapter: the queries every Odoo generation shares."""

    name = "base"
    generations = ""
    # Through the API: res.users' stored memberships, res.groups' members, the group's application.
    api_user_groups = "groups_id"
    api_group_users = "users"
    api_group_application = "category_id"

    def __init__(self, catalog: Catalog, lang: str = "en_US") -> None:
        self.catalog = catalog
        self.lang = lang

    # -- translated labels ---------------------------------------------------------------------
    def label(self, alias: str, column: str, model: str, table: str) -> str:
        raise NotImplementedError

    # -- what we need ----------------------------------------------------------------------------
    def needs(self) -> list[TableNeed]:
        needs = [
            TableNeed("ir_module_module", ("name", "latest_version", "state"), why="Odoo version"),
            TableNeed("res_company", ("id", "name", "parent_id", "active"), why="companies"),
            TableNeed("res_company_users_rel", why="users' allowed companies"),
            TableNeed("ir_module_category", ("id", "name", "parent_id"), why="applications"),
            self._groups_need(),
            TableNeed("res_users", _RES_USERS, why="users (never passwords)"),
            TableNeed("res_partner", ("id", "name", "email"), why="users' names and emails"),
            TableNeed("res_users_log", ("create_uid", "create_date"), why="last sign-in"),
            TableNeed("res_groups_users_rel", why="memberships"),
            TableNeed("res_groups_implied_rel", why="group inheritance"),
            TableNeed("ir_model", ("id", "model", "name"), why="model names"),
            TableNeed("ir_model_access", _IR_MODEL_ACCESS, why="access rights"),
            TableNeed("ir_rule", _IR_RULE, why="record rules"),
            TableNeed("rule_group_rel", why="record rules' groups"),
            TableNeed(
                "hr_employee", _HR_EMPLOYEE, True, "employees' departments", "employees", "hr"
            ),
            TableNeed("hr_department", ("id", "name"), True, "department names", "employees", "hr"),
            TableNeed(
                "ir_model_data",
                ("module", "name", "model", "res_id"),
                True,
                "external ids of groups, rights and rules",
                entity="xml_ids",
            ),
        ]
        return [self._fit(need) for need in needs]

    def _fit(self, need: TableNeed) -> TableNeed:
        """Drop columns this database lacks that we read with a fallback (e.g. ``active``)."""
        if not need.columns or not self.catalog.has_table(need.table):
            return need
        optional_columns = {"active", "parent_id"}
        kept = tuple(
            c
            for c in need.columns
            if c not in optional_columns or self.catalog.has_column(need.table, c)
        )
        return TableNeed(need.table, kept, need.optional, need.why, need.entity, need.module)

    def _groups_need(self) -> TableNeed:
        return TableNeed(
            "res_groups", ("id", "name", "category_id", "share", "comment"), why="groups"
        )

    # -- the queries ------------------------------------------------------------------------------
    def queries(self) -> dict[str, str]:
        c = self.catalog
        queries = {
            "companies": f"""
                SELECT rc.id, rc.name, {_column_or_null("rc", c, "res_company", "parent_id")},
                       {_active("rc", c, "res_company")}
                FROM res_company rc ORDER BY rc.id""",
            "categories": f"""
                SELECT mc.id,
                       {self.label("mc", "name", "ir.module.category", "ir_module_category")},
                       mc.parent_id
                FROM ir_module_category mc ORDER BY mc.id""",
            "groups": self._groups_query(),
            "users": f"""
                SELECT u.id, u.login, {_active("u", c, "res_users")}, COALESCE(u.share, false),
                       u.partner_id, p.name, p.email, u.company_id,
                       {_utc("u.create_date")}, {_utc("u.write_date")}
                FROM res_users u LEFT JOIN res_partner p ON p.id = u.partner_id ORDER BY u.id""",
            "logins": f"""
                SELECT l.create_uid, {_utc("max(l.create_date)")}
                FROM res_users_log l
                WHERE l.create_uid IS NOT NULL AND l.create_date IS NOT NULL
                GROUP BY l.create_uid ORDER BY l.create_uid""",
            "user_companies": """
                SELECT r.user_id, r.cid FROM res_company_users_rel r ORDER BY r.user_id, r.cid""",
            "memberships": "SELECT r.uid, r.gid FROM res_groups_users_rel r ORDER BY r.uid, r.gid",
            "implications": """
                SELECT r.gid, r.hid FROM res_groups_implied_rel r ORDER BY r.gid, r.hid""",
            "acls": f"""
                SELECT a.id, a.name, m.model, {self.label("m", "name", "ir.model", "ir_model")},
                       a.group_id, COALESCE(a.perm_read, false), COALESCE(a.perm_write, false),
                       COALESCE(a.perm_create, false), COALESCE(a.perm_unlink, false),
                       {_active("a", c, "ir_model_access")}
                FROM ir_model_access a JOIN ir_model m ON m.id = a.model_id ORDER BY a.id""",
            "rules": f"""
                SELECT r.id, m.model, r.name, r.domain_force,
                       COALESCE(r.perm_read, false), COALESCE(r.perm_write, false),
                       COALESCE(r.perm_create, false), COALESCE(r.perm_unlink, false),
                       COALESCE(r."global", false), {_active("r", c, "ir_rule")}
                FROM ir_rule r JOIN ir_model m ON m.id = r.model_id ORDER BY r.id""",
            "rule_groups": """
                SELECT r.rule_group_id, r.group_id FROM rule_group_rel r
                ORDER BY r.rule_group_id, r.group_id""",
        }
        if c.has_table("ir_model_data"):
            models = ", ".join(f"'{m}'" for m in XML_ID_MODELS)
            queries["xml_ids"] = f"""
                SELECT DISTINCT ON (d.model, d.res_id) d.model, d.res_id, d.module, d.name
                FROM ir_model_data d WHERE d.model IN ({models}) AND d.res_id IS NOT NULL
                ORDER BY d.model, d.res_id, d.module, d.name"""
        if c.has_table("hr_employee") and c.has_table("hr_department"):
            department = self.label("d", "name", "hr.department", "hr_department")
            queries["employees"] = f"""
                SELECT e.id, e.user_id, e.name, e.department_id, {department}, e.job_title,
                       e.parent_id, e.work_email, e.company_id, {_active("e", c, "hr_employee")}
                FROM hr_employee e LEFT JOIN hr_department d ON d.id = e.department_id
                ORDER BY e.id"""
        return queries

    def _groups_query(self) -> str:
        return f"""
            SELECT g.id, {self.label("g", "name", "res.groups", "res_groups")}, g.category_id,
                   NULL::int, COALESCE(g.share, false),
                   {self.label("g", "comment", "res.groups", "res_groups")}
            FROM res_groups g ORDER BY g.id"""


class JsonbAdapter(SchemaAdapter):
    """Odoo 16–18: translated labels are jsonb; take the configured language, else en_US, else
    any language present."""

    name = "jsonb"
    generations = "16–18"

    def label(self, alias: str, column: str, model: str, table: str) -> str:
        col = f"{alias}.{column}"
        if self.catalog.column_type(table, column) != "jsonb":
            return col
        return (
            f"COALESCE({col} ->> %(lang)s, {col} ->> 'en_US', "
            f"(SELECT t.v FROM jsonb_each_text({col}) AS t(k, v) ORDER BY t.k LIMIT 1))"
        )


class PrivilegeAdapter(JsonbAdapter):
    """Odoo 19+: groups belong to a privilege (``res_groups_privilege``) within a category."""

    name = "privilege"
    generations = "19+"
    api_user_groups = "group_ids"  # direct memberships only, as res_groups_users_rel holds
    api_group_users = "user_ids"
    api_group_application = "privilege_id"

    def needs(self) -> list[TableNeed]:
        needs = super().needs()
        privileges = TableNeed(
            "res_groups_privilege", ("id", "name", "category_id"), why="groups' privileges"
        )
        return [*needs, privileges]

    def _groups_need(self) -> TableNeed:
        return TableNeed(
            "res_groups", ("id", "name", "privilege_id", "share", "comment"), why="groups"
        )

    def queries(self) -> dict[str, str]:
        queries = super().queries()
        queries["privileges"] = f"""
            SELECT p.id, {self.label("p", "name", "res.groups.privilege", "res_groups_privilege")},
                   p.category_id
            FROM res_groups_privilege p ORDER BY p.id"""
        return queries

    def _groups_query(self) -> str:
        return f"""
            SELECT g.id, {self.label("g", "name", "res.groups", "res_groups")}, p.category_id,
                   g.privilege_id, COALESCE(g.share, false),
                   {self.label("g", "comment", "res.groups", "res_groups")}
            FROM res_groups g LEFT JOIN res_groups_privilege p ON p.id = g.privilege_id
            ORDER BY g.id"""


class LegacyAdapter(SchemaAdapter):
    """Odoo 15 and older: labels are varchar in the source language, translations live in
    ``ir_translation`` (read only when a language other than en_US is configured)."""

    name = "legacy"
    generations = "≤15"

    def needs(self) -> list[TableNeed]:
        needs = super().needs()
        if self.lang != "en_US":
            needs.append(
                TableNeed(
                    "ir_translation",
                    ("name", "res_id", "lang", "type", "value"),
                    why=f"{self.lang} labels",
                )
            )
        return needs

    def label(self, alias: str, column: str, model: str, table: str) -> str:
        col = f"{alias}.{column}"
        if self.lang == "en_US":
            return col
        return (
            "COALESCE((SELECT NULLIF(t.value, '') FROM ir_translation t "
            f"WHERE t.type = 'model' AND t.name = '{model},{column}' AND t.res_id = {alias}.id "
            f"AND t.lang = %(lang)s LIMIT 1), {col})"
        )


def choose_adapter(catalog: Catalog, lang: str) -> SchemaAdapter:
    """Pick the adapter from the schema itself."""
    if catalog.has_column("res_groups", "privilege_id"):
        return PrivilegeAdapter(catalog, lang)
    if catalog.column_type("res_groups", "name") == "jsonb":
        return JsonbAdapter(catalog, lang)
    return LegacyAdapter(catalog, lang)


def all_needed_tables() -> tuple[str, ...]:
    """Every table any adapter may read (for the catalog look-up)."""
    return (
        "ir_module_module",
        "res_company",
        "res_company_users_rel",
        "ir_module_category",
        "res_groups",
        "res_groups_privilege",
        "res_users",
        "res_partner",
        "res_users_log",
        "res_groups_users_rel",
        "res_groups_implied_rel",
        "ir_model",
        "ir_model_access",
        "ir_rule",
        "rule_group_rel",
        "hr_employee",
        "hr_department",
        "ir_translation",
        "ir_model_data",
    )
