"""Foundation: sync runs and the temporal fact tables of Odoo's security model.

Revision ID: 20261123_foundation
Revises:
Create Date: 2026-11-23 08:34:57.783387
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261123_foundation"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "odoo_acls",
        sa.Column("odoo_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("model", sa.String(), nullable=False),
        sa.Column("model_name", sa.String(), nullable=True),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("perm_read", sa.Boolean(), nullable=False),
        sa.Column("perm_write", sa.Boolean(), nullable=False),
        sa.Column("perm_create", sa.Boolean(), nullable=False),
        sa.Column("perm_unlink", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("environment", sa.String(length=16), nullable=False),
        sa.Column("first_seen_run_id", sa.Integer(), nullable=False),
        sa.Column("last_seen_run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_odoo_acls")),
    )
    with op.batch_alter_table("odoo_acls", schema=None) as batch_op:
        batch_op.create_index("ix_odoo_acls_model", ["environment", "model"], unique=False)
        batch_op.create_index(
            "uq_odoo_acls_version", ["environment", "odoo_id", "first_seen_run_id"], unique=True
        )

    op.create_table(
        "odoo_categories",
        sa.Column("odoo_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("environment", sa.String(length=16), nullable=False),
        sa.Column("first_seen_run_id", sa.Integer(), nullable=False),
        sa.Column("last_seen_run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_odoo_categories")),
    )
    with op.batch_alter_table("odoo_categories", schema=None) as batch_op:
        batch_op.create_index(
            "uq_odoo_categories_version",
            ["environment", "odoo_id", "first_seen_run_id"],
            unique=True,
        )

    op.create_table(
        "odoo_companies",
        sa.Column("odoo_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("environment", sa.String(length=16), nullable=False),
        sa.Column("first_seen_run_id", sa.Integer(), nullable=False),
        sa.Column("last_seen_run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_odoo_companies")),
    )
    with op.batch_alter_table("odoo_companies", schema=None) as batch_op:
        batch_op.create_index(
            "uq_odoo_companies_version",
            ["environment", "odoo_id", "first_seen_run_id"],
            unique=True,
        )

    op.create_table(
        "odoo_employees",
        sa.Column("odoo_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("department_name", sa.String(), nullable=True),
        sa.Column("job_title", sa.String(), nullable=True),
        sa.Column("manager_id", sa.Integer(), nullable=True),
        sa.Column("work_email", sa.String(), nullable=True),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("environment", sa.String(length=16), nullable=False),
        sa.Column("first_seen_run_id", sa.Integer(), nullable=False),
        sa.Column("last_seen_run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_odoo_employees")),
    )
    with op.batch_alter_table("odoo_employees", schema=None) as batch_op:
        batch_op.create_index(
            "uq_odoo_employees_version",
            ["environment", "odoo_id", "first_seen_run_id"],
            unique=True,
        )

    op.create_table(
        "odoo_xml_ids",
        sa.Column("model", sa.String(), nullable=False),
        sa.Column("res_id", sa.Integer(), nullable=False),
        sa.Column("module", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("environment", sa.String(length=16), nullable=False),
        sa.Column("first_seen_run_id", sa.Integer(), nullable=False),
        sa.Column("last_seen_run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_odoo_xml_ids")),
    )
    with op.batch_alter_table("odoo_xml_ids", schema=None) as batch_op:
        batch_op.create_index(
            "uq_odoo_xml_ids_version",
            ["environment", "model", "res_id", "first_seen_run_id"],
            unique=True,
        )

    op.create_table(
        "odoo_groups",
        sa.Column("odoo_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("privilege_id", sa.Integer(), nullable=True),
        sa.Column("share", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("environment", sa.String(length=16), nullable=False),
        sa.Column("first_seen_run_id", sa.Integer(), nullable=False),
        sa.Column("last_seen_run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_odoo_groups")),
    )
    with op.batch_alter_table("odoo_groups", schema=None) as batch_op:
        batch_op.create_index(
            "uq_odoo_groups_version", ["environment", "odoo_id", "first_seen_run_id"], unique=True
        )

    op.create_table(
        "odoo_implications",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("implied_group_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("environment", sa.String(length=16), nullable=False),
        sa.Column("first_seen_run_id", sa.Integer(), nullable=False),
        sa.Column("last_seen_run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_odoo_implications")),
    )
    with op.batch_alter_table("odoo_implications", schema=None) as batch_op:
        batch_op.create_index(
            "uq_odoo_implications_version",
            ["environment", "group_id", "implied_group_id", "first_seen_run_id"],
            unique=True,
        )

    op.create_table(
        "odoo_logins",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("last_login", sa.DateTime(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("environment", sa.String(length=16), nullable=False),
        sa.Column("first_seen_run_id", sa.Integer(), nullable=False),
        sa.Column("last_seen_run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_odoo_logins")),
    )
    with op.batch_alter_table("odoo_logins", schema=None) as batch_op:
        batch_op.create_index(
            "uq_odoo_logins_version", ["environment", "user_id", "first_seen_run_id"], unique=True
        )

    op.create_table(
        "odoo_memberships",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("environment", sa.String(length=16), nullable=False),
        sa.Column("first_seen_run_id", sa.Integer(), nullable=False),
        sa.Column("last_seen_run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_odoo_memberships")),
    )
    with op.batch_alter_table("odoo_memberships", schema=None) as batch_op:
        batch_op.create_index(
            "uq_odoo_memberships_version",
            ["environment", "user_id", "group_id", "first_seen_run_id"],
            unique=True,
        )

    op.create_table(
        "odoo_privileges",
        sa.Column("odoo_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("environment", sa.String(length=16), nullable=False),
        sa.Column("first_seen_run_id", sa.Integer(), nullable=False),
        sa.Column("last_seen_run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_odoo_privileges")),
    )
    with op.batch_alter_table("odoo_privileges", schema=None) as batch_op:
        batch_op.create_index(
            "uq_odoo_privileges_version",
            ["environment", "odoo_id", "first_seen_run_id"],
            unique=True,
        )

    op.create_table(
        "odoo_rule_groups",
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("environment", sa.String(length=16), nullable=False),
        sa.Column("first_seen_run_id", sa.Integer(), nullable=False),
        sa.Column("last_seen_run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_odoo_rule_groups")),
    )
    with op.batch_alter_table("odoo_rule_groups", schema=None) as batch_op:
        batch_op.create_index(
            "uq_odoo_rule_groups_version",
            ["environment", "rule_id", "group_id", "first_seen_run_id"],
            unique=True,
        )

    op.create_table(
        "odoo_rules",
        sa.Column("odoo_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=True),
        sa.Column("model", sa.String(), nullable=False),
        sa.Column("domain", sa.Text(), nullable=True),
        sa.Column("perm_read", sa.Boolean(), nullable=False),
        sa.Column("perm_write", sa.Boolean(), nullable=False),
        sa.Column("perm_create", sa.Boolean(), nullable=False),
        sa.Column("perm_unlink", sa.Boolean(), nullable=False),
        sa.Column("is_global", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("environment", sa.String(length=16), nullable=False),
        sa.Column("first_seen_run_id", sa.Integer(), nullable=False),
        sa.Column("last_seen_run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_odoo_rules")),
    )
    with op.batch_alter_table("odoo_rules", schema=None) as batch_op:
        batch_op.create_index("ix_odoo_rules_model", ["environment", "model"], unique=False)
        batch_op.create_index(
            "uq_odoo_rules_version", ["environment", "odoo_id", "first_seen_run_id"], unique=True
        )

    op.create_table(
        "odoo_user_companies",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("environment", sa.String(length=16), nullable=False),
        sa.Column("first_seen_run_id", sa.Integer(), nullable=False),
        sa.Column("last_seen_run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_odoo_user_companies")),
    )
    with op.batch_alter_table("odoo_user_companies", schema=None) as batch_op:
        batch_op.create_index(
            "uq_odoo_user_companies_version",
            ["environment", "user_id", "company_id", "first_seen_run_id"],
            unique=True,
        )

    op.create_table(
        "odoo_users",
        sa.Column("odoo_id", sa.Integer(), nullable=False),
        sa.Column("login", sa.String(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("share", sa.Boolean(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(), nullable=True),
        sa.Column("email", sa.String(), nullable=True),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("create_date", sa.DateTime(), nullable=True),
        sa.Column("write_date", sa.DateTime(), nullable=True),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("environment", sa.String(length=16), nullable=False),
        sa.Column("first_seen_run_id", sa.Integer(), nullable=False),
        sa.Column("last_seen_run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_odoo_users")),
    )
    with op.batch_alter_table("odoo_users", schema=None) as batch_op:
        batch_op.create_index(
            "uq_odoo_users_version", ["environment", "odoo_id", "first_seen_run_id"], unique=True
        )

    op.create_table(
        "sync_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("sync_type", sa.String(length=32), nullable=False),
        sa.Column("environment", sa.String(length=16), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("triggered_by", sa.String(length=128), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=True),
        sa.Column("lock_key", sa.String(length=80), nullable=True),
        sa.Column("host", sa.String(length=255), nullable=True),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("stats", sa.JSON(), nullable=False),
        sa.Column("progress", sa.JSON(), nullable=False),
        sa.Column("digests", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_runs")),
        sa.UniqueConstraint("lock_key", name=op.f("uq_sync_runs_lock_key")),
    )
    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sync_runs_type_env_status", ["sync_type", "environment", "status"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("odoo_xml_ids", schema=None) as batch_op:
        batch_op.drop_index("uq_odoo_xml_ids_version")
    op.drop_table("odoo_xml_ids")

    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_sync_runs_type_env_status")

    op.drop_table("sync_runs")
    with op.batch_alter_table("odoo_users", schema=None) as batch_op:
        batch_op.drop_index("uq_odoo_users_version")

    op.drop_table("odoo_users")
    with op.batch_alter_table("odoo_user_companies", schema=None) as batch_op:
        batch_op.drop_index("uq_odoo_user_companies_version")

    op.drop_table("odoo_user_companies")
    with op.batch_alter_table("odoo_rules", schema=None) as batch_op:
        batch_op.drop_index("uq_odoo_rules_version")
        batch_op.drop_index("ix_odoo_rules_model")

    op.drop_table("odoo_rules")
    with op.batch_alter_table("odoo_rule_groups", schema=None) as batch_op:
        batch_op.drop_index("uq_odoo_rule_groups_version")

    op.drop_table("odoo_rule_groups")
    with op.batch_alter_table("odoo_privileges", schema=None) as batch_op:
        batch_op.drop_index("uq_odoo_privileges_version")

    op.drop_table("odoo_privileges")
    with op.batch_alter_table("odoo_memberships", schema=None) as batch_op:
        batch_op.drop_index("uq_odoo_memberships_version")

    op.drop_table("odoo_memberships")
    with op.batch_alter_table("odoo_logins", schema=None) as batch_op:
        batch_op.drop_index("uq_odoo_logins_version")

    op.drop_table("odoo_logins")
    with op.batch_alter_table("odoo_implications", schema=None) as batch_op:
        batch_op.drop_index("uq_odoo_implications_version")

    op.drop_table("odoo_implications")
    with op.batch_alter_table("odoo_groups", schema=None) as batch_op:
        batch_op.drop_index("uq_odoo_groups_version")

    op.drop_table("odoo_groups")
    with op.batch_alter_table("odoo_employees", schema=None) as batch_op:
        batch_op.drop_index("uq_odoo_employees_version")

    op.drop_table("odoo_employees")
    with op.batch_alter_table("odoo_companies", schema=None) as batch_op:
        batch_op.drop_index("uq_odoo_companies_version")

    op.drop_table("odoo_companies")
    with op.batch_alter_table("odoo_categories", schema=None) as batch_op:
        batch_op.drop_index("uq_odoo_categories_version")

    op.drop_table("odoo_categories")
    with op.batch_alter_table("odoo_acls", schema=None) as batch_op:
        batch_op.drop_index("uq_odoo_acls_version")
        batch_op.drop_index("ix_odoo_acls_model")

    op.drop_table("odoo_acls")
