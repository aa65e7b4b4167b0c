"""Orders from every channel, channel kinds (kiosk or portal), and portal sign-ins.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("kiosks", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=8), server_default="kiosk", nullable=False)
        )
    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("requester_id", sa.Integer(), nullable=False),
        sa.Column("document_type", sa.SmallInteger(), nullable=False),
        sa.Column("subject_ref", sa.String(length=32), nullable=False),
        sa.Column("subject_name", sa.Text(), nullable=False),
        sa.Column("relation", sa.String(length=16), nullable=False),
        sa.Column("collection", sa.String(length=8), nullable=False),
        sa.Column("office", sa.String(length=8), nullable=True),
        sa.Column("postal_address", sa.Text(), nullable=True),
        sa.Column("fee_amount", sa.Integer(), nullable=False),
        sa.Column("fee_currency", sa.String(length=3), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("collected_by", sa.String(length=64), nullable=True),
        sa.Column("tracking_number", sa.String(length=40), nullable=True),
        sa.Column("postal_batch", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_orders_document_id_documents")
        ),
        sa.ForeignKeyConstraint(
            ["requester_id"], ["persons.id"], name=op.f("fk_orders_requester_id_persons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint("code", name=op.f("uq_orders_code")),
        sa.UniqueConstraint("document_id", name=op.f("uq_orders_document_id")),
        sa.UniqueConstraint("channel_id", "idempotency_key", name="uq_orders_idempotency"),
    )
    op.create_index("ix_orders_requester", "orders", ["requester_id", "created_at"])
    op.create_index("ix_orders_state", "orders", ["collection", "state", "office"])
    op.create_table(
        "sign_in_challenges",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("sends", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_sign_in_challenges_person_id_persons")
        ),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_sign_in_challenges")),
    )
    op.create_index(
        op.f("ix_sign_in_challenges_person_id"), "sign_in_challenges", ["person_id"]
    )
    op.create_index(
        op.f("ix_sign_in_challenges_expires_at"), "sign_in_challenges", ["expires_at"]
    )


def downgrade() -> None:
    op.drop_table("sign_in_challenges")
    op.drop_table("orders")
    with op.batch_alter_table("kiosks", schema=None) as batch_op:
        batch_op.drop_column("kind")
