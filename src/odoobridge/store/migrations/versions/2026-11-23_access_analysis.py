"""Access analysis: Merge & Compare results, kept per pair of runs.

Revision ID: 20261123_access_analysis
Revises: 20261123_foundation
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261123_access_analysis"
down_revision: str | Sequence[str] | None = "20261123_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "comparison_results",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=False),
        sa.Column("environment", sa.String(length=16), nullable=False),
        sa.Column("odoo_run_id", sa.Integer(), nullable=False),
        sa.Column("azure_run_id", sa.Integer(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comparison_results")),
    )
    with op.batch_alter_table("comparison_results", schema=None) as batch_op:
        batch_op.create_index(
            "ix_comparison_results_runs", ["environment", "odoo_run_id", "azure_run_id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("comparison_results", schema=None) as batch_op:
        batch_op.drop_index("ix_comparison_results_runs")
    op.drop_table("comparison_results")
