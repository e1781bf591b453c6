"""column_map: a form export's column map, kept by scope for the next import

Revision ID: 0013_intake
Revises: 0012_choice
Create Date: 2026-12-01 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_intake"
down_revision: str | None = "0012_choice"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "column_map",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=100), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["updated_by_id"], ["person.id"],
                                name=op.f("fk_column_map_updated_by_id_person"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_column_map")),
        sa.UniqueConstraint("scope", name=op.f("uq_column_map_scope")),
    )


def downgrade() -> None:
    op.drop_table("column_map")
