"""choice rounds: suggestions, a request's times on match, the choice window on round

Revision ID: 0012_choice
Revises: 0011_signup
Create Date: 2026-12-01 17:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_choice"
down_revision: str | None = "0011_signup"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "suggestion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("mentee_id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["mentee_id"], ["person.id"],
                                name=op.f("fk_suggestion_mentee_id_person"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["mentor_id"], ["person.id"],
                                name=op.f("fk_suggestion_mentor_id_person"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["round_id"], ["round.id"],
                                name=op.f("fk_suggestion_round_id_round"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suggestion")),
        sa.UniqueConstraint("round_id", "mentee_id", "mentor_id", name="one_each"),
    )
    for column in ("round_id", "mentee_id", "mentor_id"):
        op.create_index(op.f(f"ix_suggestion_{column}"), "suggestion", [column], unique=False)
    with op.batch_alter_table("match", schema=None) as batch_op:
        batch_op.add_column(sa.Column("requested_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("round", schema=None) as batch_op:
        batch_op.add_column(sa.Column("choice_opened_at", sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column("choice_closed_at", sa.DateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("round", schema=None) as batch_op:
        batch_op.drop_column("choice_closed_at")
        batch_op.drop_column("choice_opened_at")
    with op.batch_alter_table("match", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
        batch_op.drop_column("requested_at")
    for column in ("round_id", "mentee_id", "mentor_id"):
        op.drop_index(op.f(f"ix_suggestion_{column}"), table_name="suggestion")
    op.drop_table("suggestion")
