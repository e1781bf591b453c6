"""match: the third member of a peer circle of three (NULL for a pair)

Revision ID: 0008_trios
Revises: 0007_factors
Create Date: 2026-12-01 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_trios"
down_revision: str | None = "0007_factors"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("match", schema=None) as batch_op:
        batch_op.add_column(sa.Column("third_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_match_third_id_person"), "person",
                                    ["third_id"], ["id"], ondelete="SET NULL")
        batch_op.create_index(batch_op.f("ix_match_third_id"), ["third_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("match", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_match_third_id"))
        batch_op.drop_constraint(batch_op.f("fk_match_third_id_person"), type_="foreignkey")
        batch_op.drop_column("third_id")
