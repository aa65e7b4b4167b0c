"""The data exchange: agencies and their client certificates.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "agencies",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name_ar", sa.String(length=160), nullable=False),
        sa.Column("name_latin", sa.String(length=160), nullable=False),
        sa.Column("contact", sa.String(length=200), nullable=False),
        sa.Column("bases", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("per_minute", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_agencies")),
    )
    op.create_table(
        "agency_certificates",
        sa.Column("serial", sa.String(length=40), nullable=False),
        sa.Column("agency_code", sa.String(length=16), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("not_after", sa.DateTime(), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_code"],
            ["agencies.code"],
            name=op.f("fk_agency_certificates_agency_code_agencies"),
        ),
        sa.PrimaryKeyConstraint("serial", name=op.f("pk_agency_certificates")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_agency_certificates_fingerprint")),
    )
    op.create_index(
        op.f("ix_agency_certificates_agency_code"), "agency_certificates", ["agency_code"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_agency_certificates_agency_code"), table_name="agency_certificates")
    op.drop_table("agency_certificates")
    op.drop_table("agencies")
