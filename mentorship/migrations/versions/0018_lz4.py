"""lz4 for a round's large JSON: PostgreSQL compresses its input snapshot, report and unmatched
with lz4 rather than pglz

A 10,000-person round's input snapshot is about 8 MB of JSON; pglz takes three times as long
as lz4 to compress it, so storing a preview waits on it. SQLite does not compress: nothing to
do there. A server built without lz4 keeps pglz (the upgrade goes on).

Revision ID: 0018_lz4
Revises: 0017_rematch
Create Date: 2026-12-02 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_lz4"
down_revision: str | None = "0017_rematch"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The round's columns that hold megabytes for a large pool.
LARGE_JSON = ("input_snapshot", "diagnostics", "unmatched")


def _set_compression(method: str) -> None:
    connection = op.get_bind()
    if connection.dialect.name != "postgresql" or connection.dialect.server_version_info < (14,):
        return
    for column in LARGE_JSON:
        savepoint = connection.begin_nested()
        try:
            connection.execute(sa.text(
                f"ALTER TABLE round ALTER COLUMN {column} SET COMPRESSION {method}"))
        except sa.exc.DBAPIError:  # this server was built without lz4: pglz stays
            savepoint.rollback()
        else:
            savepoint.commit()


def upgrade() -> None:
    _set_compression("lz4")


def downgrade() -> None:
    _set_compression("pglz")
