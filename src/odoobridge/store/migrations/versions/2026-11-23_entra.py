"""Entra directory: users, sign-in activity and the saved delta link.

Revision ID: 20261123_entra
Revises: 20261123_foundation
Create Date: 2026-11-23 08:49:08.300527
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261123_entra"
down_revision: str | Sequence[str] | None = "20261123_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "entra_sign_ins",
        sa.Column("azure_id", sa.String(length=64), nullable=False),
        sa.Column("last_sign_in", sa.DateTime(), nullable=True),
        sa.Column("last_non_interactive_sign_in", sa.DateTime(), nullable=True),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("environment", sa.String(length=16), nullable=False),
        sa.Column("first_seen_run_id", sa.Integer(), nullable=False),
        sa.Column("last_seen_run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entra_sign_ins")),
    )
    with op.batch_alter_table("entra_sign_ins", schema=None) as batch_op:
        batch_op.create_index(
            "ix_entra_sign_ins_alive", ["environment", "last_seen_run_id"], unique=False
        )
        batch_op.create_index(
            "uq_entra_sign_ins_version",
            ["environment", "azure_id", "first_seen_run_id"],
            unique=True,
        )

    op.create_table(
        "entra_users",
        sa.Column("azure_id", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(), nullable=True),
        sa.Column("mail", sa.String(), nullable=True),
        sa.Column("user_principal_name", sa.String(), nullable=True),
        sa.Column("department", sa.String(), nullable=True),
        sa.Column("job_title", sa.String(), nullable=True),
        sa.Column("employee_id", sa.String(), nullable=True),
        sa.Column("account_enabled", sa.Boolean(), nullable=True),
        sa.Column("last_password_change", sa.DateTime(), nullable=True),
        sa.Column("user_type", sa.String(length=32), nullable=True),
        sa.Column("manager_id", sa.String(length=64), nullable=True),
        sa.Column("removed_reason", sa.String(length=16), nullable=True),
        sa.Column("removed_at", sa.DateTime(), nullable=True),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("environment", sa.String(length=16), nullable=False),
        sa.Column("first_seen_run_id", sa.Integer(), nullable=False),
        sa.Column("last_seen_run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entra_users")),
    )
    with op.batch_alter_table("entra_users", schema=None) as batch_op:
        batch_op.create_index(
            "ix_entra_users_alive", ["environment", "last_seen_run_id"], unique=False
        )
        batch_op.create_index(
            "uq_entra_users_version", ["environment", "azure_id", "first_seen_run_id"], unique=True
        )

    op.create_table(
        "entra_delta_links",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("delta_link", sa.Text(), nullable=False),
        sa.Column("obtained_at", sa.DateTime(), nullable=False),
        sa.Column("query", sa.String(length=400), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["sync_runs.id"],
            name=op.f("fk_entra_delta_links_run_id_sync_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_entra_delta_links")),
    )


def downgrade() -> None:
    op.drop_table("entra_delta_links")
    with op.batch_alter_table("entra_users", schema=None) as batch_op:
        batch_op.drop_index("uq_entra_users_version")
        batch_op.drop_index("ix_entra_users_alive")

    op.drop_table("entra_users")
    with op.batch_alter_table("entra_sign_ins", schema=None) as batch_op:
        batch_op.drop_index("uq_entra_sign_ins_version")
        batch_op.drop_index("ix_entra_sign_ins_alive")

    op.drop_table("entra_sign_ins")
