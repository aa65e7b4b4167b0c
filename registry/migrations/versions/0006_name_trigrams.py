"""The trigram index behind the office's fallback name search (PostgreSQL only).

`registry.records.search` falls back to `name_key % :key` when the blocking keys find nobody;
without this index that is a scan of every person. pg_trgm is a trusted extension (PostgreSQL
13 and later), so the registry's own role may create it; where it is not available the
search falls back to its bounded scan, and SQLite has neither.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    available = conn.execute(
        sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
    ).first()
    if available is None:
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_persons_name_key_trgm "
        "ON persons USING gin (name_key gin_trgm_ops)"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_persons_name_key_trgm")
