"""import_job: web imports of profile files run as background jobs

Revision ID: 0016_importjob
Revises: 0015_health
Create Date: 2026-12-01 20:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_importjob"
down_revision: str | None = "0015_health"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("sheet", sa.String(length=255), nullable=True),
        sa.Column("column_map", sa.JSON(), nullable=True),
        sa.Column("partial", sa.Boolean(), nullable=False),
        sa.Column("status", sa.Enum("queued", "running", "done", "refused", "failed",
                                    name="importstatus", native_enum=False, length=20),
                  nullable=False),
        sa.Column("job_id", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("rows_total", sa.Integer(), nullable=True),
        sa.Column("rows_validated", sa.Integer(), nullable=False),
        sa.Column("rows_imported", sa.Integer(), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("quiet_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("failure_reason", sa.Text(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("rows_validated >= 0 AND rows_imported >= 0",
                           name=op.f("ck_import_job_counts_positive")),
        sa.ForeignKeyConstraint(["owner_id"], ["person.id"],
                                name=op.f("fk_import_job_owner_id_person"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["programme_id"], ["programme.id"],
                                name=op.f("fk_import_job_programme_id_programme"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_job")),
    )
    op.create_index(op.f("ix_import_job_owner_id"), "import_job", ["owner_id"], unique=False)
    op.create_index(op.f("ix_import_job_programme_id"), "import_job", ["programme_id"],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_import_job_programme_id"), table_name="import_job")
    op.drop_index(op.f("ix_import_job_owner_id"), table_name="import_job")
    op.drop_table("import_job")
