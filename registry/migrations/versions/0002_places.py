"""Place codes: offices, service centres and towns named in the trust list's place table.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 12:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "places",
        sa.Column("code", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.SmallInteger(), nullable=False),
        sa.Column("name_ar", sa.String(length=160), nullable=False),
        sa.Column("name_latin", sa.String(length=160), nullable=True),
        sa.Column("published_in", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_places")),
        sa.UniqueConstraint("name_ar", "name_latin", name="uq_places_name"),
    )


def downgrade() -> None:
    op.drop_table("places")
