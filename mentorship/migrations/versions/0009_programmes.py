"""programmes: programme, enrolment, programme_coordinator; every round in a programme

The existing data moves into one default programme: everyone with a profile is enrolled in
it and every round belongs to it.

Revision ID: 0009_programmes
Revises: 0008_trios
Create Date: 2026-12-01 17:00:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from mentorship.core.models import UtcDateTime

revision: str = "0009_programmes"
down_revision: str | None = "0008_trios"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEFAULT_NAME = "Library mentoring"


def upgrade() -> None:
    programme = op.create_table(
        "programme",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("mode", sa.String(length=10), server_default="mentor", nullable=False),
        sa.Column("round_settings", sa.JSON(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("signup_opens", sa.Date(), nullable=True),
        sa.Column("signup_closes", sa.Date(), nullable=True),
        sa.Column("matching_date", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("is_default", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme")),
        sa.UniqueConstraint("name", name=op.f("uq_programme_name")),
    )
    enrolment = op.create_table(
        "enrolment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"],
                                name=op.f("fk_enrolment_person_id_person"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["programme_id"], ["programme.id"],
                                name=op.f("fk_enrolment_programme_id_programme"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrolment")),
        sa.UniqueConstraint("programme_id", "person_id", name="once"),
    )
    with op.batch_alter_table("enrolment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enrolment_person_id"), ["person_id"], unique=False)
    op.create_table(
        "programme_coordinator",
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"],
                                name=op.f("fk_programme_coordinator_person_id_person"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["programme_id"], ["programme.id"],
                                name=op.f("fk_programme_coordinator_programme_id_programme"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("programme_id", "person_id", name=op.f("pk_programme_coordinator")),
    )
    with op.batch_alter_table("programme_coordinator", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_programme_coordinator_person_id"), ["person_id"],
                              unique=False)

    # The existing data becomes the default programme's.
    connection = op.get_bind()
    now = datetime.now(UTC)
    connection.execute(programme.insert().values(
        name=DEFAULT_NAME, description="", mode="mentor", round_settings={}, settings={},
        is_default=True, version=1, created_at=now, updated_at=now))
    default_id = connection.execute(
        sa.select(programme.c.id).where(programme.c.name == DEFAULT_NAME)).scalar_one()
    profile = sa.table("profile", sa.column("person_id", sa.Integer()))
    connection.execute(enrolment.insert().from_select(
        ["programme_id", "person_id", "created_at"],
        sa.select(sa.literal(default_id, sa.Integer()), profile.c.person_id,
                  sa.literal(now, UtcDateTime())).order_by(profile.c.person_id)))

    with op.batch_alter_table("round", schema=None) as batch_op:
        batch_op.add_column(sa.Column("programme_id", sa.Integer(), nullable=True))
    round_table = sa.table("round", sa.column("programme_id", sa.Integer()))
    connection.execute(round_table.update().values(programme_id=default_id))
    with op.batch_alter_table("round", schema=None) as batch_op:
        batch_op.alter_column("programme_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(batch_op.f("fk_round_programme_id_programme"), "programme",
                                    ["programme_id"], ["id"])
        batch_op.create_index(batch_op.f("ix_round_programme_id"), ["programme_id"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("round", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_round_programme_id"))
        batch_op.drop_constraint(batch_op.f("fk_round_programme_id_programme"),
                                 type_="foreignkey")
        batch_op.drop_column("programme_id")
    with op.batch_alter_table("programme_coordinator", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_programme_coordinator_person_id"))
    op.drop_table("programme_coordinator")
    with op.batch_alter_table("enrolment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enrolment_person_id"))
    op.drop_table("enrolment")
    op.drop_table("programme")
