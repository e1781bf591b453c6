"""profile: the factors coordinators match on (experience, institution, location, time zone)

Revision ID: 0007_factors
Revises: 0006
Create Date: 2026-12-01 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_factors"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("profile", schema=None) as batch_op:
        batch_op.add_column(sa.Column("years_experience", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("institution", sa.String(length=200), server_default="",
                                      nullable=False))
        batch_op.add_column(sa.Column("location", sa.String(length=200), server_default="",
                                      nullable=False))
        batch_op.add_column(sa.Column("time_zone", sa.String(length=64), server_default="",
                                      nullable=False))
        batch_op.create_check_constraint(
            op.f("ck_profile_years_experience_range"),
            "years_experience IS NULL OR (years_experience >= 0 AND years_experience <= 70)")


def downgrade() -> None:
    with op.batch_alter_table("profile", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_profile_years_experience_range"), type_="check")
        batch_op.drop_column("time_zone")
        batch_op.drop_column("location")
        batch_op.drop_column("institution")
        batch_op.drop_column("years_experience")
