"""The stub Odoo's models: which fields each model has, read from the fixture database's columns
and completed by what the database cannot tell (relations, many2many tables, labels, computed
fields, selections, defaults). Used by ``tests/fakes/odoo_orm.py``.

Types follow the columns (varchar → char, text → text or html, jsonb names → translated char,
integer ``*_id`` with a known comodel → many2one …); company-dependent jsonb columns
(``property_*``) and other jsonb blobs are left out, as they are of no use to the gateway.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import psycopg

MODELS = (
    "res.partner", "res.users", "res.groups", "res.company", "res.country", "res.currency",
    "crm.lead", "crm.stage", "crm.team", "crm.tag", "crm.lost.reason",
    "project.project", "project.task", "project.task.type",
    "mail.activity", "mail.activity.type", "calendar.event",
    "sale.order", "account.move", "ir.model", "ir.model.data", "ir.module.category",
)  # fmt: skip

# --- sales: the CRM sync's models (issue 11) ---
MODELS = (*MODELS, "crm.team.member", "hr.department", "hr.employee")

# many2one comodels by field name, then per (model, field) where the name is ambiguous
M2O = {
    "partner_id": "res.partner", "user_id": "res.users", "company_id": "res.company",
    "country_id": "res.country", "currency_id": "res.currency", "team_id": "crm.team",
    "create_uid": "res.users", "write_uid": "res.users", "project_id": "project.project",
    "activity_type_id": "mail.activity.type", "res_model_id": "ir.model",
    "lost_reason_id": "crm.lost.reason", "commercial_partner_id": "res.partner",
    "invoice_user_id": "res.users", "request_partner_id": "res.partner",
    "default_user_id": "res.users", "calendar_event_id": "calendar.event",
    "opportunity_id": "crm.lead", "sale_team_id": "crm.team",
    "triggered_next_type_id": "mail.activity.type",
    "recommended_activity_type_id": "mail.activity.type",
    "previous_activity_type_id": "mail.activity.type",
    "campaign_id": "utm.campaign", "source_id": "utm.source", "medium_id": "utm.medium",
    "lang_id": "res.lang", "state_id": "res.country.state", "title": "res.partner.title",
    "recurring_plan": "crm.recurring.plan",
    "lead_mining_request_id": "crm.iap.lead.mining.request",
}  # fmt: skip
M2O_BY_MODEL = {
    ("crm.lead", "stage_id"): "crm.stage",
    ("project.task", "stage_id"): "project.task.type",
    ("res.partner", "parent_id"): "res.partner",
    ("project.task", "parent_id"): "project.task",
    ("res.groups", "category_id"): "ir.module.category",
    ("ir.module.category", "parent_id"): "ir.module.category",
    ("crm.stage", "team_id"): "crm.team",
}
# --- sales: the CRM sync's relations (issue 11) ---
M2O.update({"crm_team_id": "crm.team", "department_id": "hr.department"})
M2O_BY_MODEL.update({
    ("res.company", "parent_id"): "res.company",
    ("hr.department", "parent_id"): "hr.department",
    ("hr.department", "manager_id"): "hr.employee",
    ("hr.employee", "parent_id"): "hr.employee",
    ("hr.employee", "coach_id"): "hr.employee",
})  # fmt: skip

# model → {field: (comodel, relation table, column of this model, column of the comodel)}
M2M = {
    "res.users": {
        "groups_id": ("res.groups", "res_groups_users_rel", "uid", "gid"),
        "company_ids": ("res.company", "res_company_users_rel", "user_id", "cid"),
    },
    "res.groups": {
        "users": ("res.users", "res_groups_users_rel", "gid", "uid"),
        "implied_ids": ("res.groups", "res_groups_implied_rel", "gid", "hid"),
    },
    "crm.lead": {"tag_ids": ("crm.tag", "crm_tag_rel", "lead_id", "tag_id")},
    "project.task": {
        "user_ids": ("res.users", "project_task_user_rel", "task_id", "user_id"),
        "tag_ids": ("project.tags", "project_tags_project_task_rel", "project_task_id", "project_tags_id"),
    },
    "calendar.event": {
        "partner_ids": ("res.partner", "calendar_event_res_partner_rel", "calendar_event_id", "res_partner_id"),
    },
}  # fmt: skip
# model → {field: (comodel, inverse many2one)}
O2M = {
    "res.partner": {"child_ids": ("res.partner", "parent_id")},
    "project.project": {"task_ids": ("project.task", "project_id")},
    "crm.team": {"crm_team_member_ids": ("crm.team.member", "crm_team_id")},
}
TRANSLATED = {"name", "summary", "default_note", "label_tasks", "vat_label", "comment",
              "description", "requirements"}  # fmt: skip
HTML = {"description", "note", "comment", "signature", "default_note"}
MONETARY = {"expected_revenue", "prorated_revenue", "recurring_revenue", "amount_untaxed",
            "amount_total", "amount_residual", "amount_tax", "recurring_revenue_monthly",
            "recurring_revenue_monthly_prorated", "recurring_revenue_prorated"}  # fmt: skip
# computed fields: model → {field: (type, label, relation)}
COMPUTED: dict[str, dict[str, tuple[str, str, str | None]]] = {
    "res.users": {"name": ("char", "Name", None), "email": ("char", "Email", None),
                  "login_date": ("datetime", "Latest authentication", None)},
    "res.groups": {"full_name": ("char", "Group Name", None)},
    "project.project": {"task_count": ("integer", "Task Count", None)},
    "mail.activity": {"state": ("selection", "State", None)},
}  # fmt: skip
LABELS = {
    ("res.partner", "name"): "Name", ("res.partner", "email"): "Email",
    ("res.partner", "phone"): "Phone", ("res.partner", "website"): "Website Link",
    ("res.partner", "is_company"): "Is a Company", ("res.partner", "city"): "City",
    ("res.partner", "country_id"): "Country", ("res.partner", "parent_id"): "Related Company",
    ("crm.lead", "name"): "Opportunity", ("crm.lead", "partner_id"): "Customer",
    ("crm.lead", "user_id"): "Salesperson", ("crm.lead", "team_id"): "Sales Team",
    ("crm.lead", "stage_id"): "Stage", ("crm.lead", "email_from"): "Email",
    ("crm.lead", "expected_revenue"): "Expected Revenue", ("crm.lead", "probability"): "Probability",
    ("crm.lead", "type"): "Type", ("crm.lead", "priority"): "Priority", ("crm.lead", "tag_ids"): "Tags",
    ("crm.lead", "company_id"): "Company", ("crm.lead", "country_id"): "Country",
    ("crm.lead", "phone"): "Phone", ("crm.lead", "active"): "Active", ("crm.lead", "id"): "ID",
    ("crm.lead", "description"): "Notes", ("crm.lead", "date_deadline"): "Expected Closing",
    ("crm.lead", "contact_name"): "Contact Name", ("crm.lead", "partner_name"): "Company Name",
    ("crm.lead", "lost_reason_id"): "Lost Reason", ("crm.lead", "website"): "Website",
    ("crm.lead", "city"): "City", ("crm.lead", "create_uid"): "Created by",
    ("crm.lead", "write_uid"): "Last Updated by", ("crm.lead", "create_date"): "Created on",
    ("crm.lead", "write_date"): "Last Updated on", ("crm.lead", "color"): "Color Index",
    ("crm.lead", "date_automation_last"): "Last Action", ("crm.lead", "date_closed"): "Closed Date",
    ("crm.lead", "date_conversion"): "Conversion Date", ("crm.lead", "date_open"): "Assignment Date",
    ("crm.lead", "date_last_stage_update"): "Last Stage Update",
    ("crm.lead", "day_close"): "Days to Close", ("crm.lead", "day_open"): "Days to Assign",
    ("crm.lead", "email_cc"): "Email cc", ("crm.lead", "email_normalized"): "Normalized Email",
    ("crm.lead", "email_state"): "Email Quality", ("crm.lead", "phone_state"): "Phone Quality",
    ("crm.lead", "function"): "Job Position", ("crm.lead", "iap_enrich_done"): "Enrichment done",
    ("crm.lead", "lang_id"): "Language", ("crm.lead", "message_bounce"): "Bounce",
    ("crm.lead", "phone_sanitized"): "Sanitized Number", ("crm.lead", "referred"): "Referred By",
    ("crm.lead", "recurring_revenue"): "Recurring Revenues", ("crm.lead", "reveal_id"): "Reveal ID",
    ("crm.lead", "recurring_revenue_monthly"): "Expected MRR",
    ("crm.lead", "recurring_revenue_monthly_prorated"): "Prorated MRR",
    ("crm.lead", "recurring_revenue_prorated"): "Prorated Recurring Revenues",
}  # fmt: skip
SELECTIONS = {
    ("crm.lead", "type"): ["lead", "opportunity"],
    ("crm.lead", "priority"): ["0", "1", "2", "3"],
    ("res.partner", "type"): ["contact", "invoice", "delivery", "other"],
    ("project.task", "priority"): ["0", "1"],
    ("project.task", "state"): ["01_in_progress", "02_changes_requested", "03_approved",
                                "1_done", "1_canceled", "04_waiting_normal"],
    ("project.project", "privacy_visibility"): ["followers", "invited_users", "employees", "portal"],
    ("calendar.event", "privacy"): ["public", "private", "confidential"],
    ("calendar.event", "show_as"): ["free", "busy"],
    ("mail.activity", "state"): ["overdue", "today", "planned", "done"],
    ("crm.lead", "email_state"): ["correct", "incorrect"],
    ("crm.lead", "phone_state"): ["correct", "incorrect"],
}  # fmt: skip
# values Odoo fills in on create (a callable gets (env, values))
DEFAULTS: dict[str, dict[str, Any]] = {
    "res.partner": {"type": "contact", "active": True, "is_company": False,
                    "autopost_bills": "ask", "employee": False},
    "crm.lead": {"type": "lead", "active": True, "priority": "0", "probability": 10.0},
    "project.project": {"active": True, "privacy_visibility": "portal", "rating_status": "stage",
                        "rating_status_period": "monthly", "last_update_status": "to_define",
                        "alias_id": 0, "sequence": 10},
    "project.task": {"active": True, "state": "01_in_progress", "priority": "0", "sequence": 10},
    "mail.activity": {"active": True, "automated": False},
    "calendar.event": {"active": True, "show_as": "busy", "allday": False},
    "res.users": {"active": True, "share": False, "notification_type": "email", "company_id": 1},
}  # fmt: skip


@dataclass
class Field:
    name: str
    type: str
    string: str
    required: bool = False
    relation: str | None = None
    column: bool = True  # stored in the model's table
    translate: bool = False
    m2m: tuple[str, str, str, str] | None = None  # comodel, table, own column, other column
    o2m: tuple[str, str] | None = None  # comodel, inverse field
    selection: list[str] | None = None

    def describe(self, attributes: list[str] | None) -> dict[str, Any]:
        info: dict[str, Any] = {"string": self.string, "type": self.type,
                                "required": self.required}  # fmt: skip
        if self.relation:
            info["relation"] = self.relation
        if self.selection is not None:
            info["selection"] = [[value, value] for value in self.selection]
        info["readonly"] = not self.column
        info["store"] = self.column or self.m2m is not None
        if attributes:
            info = {k: v for k, v in info.items() if k in attributes}
        return info


@dataclass
class Model:
    name: str
    table: str
    description: str
    order: str
    fields: dict[str, Field] = field(default_factory=dict)
    model_id: int = 0

    @property
    def has_active(self) -> bool:
        return "active" in self.fields and self.fields["active"].column


def label(model: str, name: str) -> str:
    if (model, name) in LABELS:
        return LABELS[(model, name)]
    generic = {"id": "ID", "create_uid": "Created by", "write_uid": "Last Updated by",
               "create_date": "Created on", "write_date": "Last Updated on",
               "display_name": "Display Name"}  # fmt: skip
    if name in generic:
        return generic[name]
    base = name.removesuffix("_ids").removesuffix("_id")
    return base.replace("_", " ").strip().title() or name


def _type_of(model: str, name: str, pg_type: str, relation: str | None) -> str | None:
    if name == "id":
        return "integer"
    if relation:
        return "many2one"
    if (model, name) in SELECTIONS:
        return "selection"
    if pg_type == "jsonb":
        return "char" if name in TRANSLATED else None
    if pg_type == "character varying":
        return "char"
    if pg_type == "text":
        return "html" if name in HTML else "text"
    if pg_type == "boolean":
        return "boolean"
    if pg_type == "integer":
        return "integer"
    if pg_type in {"double precision", "numeric"}:
        return "monetary" if name in MONETARY else "float"
    if pg_type == "date":
        return "date"
    if pg_type.startswith("timestamp"):
        return "datetime"
    return None


def load_catalog(conn: psycopg.Connection[Any]) -> dict[str, Model]:
    """Every model of :data:`MODELS` whose table is in the database."""
    columns: dict[str, list[tuple[str, str, bool]]] = {}
    for table, column, pg_type, nullable in conn.execute(
        "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns "
        "WHERE table_schema = 'public' ORDER BY table_name, ordinal_position"
    ):
        columns.setdefault(table, []).append((column, pg_type, nullable == "NO"))
    ir_models = {
        row[0]: (row[1], row[2], row[3])
        for row in conn.execute(
            "SELECT model, \"order\", COALESCE(name->>'en_US', model), id FROM ir_model"
        )
    }
    odoo19 = any(column == "privilege_id" for column, _, _ in columns.get("res_groups", []))
    catalog: dict[str, Model] = {}
    for name in MODELS:
        table = name.replace(".", "_")
        if table not in columns:
            continue
        order, description, model_id = ir_models.get(name, ("id", name, 0))
        model = Model(name, table, description, order or "id", model_id=model_id)
        for column, pg_type, not_null in columns[table]:
            relation = M2O_BY_MODEL.get((name, column)) or (
                M2O.get(column) if pg_type == "integer" else None
            )
            kind = _type_of(name, column, pg_type, relation)
            if kind is None:
                continue
            model.fields[column] = Field(
                column, kind, label(name, column),
                required=not_null and column != "id",
                relation=relation, translate=pg_type == "jsonb",
                selection=SELECTIONS.get((name, column)),
            )  # fmt: skip
        for fname, (comodel, rel, own, other) in M2M.get(name, {}).items():
            if odoo19:
                fname = RENAMED_IN_19.get((name, fname), fname)  # res.users.group_ids …
            model.fields[fname] = Field(
                fname, "many2many", label(name, fname), relation=comodel, column=False,
                m2m=(comodel, rel, own, other) if rel in columns else (comodel, "", own, other),
            )  # fmt: skip
        for fname, (comodel, inverse) in O2M.get(name, {}).items():
            model.fields[fname] = Field(
                fname, "one2many", label(name, fname), relation=comodel, column=False,
                o2m=(comodel, inverse),
            )  # fmt: skip
        for fname, (kind, text, relation) in COMPUTED.get(name, {}).items():
            model.fields[fname] = Field(fname, kind, text, relation=relation, column=False,
                                        selection=SELECTIONS.get((name, fname)))  # fmt: skip
        if "display_name" not in model.fields:  # Odoo 16 stores res.partner's
            model.fields["display_name"] = Field(
                "display_name", "char", "Display Name", column=False
            )
        catalog[name] = model
    add_security_fields(catalog, odoo19)
    return catalog


# --- the security models (issue 16: the security sync over Odoo's API) ------------------------
# Access rights, record rules with their groups, 19's privileges, employees and departments, as
# Odoo 16–19 serve them to a security sync; the fields Odoo 19 renamed or added. Display names,
# computed fields and has_group live in tests/fakes/odoo_security.py.
SECURITY_MODELS = ("ir.model.access", "ir.rule", "res.groups.privilege", "hr.employee",
                   "hr.department")  # fmt: skip
MODELS = (*MODELS, *SECURITY_MODELS)
M2O_BY_MODEL.update({
    ("ir.model.access", "model_id"): "ir.model", ("ir.model.access", "group_id"): "res.groups",
    ("ir.rule", "model_id"): "ir.model", ("res.company", "parent_id"): "res.company",
    ("res.groups", "privilege_id"): "res.groups.privilege",
    ("res.groups.privilege", "category_id"): "ir.module.category",
    ("hr.employee", "department_id"): "hr.department", ("hr.employee", "parent_id"): "hr.employee",
    ("hr.employee", "coach_id"): "hr.employee", ("hr.department", "parent_id"): "hr.department",
    ("hr.department", "manager_id"): "hr.employee",
})  # fmt: skip
M2M["ir.rule"] = {"groups": ("res.groups", "rule_group_rel", "rule_group_id", "group_id")}
O2M["res.groups.privilege"] = {"group_ids": ("res.groups", "privilege_id")}
LABELS.update({("res.groups", "implied_ids"): "Implied Groups",
               ("res.groups", "share"): "Share Group"})  # fmt: skip
RENAMED_IN_19 = {("res.users", "groups_id"): "group_ids", ("res.groups", "users"): "user_ids"}
# Odoo 19's computed many2many: the groups with the implied ones (the group itself included in
# all_implied_ids), and the users holding a group directly or through an implication.
COMPUTED_IN_19 = {
    "res.users": {"all_group_ids": ("many2many", "Groups and implied groups", "res.groups")},
    "res.groups": {"all_implied_ids": ("many2many", "Transitively Implied Groups", "res.groups"),
                   "all_user_ids": ("many2many", "Users and implied users", "res.users")},
}  # fmt: skip


def add_security_fields(catalog: dict[str, Model], odoo19: bool) -> None:
    """Odoo 19's computed many2many fields (served by tests/fakes/odoo_security.py)."""
    if not odoo19:
        return
    for name, fields in COMPUTED_IN_19.items():
        if name not in catalog:
            continue
        for fname, (kind, text, relation) in fields.items():
            catalog[name].fields[fname] = Field(fname, kind, text, relation=relation, column=False)
