"""lifecycle: a pair's end note, its mentoring agreement, and audit events by target

Revision ID: 0014_lifecycle
Revises: 0013_intake
Create Date: 2026-12-01 17:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_lifecycle"
down_revision: str | None = "0013_intake"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("match", schema=None) as batch_op:
        batch_op.add_column(sa.Column("end_note", sa.Text(), server_default="", nullable=False))
    op.create_table(
        "agreement",
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("goals", sa.Text(), nullable=False),
        sa.Column("frequency", sa.String(length=20), nullable=False),
        sa.Column("meeting_format", sa.String(length=20), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=True),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["match_id"], ["match.id"],
                                name=op.f("fk_agreement_match_id_match"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["proposed_by_id"], ["person.id"],
                                name=op.f("fk_agreement_proposed_by_id_person"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["confirmed_by_id"], ["person.id"],
                                name=op.f("fk_agreement_confirmed_by_id_person"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("match_id", name=op.f("pk_agreement")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index("ix_audit_event_target", ["target_type", "target_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_target")
    op.drop_table("agreement")
    with op.batch_alter_table("match", schema=None) as batch_op:
        batch_op.drop_column("end_note")
