"""Staff identities at a ministry's OpenID provider, and sign-ins on their way back from it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "staff_identities",
        sa.Column("issuer", sa.String(length=300), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_sign_in_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
            name=op.f("fk_staff_identities_staff_id_staff"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("issuer", "subject", name=op.f("pk_staff_identities")),
    )
    op.create_index(
        op.f("ix_staff_identities_staff_id"), "staff_identities", ["staff_id"], unique=False
    )
    op.create_table(
        "staff_sign_in_attempts",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=100), nullable=False),
        sa.Column("nonce", sa.String(length=100), nullable=False),
        sa.Column("code_verifier", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_staff_sign_in_attempts")),
    )
    op.create_index(
        op.f("ix_staff_sign_in_attempts_created_at"),
        "staff_sign_in_attempts",
        ["created_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("staff_sign_in_attempts")
    op.drop_table("staff_identities")
