"""Sales: the CRM serving tables (temporal facts), account links to Odoo users, targets.

Revision ID: 20261202_sales
Revises: 20261123_auth (sales_links refers to accounts)
Create Date: 2026-12-02 17:33:52
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261202_sales"
down_revision: str | Sequence[str] | None = "20261123_auth"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sales_activities",
        sa.Column("odoo_id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.Column("activity_type", sa.String(), nullable=True),
        sa.Column("summary", sa.String(), nullable=True),
        sa.Column("date_deadline", sa.Date(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("create_date", sa.DateTime(), nullable=True),
        sa.Column("write_date", sa.DateTime(), nullable=True),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("environment", sa.String(length=16), nullable=False),
        sa.Column("first_seen_run_id", sa.Integer(), nullable=False),
        sa.Column("last_seen_run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_activities")),
    )
    with op.batch_alter_table("sales_activities", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sales_activities_lead_id", ["environment", "lead_id"], unique=False
        )
        batch_op.create_index(
            "uq_sales_activities_version",
            ["environment", "odoo_id", "first_seen_run_id"],
            unique=True,
        )

    op.create_table(
        "sales_companies",
        sa.Column("odoo_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("environment", sa.String(length=16), nullable=False),
        sa.Column("first_seen_run_id", sa.Integer(), nullable=False),
        sa.Column("last_seen_run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_companies")),
    )
    with op.batch_alter_table("sales_companies", schema=None) as batch_op:
        batch_op.create_index(
            "uq_sales_companies_version",
            ["environment", "odoo_id", "first_seen_run_id"],
            unique=True,
        )

    op.create_table(
        "sales_departments",
        sa.Column("odoo_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=True),
        sa.Column("complete_name", sa.String(), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("manager_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("environment", sa.String(length=16), nullable=False),
        sa.Column("first_seen_run_id", sa.Integer(), nullable=False),
        sa.Column("last_seen_run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_departments")),
    )
    with op.batch_alter_table("sales_departments", schema=None) as batch_op:
        batch_op.create_index(
            "uq_sales_departments_version",
            ["environment", "odoo_id", "first_seen_run_id"],
            unique=True,
        )

    op.create_table(
        "sales_employees",
        sa.Column("odoo_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("environment", sa.String(length=16), nullable=False),
        sa.Column("first_seen_run_id", sa.Integer(), nullable=False),
        sa.Column("last_seen_run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_employees")),
    )
    with op.batch_alter_table("sales_employees", schema=None) as batch_op:
        batch_op.create_index(
            "uq_sales_employees_version",
            ["environment", "odoo_id", "first_seen_run_id"],
            unique=True,
        )

    op.create_table(
        "sales_invoices",
        sa.Column("odoo_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=True),
        sa.Column("move_type", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=True),
        sa.Column("payment_state", sa.String(length=16), nullable=True),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("commercial_partner_id", sa.Integer(), nullable=True),
        sa.Column("invoice_user_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("invoice_date", sa.Date(), nullable=True),
        sa.Column("invoice_date_due", sa.Date(), nullable=True),
        sa.Column("amount_untaxed_signed", sa.Float(), nullable=True),
        sa.Column("amount_total_signed", sa.Float(), nullable=True),
        sa.Column("amount_residual_signed", sa.Float(), nullable=True),
        sa.Column("currency", sa.String(length=8), nullable=True),
        sa.Column("write_date", sa.DateTime(), nullable=True),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("environment", sa.String(length=16), nullable=False),
        sa.Column("first_seen_run_id", sa.Integer(), nullable=False),
        sa.Column("last_seen_run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_invoices")),
    )
    with op.batch_alter_table("sales_invoices", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sales_invoices_alive_invoice_date",
            ["environment", "invoice_date", "odoo_id"],
            unique=False,
            postgresql_where=sa.text("last_seen_run_id IS NULL"),
            sqlite_where=sa.text("last_seen_run_id IS NULL"),
        )
        batch_op.create_index(
            "ix_sales_invoices_commercial_partner_id",
            ["environment", "commercial_partner_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_sales_invoices_invoice_user_id", ["environment", "invoice_user_id"], unique=False
        )
        batch_op.create_index(
            "uq_sales_invoices_version",
            ["environment", "odoo_id", "first_seen_run_id"],
            unique=True,
        )

    op.create_table(
        "sales_leads",
        sa.Column("odoo_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=True),
        sa.Column("type", sa.String(length=16), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=True),
        sa.Column("probability", sa.Float(), nullable=True),
        sa.Column("expected_revenue", sa.Float(), nullable=True),
        sa.Column("prorated_revenue", sa.Float(), nullable=True),
        sa.Column("date_deadline", sa.Date(), nullable=True),
        sa.Column("date_closed", sa.DateTime(), nullable=True),
        sa.Column("date_last_stage_update", sa.DateTime(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("lost_reason_id", sa.Integer(), nullable=True),
        sa.Column("tag_ids", sa.String(), nullable=True),
        sa.Column("email_from", sa.String(), nullable=True),
        sa.Column("phone", sa.String(), nullable=True),
        sa.Column("partner_name", sa.String(), nullable=True),
        sa.Column("contact_name", sa.String(), nullable=True),
        sa.Column("priority", sa.String(length=8), nullable=True),
        sa.Column("create_date", sa.DateTime(), nullable=True),
        sa.Column("write_date", sa.DateTime(), nullable=True),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("environment", sa.String(length=16), nullable=False),
        sa.Column("first_seen_run_id", sa.Integer(), nullable=False),
        sa.Column("last_seen_run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_leads")),
    )
    with op.batch_alter_table("sales_leads", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sales_leads_alive_write_date",
            ["environment", "write_date", "odoo_id"],
            unique=False,
            postgresql_where=sa.text("last_seen_run_id IS NULL"),
            sqlite_where=sa.text("last_seen_run_id IS NULL"),
        )
        batch_op.create_index(
            "ix_sales_leads_partner_id", ["environment", "partner_id"], unique=False
        )
        batch_op.create_index("ix_sales_leads_user_id", ["environment", "user_id"], unique=False)
        batch_op.create_index(
            "uq_sales_leads_version", ["environment", "odoo_id", "first_seen_run_id"], unique=True
        )

    op.create_table(
        "sales_lost_reasons",
        sa.Column("odoo_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("environment", sa.String(length=16), nullable=False),
        sa.Column("first_seen_run_id", sa.Integer(), nullable=False),
        sa.Column("last_seen_run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_lost_reasons")),
    )
    with op.batch_alter_table("sales_lost_reasons", schema=None) as batch_op:
        batch_op.create_index(
            "uq_sales_lost_reasons_version",
            ["environment", "odoo_id", "first_seen_run_id"],
            unique=True,
        )

    op.create_table(
        "sales_orders",
        sa.Column("odoo_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=True),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("opportunity_id", sa.Integer(), nullable=True),
        sa.Column("date_order", sa.DateTime(), nullable=True),
        sa.Column("amount_untaxed", sa.Float(), nullable=True),
        sa.Column("amount_total", sa.Float(), nullable=True),
        sa.Column("currency", sa.String(length=8), nullable=True),
        sa.Column("write_date", sa.DateTime(), nullable=True),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("environment", sa.String(length=16), nullable=False),
        sa.Column("first_seen_run_id", sa.Integer(), nullable=False),
        sa.Column("last_seen_run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_orders")),
    )
    with op.batch_alter_table("sales_orders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sales_orders_partner_id", ["environment", "partner_id"], unique=False
        )
        batch_op.create_index(
            "uq_sales_orders_version", ["environment", "odoo_id", "first_seen_run_id"], unique=True
        )

    op.create_table(
        "sales_partners",
        sa.Column("odoo_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=True),
        sa.Column("complete_name", sa.String(), nullable=True),
        sa.Column("is_company", sa.Boolean(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("commercial_partner_id", sa.Integer(), nullable=True),
        sa.Column("type", sa.String(), nullable=True),
        sa.Column("email", sa.String(), nullable=True),
        sa.Column("phone", sa.String(), nullable=True),
        sa.Column("city", sa.String(), nullable=True),
        sa.Column("country", sa.String(), nullable=True),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("partner_share", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("write_date", sa.DateTime(), nullable=True),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("environment", sa.String(length=16), nullable=False),
        sa.Column("first_seen_run_id", sa.Integer(), nullable=False),
        sa.Column("last_seen_run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_partners")),
    )
    with op.batch_alter_table("sales_partners", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sales_partners_alive_name",
            ["environment", "name", "odoo_id"],
            unique=False,
            postgresql_where=sa.text("last_seen_run_id IS NULL"),
            sqlite_where=sa.text("last_seen_run_id IS NULL"),
        )
        batch_op.create_index(
            "ix_sales_partners_commercial_partner_id",
            ["environment", "commercial_partner_id"],
            unique=False,
        )
        batch_op.create_index(
            "uq_sales_partners_version",
            ["environment", "odoo_id", "first_seen_run_id"],
            unique=True,
        )

    op.create_table(
        "sales_stages",
        sa.Column("odoo_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=True),
        sa.Column("is_won", sa.Boolean(), nullable=False),
        sa.Column("fold", sa.Boolean(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("environment", sa.String(length=16), nullable=False),
        sa.Column("first_seen_run_id", sa.Integer(), nullable=False),
        sa.Column("last_seen_run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_stages")),
    )
    with op.batch_alter_table("sales_stages", schema=None) as batch_op:
        batch_op.create_index(
            "uq_sales_stages_version", ["environment", "odoo_id", "first_seen_run_id"], unique=True
        )

    op.create_table(
        "sales_tags",
        sa.Column("odoo_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=True),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("environment", sa.String(length=16), nullable=False),
        sa.Column("first_seen_run_id", sa.Integer(), nullable=False),
        sa.Column("last_seen_run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_tags")),
    )
    with op.batch_alter_table("sales_tags", schema=None) as batch_op:
        batch_op.create_index(
            "uq_sales_tags_version", ["environment", "odoo_id", "first_seen_run_id"], unique=True
        )

    op.create_table(
        "sales_targets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("environment", sa.String(length=16), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("odoo_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("amount", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_targets")),
        sa.UniqueConstraint(
            "environment",
            "scope",
            "odoo_id",
            "period_start",
            "period_end",
            name=op.f("uq_sales_targets_environment_scope_odoo_id_period_start_period_end"),
        ),
    )
    op.create_table(
        "sales_team_members",
        sa.Column("odoo_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("environment", sa.String(length=16), nullable=False),
        sa.Column("first_seen_run_id", sa.Integer(), nullable=False),
        sa.Column("last_seen_run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_team_members")),
    )
    with op.batch_alter_table("sales_team_members", schema=None) as batch_op:
        batch_op.create_index(
            "uq_sales_team_members_version",
            ["environment", "odoo_id", "first_seen_run_id"],
            unique=True,
        )

    op.create_table(
        "sales_teams",
        sa.Column("odoo_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=True),
        sa.Column("leader_id", sa.Integer(), nullable=True),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("environment", sa.String(length=16), nullable=False),
        sa.Column("first_seen_run_id", sa.Integer(), nullable=False),
        sa.Column("last_seen_run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_teams")),
    )
    with op.batch_alter_table("sales_teams", schema=None) as batch_op:
        batch_op.create_index(
            "uq_sales_teams_version", ["environment", "odoo_id", "first_seen_run_id"], unique=True
        )

    op.create_table(
        "sales_user_companies",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("environment", sa.String(length=16), nullable=False),
        sa.Column("first_seen_run_id", sa.Integer(), nullable=False),
        sa.Column("last_seen_run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_user_companies")),
    )
    with op.batch_alter_table("sales_user_companies", schema=None) as batch_op:
        batch_op.create_index(
            "uq_sales_user_companies_version",
            ["environment", "user_id", "company_id", "first_seen_run_id"],
            unique=True,
        )

    op.create_table(
        "sales_users",
        sa.Column("odoo_id", sa.Integer(), nullable=False),
        sa.Column("login", sa.String(), nullable=True),
        sa.Column("name", sa.String(), nullable=True),
        sa.Column("email", sa.String(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("share", sa.Boolean(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("write_date", sa.DateTime(), nullable=True),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("environment", sa.String(length=16), nullable=False),
        sa.Column("first_seen_run_id", sa.Integer(), nullable=False),
        sa.Column("last_seen_run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_users")),
    )
    with op.batch_alter_table("sales_users", schema=None) as batch_op:
        batch_op.create_index(
            "uq_sales_users_version", ["environment", "odoo_id", "first_seen_run_id"], unique=True
        )

    op.create_table(
        "sales_links",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("environment", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("manual", sa.Boolean(), nullable=False),
        sa.Column("odoo_user_id", sa.Integer(), nullable=True),
        sa.Column("candidates", sa.JSON(), nullable=False),
        sa.Column("salesperson_name", sa.String(length=200), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("team_name", sa.String(length=200), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("department_name", sa.String(length=200), nullable=True),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("company_name", sa.String(length=200), nullable=True),
        sa.Column("checked_at", sa.DateTime(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("changed_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_sales_links_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_links")),
        sa.UniqueConstraint("account_id", name=op.f("uq_sales_links_account_id")),
    )


def downgrade() -> None:
    op.drop_table("sales_links")
    with op.batch_alter_table("sales_users", schema=None) as batch_op:
        batch_op.drop_index("uq_sales_users_version")

    op.drop_table("sales_users")
    with op.batch_alter_table("sales_user_companies", schema=None) as batch_op:
        batch_op.drop_index("uq_sales_user_companies_version")

    op.drop_table("sales_user_companies")
    with op.batch_alter_table("sales_teams", schema=None) as batch_op:
        batch_op.drop_index("uq_sales_teams_version")

    op.drop_table("sales_teams")
    with op.batch_alter_table("sales_team_members", schema=None) as batch_op:
        batch_op.drop_index("uq_sales_team_members_version")

    op.drop_table("sales_team_members")
    op.drop_table("sales_targets")
    with op.batch_alter_table("sales_tags", schema=None) as batch_op:
        batch_op.drop_index("uq_sales_tags_version")

    op.drop_table("sales_tags")
    with op.batch_alter_table("sales_stages", schema=None) as batch_op:
        batch_op.drop_index("uq_sales_stages_version")

    op.drop_table("sales_stages")
    with op.batch_alter_table("sales_partners", schema=None) as batch_op:
        batch_op.drop_index("ix_sales_partners_alive_name")
        batch_op.drop_index("uq_sales_partners_version")
        batch_op.drop_index("ix_sales_partners_commercial_partner_id")

    op.drop_table("sales_partners")
    with op.batch_alter_table("sales_orders", schema=None) as batch_op:
        batch_op.drop_index("uq_sales_orders_version")
        batch_op.drop_index("ix_sales_orders_partner_id")

    op.drop_table("sales_orders")
    with op.batch_alter_table("sales_lost_reasons", schema=None) as batch_op:
        batch_op.drop_index("uq_sales_lost_reasons_version")

    op.drop_table("sales_lost_reasons")
    with op.batch_alter_table("sales_leads", schema=None) as batch_op:
        batch_op.drop_index("ix_sales_leads_alive_write_date")
        batch_op.drop_index("uq_sales_leads_version")
        batch_op.drop_index("ix_sales_leads_user_id")
        batch_op.drop_index("ix_sales_leads_partner_id")

    op.drop_table("sales_leads")
    with op.batch_alter_table("sales_invoices", schema=None) as batch_op:
        batch_op.drop_index("ix_sales_invoices_alive_invoice_date")
        batch_op.drop_index("uq_sales_invoices_version")
        batch_op.drop_index("ix_sales_invoices_invoice_user_id")
        batch_op.drop_index("ix_sales_invoices_commercial_partner_id")

    op.drop_table("sales_invoices")
    with op.batch_alter_table("sales_employees", schema=None) as batch_op:
        batch_op.drop_index("uq_sales_employees_version")

    op.drop_table("sales_employees")
    with op.batch_alter_table("sales_departments", schema=None) as batch_op:
        batch_op.drop_index("uq_sales_departments_version")

    op.drop_table("sales_departments")
    with op.batch_alter_table("sales_companies", schema=None) as batch_op:
        batch_op.drop_index("uq_sales_companies_version")

    op.drop_table("sales_companies")
    with op.batch_alter_table("sales_activities", schema=None) as batch_op:
        batch_op.drop_index("uq_sales_activities_version")
        batch_op.drop_index("ix_sales_activities_lead_id")

    op.drop_table("sales_activities")
