"""BI: user_company_access (with its change log) and the analytics audit log of guest tokens.

Revision ID: 20261123_bi
Revises: 20261123_foundation
Create Date: 2026-11-23 08:52:11.566630
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261123_bi"
down_revision: str | Sequence[str] | None = "20261123_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "analytics_audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("user_email", sa.String(length=255), nullable=False),
        sa.Column("dashboard_id", sa.String(length=255), nullable=False),
        sa.Column("rls_clauses", sa.JSON(), nullable=False),
        sa.Column("company_ids", sa.JSON(), nullable=False),
        sa.Column("issued_via", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_audit_log")),
    )
    with op.batch_alter_table("analytics_audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_analytics_audit_log_email", ["user_email"], unique=False)
        batch_op.create_index("ix_analytics_audit_log_issued_at", ["issued_at"], unique=False)

    op.create_table(
        "user_company_access",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_email", sa.String(length=255), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("access_level", sa.String(length=8), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=255), nullable=False),
        sa.CheckConstraint(
            "access_level IN ('full', 'read', 'none')",
            name=op.f("ck_user_company_access_level"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_company_access")),
        sa.UniqueConstraint(
            "user_email",
            "company_id",
            name=op.f("uq_user_company_access_user_email_company_id"),
        ),
    )
    op.create_table(
        "user_company_access_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("changed_by", sa.String(length=255), nullable=False),
        sa.Column("user_email", sa.String(length=255), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("old_level", sa.String(length=8), nullable=True),
        sa.Column("new_level", sa.String(length=8), nullable=True),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_company_access_changes")),
    )
    with op.batch_alter_table("user_company_access_changes", schema=None) as batch_op:
        batch_op.create_index("ix_user_company_access_changes_email", ["user_email"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("user_company_access_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_user_company_access_changes_email")
    op.drop_table("user_company_access_changes")
    op.drop_table("user_company_access")
    with op.batch_alter_table("analytics_audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_analytics_audit_log_issued_at")
        batch_op.drop_index("ix_analytics_audit_log_email")
    op.drop_table("analytics_audit_log")
