"""sign-up: a programme's public sign-up link, and the sign-ups made through it

Revision ID: 0011_signup
Revises: 0010_mail
Create Date: 2026-12-01 17:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_signup"
# Both 0009s came from 0008_trios on branches of their own; this one joins them again.
down_revision: str | None = "0010_mail"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "signup_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("domains", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["person.id"],
                                name=op.f("fk_signup_link_created_by_id_person"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["programme_id"], ["programme.id"],
                                name=op.f("fk_signup_link_programme_id_programme"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signup_link")),
        sa.UniqueConstraint("programme_id", name=op.f("uq_signup_link_programme_id")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_signup_link_token_hash")),
    )
    op.create_table(
        "signup_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("password_hash", sa.String(length=255), server_default="", nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["decided_by_id"], ["person.id"],
                                name=op.f("fk_signup_request_decided_by_id_person"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["link_id"], ["signup_link.id"],
                                name=op.f("fk_signup_request_link_id_signup_link"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"],
                                name=op.f("fk_signup_request_person_id_person"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signup_request")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_signup_request_token_hash")),
    )
    with op.batch_alter_table("signup_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_signup_request_email"), ["email"], unique=False)
        batch_op.create_index(batch_op.f("ix_signup_request_link_id"), ["link_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("signup_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signup_request_link_id"))
        batch_op.drop_index(batch_op.f("ix_signup_request_email"))
    op.drop_table("signup_request")
    op.drop_table("signup_link")
