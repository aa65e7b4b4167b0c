"""The waiting-room displays: each office's display key, kept as its SHA-256; a queue
ticket's last "call again" apart from its first call (the wait the figures count ends there).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "queue_displays",
        sa.Column("office", sa.String(length=8), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["office"], ["offices.code"], name=op.f("fk_queue_displays_office_offices")
        ),
        sa.PrimaryKeyConstraint("office", name=op.f("pk_queue_displays")),
    )
    with op.batch_alter_table("queue_tickets") as batch:
        batch.add_column(sa.Column("recalled_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("queue_tickets") as batch:
        batch.drop_column("recalled_at")
    op.drop_table("queue_displays")
