"""Civil registration at the office (issue 13): offices, declarations and their revisions and
history, record versions, corrections, counters (record and national numbers), citizens'
phones and PIN provenance, counter-issued documents and superseded documents.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def _staff_fk(column: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["staff.id"], name=op.f(f"fk_{table}_{column}_staff"))


def upgrade() -> None:
    from registry.offices import DEFAULT_OFFICES

    offices = op.create_table(
        "offices",
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("name_ar", sa.String(length=160), nullable=False),
        sa.Column("name_latin", sa.String(length=160), nullable=True),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_offices")),
        sa.UniqueConstraint("name_ar", name=op.f("uq_offices_name_ar")),
    )
    op.bulk_insert(
        offices,
        [
            {"code": o.code, "name_ar": o.name_ar, "name_latin": o.name_latin, "opened_at": o.opened}
            for o in DEFAULT_OFFICES
        ],
    )

    op.create_table(
        "declarations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("office", sa.String(length=8), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("subject", sa.String(length=32), nullable=True),
        sa.Column("declared_by", sa.Integer(), nullable=False),
        sa.Column("declared_at", sa.DateTime(), nullable=False),
        sa.Column("authors", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("reviewed_by", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.Column("acknowledged", sa.Text(), nullable=False),
        sa.Column("registered_ref", sa.String(length=48), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["office"], ["offices.code"], name=op.f("fk_declarations_office_offices")
        ),
        _staff_fk("declared_by", "declarations"),
        _staff_fk("reviewed_by", "declarations"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_declarations")),
        sa.UniqueConstraint("number", name=op.f("uq_declarations_number")),
    )
    op.create_index("ix_declarations_office_state", "declarations", ["office", "state"])
    op.create_index("ix_declarations_subject", "declarations", ["subject"])

    op.create_table(
        "declaration_revisions",
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("by", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declarations.id"],
            name=op.f("fk_declaration_revisions_declaration_id_declarations"),
        ),
        _staff_fk("by", "declaration_revisions"),
        sa.PrimaryKeyConstraint(
            "declaration_id", "revision", name=op.f("pk_declaration_revisions")
        ),
    )
    op.create_table(
        "declaration_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("by", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declarations.id"],
            name=op.f("fk_declaration_history_declaration_id_declarations"),
        ),
        _staff_fk("by", "declaration_history"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_declaration_history")),
    )
    op.create_index(
        op.f("ix_declaration_history_declaration_id"), "declaration_history", ["declaration_id"]
    )

    op.create_table(
        "corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("record", sa.String(length=48), nullable=False),
        sa.Column("office", sa.String(length=8), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("evidence", sa.String(length=120), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("proposed_by", sa.Integer(), nullable=False),
        sa.Column("proposed_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["office"], ["offices.code"], name=op.f("fk_corrections_office_offices")
        ),
        _staff_fk("proposed_by", "corrections"),
        _staff_fk("decided_by", "corrections"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_corrections")),
        sa.UniqueConstraint("number", name=op.f("uq_corrections_number")),
    )
    op.create_index(op.f("ix_corrections_record"), "corrections", ["record"])
    op.create_index("ix_corrections_office_state", "corrections", ["office", "state"])

    op.create_table(
        "record_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record", sa.String(length=48), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("by", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("declaration_id", sa.Integer(), nullable=True),
        sa.Column("correction_id", sa.Integer(), nullable=True),
        _staff_fk("by", "record_versions"),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declarations.id"],
            name=op.f("fk_record_versions_declaration_id_declarations"),
        ),
        sa.ForeignKeyConstraint(
            ["correction_id"],
            ["corrections.id"],
            name=op.f("fk_record_versions_correction_id_corrections"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_versions")),
        sa.UniqueConstraint("record", "version", name="uq_record_versions_record_version"),
    )

    op.create_table(
        "counters",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_counters")),
    )

    # plain ADD COLUMNs (no table rebuild: other tables' foreign keys point at these)
    op.add_column("persons", sa.Column("birth_time", sa.Time(), nullable=True))
    op.add_column("persons", sa.Column("phone", sa.String(length=16), nullable=True))
    op.add_column("persons", sa.Column("registered_by", sa.Integer(), nullable=True))
    op.add_column("deaths", sa.Column("cause_category", sa.String(length=32), nullable=True))
    for table in ("marriages", "divorces"):
        op.add_column(table, sa.Column("contract_number", sa.String(length=32), nullable=True))
    op.add_column("credentials", sa.Column("set_at", sa.DateTime(), nullable=True))
    op.add_column("credentials", sa.Column("set_by", sa.Integer(), nullable=True))
    # documents is rebuilt on SQLite (kiosk_id becomes nullable); nothing points at it
    with op.batch_alter_table("documents") as b:
        b.alter_column("kiosk_id", existing_type=sa.String(length=64), nullable=True)
        b.add_column(sa.Column("office", sa.String(length=8), nullable=True))
        b.add_column(sa.Column("staff_id", sa.Integer(), nullable=True))
        b.add_column(sa.Column("superseded_at", sa.DateTime(), nullable=True))
        b.add_column(sa.Column("superseded_reason", sa.String(length=200), nullable=True))
        b.create_unique_constraint(
            "uq_documents_counter_idempotency", ["office", "idempotency_key"]
        )
        b.create_index("ix_documents_subject_person_id", ["subject_person_id"])


def downgrade() -> None:
    with op.batch_alter_table("documents") as b:
        b.drop_index("ix_documents_subject_person_id")
        b.drop_constraint("uq_documents_counter_idempotency", type_="unique")
        for c in ("superseded_reason", "superseded_at", "staff_id", "office"):
            b.drop_column(c)
        b.alter_column("kiosk_id", existing_type=sa.String(length=64), nullable=False)
    # plain DROP COLUMNs (SQLite 3.35 and later): no rebuild of referenced tables
    for table, column in (
        ("credentials", "set_by"),
        ("credentials", "set_at"),
        ("divorces", "contract_number"),
        ("marriages", "contract_number"),
        ("deaths", "cause_category"),
        ("persons", "registered_by"),
        ("persons", "phone"),
        ("persons", "birth_time"),
    ):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    for table in (
        "counters",
        "record_versions",
        "corrections",
        "declaration_history",
        "declaration_revisions",
        "declarations",
        "offices",
    ):
        op.drop_table(table)
