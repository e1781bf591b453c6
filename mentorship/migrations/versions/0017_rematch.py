"""rematch job: a declined pair's re-match runs as a job, recorded on the declined row

Revision ID: 0017_rematch
Revises: 0016_importjob
Create Date: 2026-12-01 20:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_rematch"
down_revision: str | None = "0016_importjob"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("match") as batch:
        batch.add_column(sa.Column("rematch_status", sa.String(10), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("rematch_job_id", sa.String(64), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("rematch_heartbeat_at", sa.DateTime(timezone=True),
                                   nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("match") as batch:
        batch.drop_column("rematch_heartbeat_at")
        batch.drop_column("rematch_job_id")
        batch.drop_column("rematch_status")
