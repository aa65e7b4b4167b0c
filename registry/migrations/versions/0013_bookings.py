"""Appointments and the office's queue: services, counters, hours, closures, bookings, the
slot claims that keep a counter from being booked twice, the waiting list, queue tickets;
offices get their time zone and governorate, kiosks the office they stand in.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 08:00:00
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    from registry.bookings.defaults import COUNTERS, HOURS, OFFICE_GOVERNORATE, SERVICES

    with op.batch_alter_table("offices") as batch:
        batch.add_column(
            sa.Column("timezone", sa.String(length=40), nullable=False, server_default="Asia/Amman")
        )
        batch.add_column(sa.Column("governorate", sa.String(length=40), nullable=True))
    with op.batch_alter_table("kiosks") as batch:
        batch.add_column(sa.Column("office", sa.String(length=8), nullable=True))

    services = op.create_table(
        "booking_services",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name_ar", sa.String(length=160), nullable=False),
        sa.Column("name_latin", sa.String(length=160), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("bring_ar", sa.Text(), nullable=False),
        sa.Column("bring_latin", sa.Text(), nullable=False),
        sa.Column("walk_in", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_booking_services")),
    )
    counters = op.create_table(
        "office_counters",
        sa.Column("office", sa.String(length=8), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("services", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["office"], ["offices.code"], name=op.f("fk_office_counters_office_offices")
        ),
        sa.PrimaryKeyConstraint("office", "number", name=op.f("pk_office_counters")),
    )
    hours = op.create_table(
        "office_hours",
        sa.Column("office", sa.String(length=8), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        sa.Column("opens", sa.Time(), nullable=False),
        sa.Column("closes", sa.Time(), nullable=False),
        sa.ForeignKeyConstraint(
            ["office"], ["offices.code"], name=op.f("fk_office_hours_office_offices")
        ),
        sa.PrimaryKeyConstraint("office", "weekday", name=op.f("pk_office_hours")),
    )
    op.create_table(
        "office_closures",
        sa.Column("office", sa.String(length=8), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("closed_by", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["office"], ["offices.code"], name=op.f("fk_office_closures_office_offices")
        ),
        sa.PrimaryKeyConstraint("office", "day", name=op.f("pk_office_closures")),
    )
    op.create_table(
        "bookings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=12), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("office", sa.String(length=8), nullable=False),
        sa.Column("counter", sa.Integer(), nullable=False),
        sa.Column("service", sa.String(length=16), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("hold_expires_at", sa.DateTime(), nullable=True),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("from_waitlist", sa.Boolean(), nullable=False),
        sa.Column("cancelled_reason", sa.String(length=24), nullable=True),
        sa.Column("reminded_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_bookings_person_id_persons")
        ),
        sa.ForeignKeyConstraint(
            ["office"], ["offices.code"], name=op.f("fk_bookings_office_offices")
        ),
        sa.ForeignKeyConstraint(
            ["service"],
            ["booking_services.code"],
            name=op.f("fk_bookings_service_booking_services"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookings")),
        sa.UniqueConstraint("reference", name=op.f("uq_bookings_reference")),
        sa.UniqueConstraint("channel_id", "idempotency_key", name="uq_bookings_idempotency"),
    )
    op.create_index("ix_bookings_person", "bookings", ["person_id", "state"])
    op.create_index("ix_bookings_office_start", "bookings", ["office", "starts_at"])
    op.create_table(
        "slot_claims",
        sa.Column("office", sa.String(length=8), nullable=False),
        sa.Column("counter", sa.Integer(), nullable=False),
        sa.Column("unit", sa.DateTime(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name=op.f("fk_slot_claims_booking_id_bookings")
        ),
        sa.PrimaryKeyConstraint("office", "counter", "unit", name=op.f("pk_slot_claims")),
    )
    op.create_index("ix_slot_claims_office_unit", "slot_claims", ["office", "unit"])
    op.create_index(op.f("ix_slot_claims_booking_id"), "slot_claims", ["booking_id"])
    op.create_table(
        "booking_waitlist",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("office", sa.String(length=8), nullable=False),
        sa.Column("service", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_booking_waitlist_person_id_persons")
        ),
        sa.ForeignKeyConstraint(
            ["office"], ["offices.code"], name=op.f("fk_booking_waitlist_office_offices")
        ),
        sa.ForeignKeyConstraint(
            ["service"],
            ["booking_services.code"],
            name=op.f("fk_booking_waitlist_service_booking_services"),
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_booking_waitlist_booking_id_bookings"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_waitlist")),
    )
    op.create_index(
        "ix_booking_waitlist_day", "booking_waitlist", ["office", "service", "day", "state"]
    )
    op.create_index(op.f("ix_booking_waitlist_person_id"), "booking_waitlist", ["person_id"])
    op.create_table(
        "queue_tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office", sa.String(length=8), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("label", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=True),
        sa.Column("service", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("priority_at", sa.DateTime(), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("called_at", sa.DateTime(), nullable=True),
        sa.Column("counter", sa.Integer(), nullable=True),
        sa.Column("called_by", sa.String(length=64), nullable=True),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.Column("kiosk_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["office"], ["offices.code"], name=op.f("fk_queue_tickets_office_offices")
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name=op.f("fk_queue_tickets_booking_id_bookings")
        ),
        sa.ForeignKeyConstraint(
            ["service"],
            ["booking_services.code"],
            name=op.f("fk_queue_tickets_service_booking_services"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_tickets")),
        sa.UniqueConstraint("office", "day", "label", name="uq_queue_tickets_label"),
        sa.UniqueConstraint("booking_id", name=op.f("uq_queue_tickets_booking_id")),
    )
    op.create_index(
        "ix_queue_tickets_office_day_state", "queue_tickets", ["office", "day", "state"]
    )

    op.bulk_insert(
        services,
        [
            {
                "code": s.code,
                "name_ar": s.name_ar,
                "name_latin": s.name_latin,
                "minutes": s.minutes,
                "bring_ar": s.bring_ar,
                "bring_latin": s.bring_latin,
                "walk_in": s.walk_in,
                "active": True,
            }
            for s in SERVICES
        ],
    )
    bind = op.get_bind()
    codes = [row[0] for row in bind.execute(sa.text("SELECT code FROM offices ORDER BY code"))]
    offices = sa.table("offices", sa.column("code"), sa.column("governorate"))
    for code, governorate in OFFICE_GOVERNORATE.items():
        op.execute(offices.update().where(offices.c.code == code).values(governorate=governorate))
    op.bulk_insert(
        counters,
        [
            {"office": o, "number": n, "services": json.dumps(list(sv)), "active": True}
            for o in codes
            for n, sv in COUNTERS.items()
        ],
    )
    op.bulk_insert(
        hours,
        [
            {"office": o, "weekday": d, "opens": opens, "closes": closes}
            for o in codes
            for d, (opens, closes) in HOURS.items()
        ],
    )


def downgrade() -> None:
    op.drop_index("ix_queue_tickets_office_day_state", table_name="queue_tickets")
    op.drop_table("queue_tickets")
    op.drop_index(op.f("ix_booking_waitlist_person_id"), table_name="booking_waitlist")
    op.drop_index("ix_booking_waitlist_day", table_name="booking_waitlist")
    op.drop_table("booking_waitlist")
    op.drop_index(op.f("ix_slot_claims_booking_id"), table_name="slot_claims")
    op.drop_index("ix_slot_claims_office_unit", table_name="slot_claims")
    op.drop_table("slot_claims")
    op.drop_index("ix_bookings_office_start", table_name="bookings")
    op.drop_index("ix_bookings_person", table_name="bookings")
    op.drop_table("bookings")
    op.drop_table("office_closures")
    op.drop_table("office_hours")
    op.drop_table("office_counters")
    op.drop_table("booking_services")
    with op.batch_alter_table("kiosks") as batch:
        batch.drop_column("office")
    with op.batch_alter_table("offices") as batch:
        batch.drop_column("governorate")
        batch.drop_column("timezone")
