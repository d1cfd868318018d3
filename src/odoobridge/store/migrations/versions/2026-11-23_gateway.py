"""Gateway: proposals of writes to Odoo (propose → confirm → execute).

Revision ID: 20261123_gateway
Revises: 20261123_foundation
Create Date: 2026-11-23 10:12:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261123_gateway"
down_revision: str | Sequence[str] | None = "20261123_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "gateway_proposals",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("operations", sa.JSON(), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("proposed_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("confirmed_by", sa.String(length=200), nullable=True),
        sa.Column("executed_at", sa.DateTime(), nullable=True),
        sa.Column("results", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gateway_proposals")),
    )
    with op.batch_alter_table("gateway_proposals", schema=None) as batch_op:
        batch_op.create_index("ix_gateway_proposals_status", ["status"], unique=False)
        batch_op.create_index("ix_gateway_proposals_created_at", ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("gateway_proposals", schema=None) as batch_op:
        batch_op.drop_index("ix_gateway_proposals_created_at")
        batch_op.drop_index("ix_gateway_proposals_status")
    op.drop_table("gateway_proposals")
