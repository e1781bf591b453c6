"""pair_rule: a lock the coordinator keeps below the round's minimum score, on purpose

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 13:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("pair_rule", schema=None) as batch_op:
        batch_op.add_column(sa.Column("below_minimum", sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("pair_rule", schema=None) as batch_op:
        batch_op.drop_column("below_minimum")
