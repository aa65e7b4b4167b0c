"""The office's name search: persons.name_key and the person_name_blocks index table, filled
for the persons already there.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 06:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

BATCH = 5000


def upgrade() -> None:
    from registry.records import name_index_rows

    op.add_column("persons", sa.Column("name_key", sa.String(length=200), nullable=True))
    op.create_table(
        "person_name_blocks",
        sa.Column("block", sa.String(length=200), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_person_name_blocks_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("block", "person_id", name=op.f("pk_person_name_blocks")),
    )
    op.create_index(
        op.f("ix_person_name_blocks_person_id"), "person_name_blocks", ["person_id"], unique=False
    )
    conn = op.get_bind()
    persons = sa.table(
        "persons",
        sa.column("id", sa.Integer),
        sa.column("given_ar", sa.String),
        sa.column("father_given_ar", sa.String),
        sa.column("grandfather_given_ar", sa.String),
        sa.column("family_ar", sa.String),
        sa.column("name_key", sa.String),
    )
    blocks = sa.table(
        "person_name_blocks", sa.column("block", sa.String), sa.column("person_id", sa.Integer)
    )
    last = 0
    while True:
        rows = conn.execute(
            sa.select(
                persons.c.id,
                persons.c.given_ar,
                persons.c.father_given_ar,
                persons.c.grandfather_given_ar,
                persons.c.family_ar,
            )
            .where(persons.c.id > last)
            .order_by(persons.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        keys, block_rows = name_index_rows(
            {
                "id": r.id,
                "given_ar": r.given_ar,
                "father_given_ar": r.father_given_ar,
                "grandfather_given_ar": r.grandfather_given_ar,
                "family_ar": r.family_ar,
            }
            for r in rows
        )
        conn.execute(
            sa.update(persons)
            .where(persons.c.id == sa.bindparam("pid"))
            .values(name_key=sa.bindparam("key")),
            [{"pid": pid, "key": key} for pid, key in keys.items()],
        )
        if block_rows:
            conn.execute(sa.insert(blocks), block_rows)
        last = rows[-1].id


def downgrade() -> None:
    op.drop_table("person_name_blocks")
    op.drop_column("persons", "name_key")
