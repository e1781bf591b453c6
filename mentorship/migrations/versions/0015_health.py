"""check_in and feedback: pairs' check-ins and their end-of-pair surveys

Revision ID: 0015_health
Revises: 0014_lifecycle
integrator re-chains them)
Create Date: 2026-12-01 17:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_health"
down_revision: str | None = "0014_lifecycle"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "check_in",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("answer", sa.Enum("met", "not_yet", "need_help", name="checkinanswer",
                                    native_enum=False, length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("period >= 1", name=op.f("ck_check_in_period_positive")),
        sa.ForeignKeyConstraint(["match_id"], ["match.id"], name=op.f("fk_check_in_match_id_match"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"],
                                name=op.f("fk_check_in_person_id_person"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_in")),
        sa.UniqueConstraint("match_id", "person_id", "period", name="once_per_period"),
    )
    op.create_index(op.f("ix_check_in_match_id"), "check_in", ["match_id"], unique=False)
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("side", sa.String(length=10), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("worked", sa.Text(), nullable=False),
        sa.Column("again", sa.Boolean(), nullable=False),
        sa.Column("skill_levels", sa.JSON(), nullable=False),
        sa.Column("levels_applied", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("rating >= 1 AND rating <= 5", name=op.f("ck_feedback_rating_range")),
        sa.CheckConstraint("side IN ('mentor', 'mentee')", name=op.f("ck_feedback_side_known")),
        sa.ForeignKeyConstraint(["match_id"], ["match.id"], name=op.f("fk_feedback_match_id_match"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"],
                                name=op.f("fk_feedback_person_id_person"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
        sa.UniqueConstraint("match_id", "person_id", name="once_per_person"),
    )
    op.create_index(op.f("ix_feedback_match_id"), "feedback", ["match_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_feedback_match_id"), table_name="feedback")
    op.drop_table("feedback")
    op.drop_index(op.f("ix_check_in_match_id"), table_name="check_in")
    op.drop_table("check_in")
