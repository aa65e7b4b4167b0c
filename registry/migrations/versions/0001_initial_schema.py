"""Initial schema: persons and civil events, credentials, kiosks, keys, documents, audit log.

Revision ID: 0001
Revises: 
Create Date: 2026-11-21 12:07:12.017257
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    
    op.create_table('audit_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_head'))
    )
    op.create_table('audit_log',
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('data', sa.Text(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_audit_log'))
    )
    op.create_table('fees',
    sa.Column('document_type', sa.SmallInteger(), autoincrement=False, nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.PrimaryKeyConstraint('document_type', name=op.f('pk_fees'))
    )
    op.create_table('kiosk_nonces',
    sa.Column('kiosk_id', sa.String(length=64), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('seen_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('kiosk_id', 'nonce', name=op.f('pk_kiosk_nonces'))
    )
    with op.batch_alter_table('kiosk_nonces', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kiosk_nonces_seen_at'), ['seen_at'], unique=False)

    op.create_table('kiosks',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('public_key', sa.LargeBinary(length=32), nullable=False),
    sa.Column('centre_ar', sa.String(length=120), nullable=False),
    sa.Column('centre_latin', sa.String(length=120), nullable=True),
    sa.Column('enrolled_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('revocation_reason', sa.String(length=200), nullable=True),
    sa.Column('fail_window_start', sa.DateTime(), nullable=True),
    sa.Column('fail_window_count', sa.Integer(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=True),
    sa.Column('printer', sa.String(length=16), nullable=True),
    sa.Column('paper', sa.String(length=16), nullable=True),
    sa.Column('cover_open', sa.Boolean(), nullable=True),
    sa.Column('app_version', sa.String(length=40), nullable=True),
    sa.Column('last_error', sa.String(length=200), nullable=True),
    sa.Column('journal_backlog', sa.Integer(), nullable=True),
    sa.Column('failed_jobs', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kiosks'))
    )
    op.create_table('persons',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('national_id', sa.String(length=10), nullable=False),
    sa.Column('card_number', sa.String(length=16), nullable=True),
    sa.Column('sex', sa.SmallInteger(), nullable=False),
    sa.Column('given_ar', sa.String(length=40), nullable=False),
    sa.Column('given_latin', sa.String(length=40), nullable=True),
    sa.Column('father_given_ar', sa.String(length=40), nullable=False),
    sa.Column('father_given_latin', sa.String(length=40), nullable=True),
    sa.Column('grandfather_given_ar', sa.String(length=40), nullable=False),
    sa.Column('grandfather_given_latin', sa.String(length=40), nullable=True),
    sa.Column('family_ar', sa.String(length=40), nullable=False),
    sa.Column('family_latin', sa.String(length=40), nullable=True),
    sa.Column('father_name_ar', sa.String(length=160), nullable=False),
    sa.Column('father_name_latin', sa.String(length=160), nullable=True),
    sa.Column('mother_name_ar', sa.String(length=160), nullable=False),
    sa.Column('mother_name_latin', sa.String(length=160), nullable=True),
    sa.Column('father_id', sa.Integer(), nullable=True),
    sa.Column('mother_id', sa.Integer(), nullable=True),
    sa.Column('date_of_birth', sa.Date(), nullable=False),
    sa.Column('place_of_birth_ar', sa.String(length=80), nullable=False),
    sa.Column('place_of_birth_latin', sa.String(length=80), nullable=True),
    sa.Column('birth_office_ar', sa.String(length=120), nullable=False),
    sa.Column('birth_office_latin', sa.String(length=120), nullable=True),
    sa.Column('birth_record', sa.String(length=32), nullable=False),
    sa.Column('birth_registered_on', sa.Date(), nullable=False),
    sa.Column('employed', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['father_id'], ['persons.id'], name=op.f('fk_persons_father_id_persons')),
    sa.ForeignKeyConstraint(['mother_id'], ['persons.id'], name=op.f('fk_persons_mother_id_persons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_persons')),
    sa.UniqueConstraint('card_number', name=op.f('uq_persons_card_number')),
    sa.UniqueConstraint('national_id', name=op.f('uq_persons_national_id'))
    )
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_persons_father_id'), ['father_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_persons_mother_id'), ['mother_id'], unique=False)

    op.create_table('root_keys',
    sa.Column('kid', sa.String(length=16), nullable=False),
    sa.Column('public_key', sa.LargeBinary(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('kid', name=op.f('pk_root_keys'))
    )
    op.create_table('signers',
    sa.Column('kid', sa.String(length=16), nullable=False),
    sa.Column('public_key', sa.LargeBinary(length=32), nullable=False),
    sa.Column('issuer', sa.String(length=16), nullable=False),
    sa.Column('not_before', sa.DateTime(), nullable=False),
    sa.Column('not_after', sa.DateTime(), nullable=False),
    sa.Column('document_types', sa.String(length=64), nullable=False),
    sa.Column('status', sa.SmallInteger(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('kid', name=op.f('pk_signers'))
    )
    op.create_table('trust_lists',
    sa.Column('sequence', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('next_update', sa.DateTime(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('etag', sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint('sequence', name=op.f('pk_trust_lists'))
    )
    op.create_table('citizen_sessions',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kiosk_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['kiosk_id'], ['kiosks.id'], name=op.f('fk_citizen_sessions_kiosk_id_kiosks')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_citizen_sessions_person_id_persons')),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_citizen_sessions'))
    )
    with op.batch_alter_table('citizen_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_citizen_sessions_expires_at'), ['expires_at'], unique=False)

    op.create_table('credentials',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('pin_hash', sa.String(length=160), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failure_at', sa.DateTime(), nullable=True),
    sa.Column('locked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_credentials_person_id_persons')),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_credentials'))
    )
    op.create_table('deaths',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('place_ar', sa.String(length=80), nullable=False),
    sa.Column('place_latin', sa.String(length=80), nullable=True),
    sa.Column('office_ar', sa.String(length=120), nullable=False),
    sa.Column('office_latin', sa.String(length=120), nullable=True),
    sa.Column('record_number', sa.String(length=32), nullable=False),
    sa.Column('registered_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_deaths_person_id_persons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deaths')),
    sa.UniqueConstraint('person_id', name=op.f('uq_deaths_person_id')),
    sa.UniqueConstraint('record_number', name=op.f('uq_deaths_record_number'))
    )
    op.create_table('marriages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('husband_id', sa.Integer(), nullable=False),
    sa.Column('wife_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('place_ar', sa.String(length=80), nullable=False),
    sa.Column('place_latin', sa.String(length=80), nullable=True),
    sa.Column('office_ar', sa.String(length=120), nullable=False),
    sa.Column('office_latin', sa.String(length=120), nullable=True),
    sa.Column('record_number', sa.String(length=32), nullable=False),
    sa.Column('registered_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['husband_id'], ['persons.id'], name=op.f('fk_marriages_husband_id_persons')),
    sa.ForeignKeyConstraint(['wife_id'], ['persons.id'], name=op.f('fk_marriages_wife_id_persons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_marriages')),
    sa.UniqueConstraint('record_number', name=op.f('uq_marriages_record_number'))
    )
    with op.batch_alter_table('marriages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_marriages_husband_id'), ['husband_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_marriages_wife_id'), ['wife_id'], unique=False)

    op.create_table('divorces',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('marriage_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('place_ar', sa.String(length=80), nullable=False),
    sa.Column('place_latin', sa.String(length=80), nullable=True),
    sa.Column('office_ar', sa.String(length=120), nullable=False),
    sa.Column('office_latin', sa.String(length=120), nullable=True),
    sa.Column('record_number', sa.String(length=32), nullable=False),
    sa.Column('registered_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['marriage_id'], ['marriages.id'], name=op.f('fk_divorces_marriage_id_marriages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_divorces')),
    sa.UniqueConstraint('marriage_id', name=op.f('uq_divorces_marriage_id')),
    sa.UniqueConstraint('record_number', name=op.f('uq_divorces_record_number'))
    )
    op.create_table('documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('serial', sa.String(length=32), nullable=True),
    sa.Column('document_type', sa.SmallInteger(), nullable=False),
    sa.Column('subject_ref', sa.String(length=32), nullable=False),
    sa.Column('subject_person_id', sa.Integer(), nullable=True),
    sa.Column('marriage_id', sa.Integer(), nullable=True),
    sa.Column('requester_id', sa.Integer(), nullable=False),
    sa.Column('kiosk_id', sa.String(length=64), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=False),
    sa.Column('request_fingerprint', sa.String(length=64), nullable=False),
    sa.Column('fee_amount', sa.Integer(), nullable=False),
    sa.Column('fee_currency', sa.String(length=3), nullable=False),
    sa.Column('payment_reference', sa.String(length=64), nullable=False),
    sa.Column('signer_kid', sa.String(length=16), nullable=True),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('qr_text', sa.Text(), nullable=True),
    sa.Column('status', sa.SmallInteger(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('revocation_reason', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['kiosk_id'], ['kiosks.id'], name=op.f('fk_documents_kiosk_id_kiosks')),
    sa.ForeignKeyConstraint(['marriage_id'], ['marriages.id'], name=op.f('fk_documents_marriage_id_marriages')),
    sa.ForeignKeyConstraint(['requester_id'], ['persons.id'], name=op.f('fk_documents_requester_id_persons')),
    sa.ForeignKeyConstraint(['subject_person_id'], ['persons.id'], name=op.f('fk_documents_subject_person_id_persons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_documents')),
    sa.UniqueConstraint('kiosk_id', 'idempotency_key', name='uq_documents_idempotency'),
    sa.UniqueConstraint('payment_reference', name=op.f('uq_documents_payment_reference')),
    sa.UniqueConstraint('serial', name=op.f('uq_documents_serial'))
    )
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index('ix_documents_marriage', ['marriage_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_requester_id'), ['requester_id'], unique=False)

    


    fees = sa.table(
        "fees",
        sa.column("document_type", sa.SmallInteger),
        sa.column("amount", sa.Integer),
        sa.column("currency", sa.String),
    )
    # JOD in fils: birth, death, marriage, divorce, individual and family extract, non-employment
    amounts = {1: 1000, 2: 1000, 3: 2000, 4: 2000, 5: 1000, 6: 2000, 7: 500}
    op.bulk_insert(
        fees, [{"document_type": t, "amount": a, "currency": "JOD"} for t, a in amounts.items()]
    )
    head = sa.table(
        "audit_head", sa.column("id", sa.Integer), sa.column("seq", sa.Integer),
        sa.column("hash", sa.String),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": "0" * 64}])


def downgrade() -> None:
    
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_documents_requester_id'))
        batch_op.drop_index('ix_documents_marriage')

    op.drop_table('documents')
    op.drop_table('divorces')
    with op.batch_alter_table('marriages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_marriages_wife_id'))
        batch_op.drop_index(batch_op.f('ix_marriages_husband_id'))

    op.drop_table('marriages')
    op.drop_table('deaths')
    op.drop_table('credentials')
    with op.batch_alter_table('citizen_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_citizen_sessions_expires_at'))

    op.drop_table('citizen_sessions')
    op.drop_table('trust_lists')
    op.drop_table('signers')
    op.drop_table('root_keys')
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_persons_mother_id'))
        batch_op.drop_index(batch_op.f('ix_persons_father_id'))

    op.drop_table('persons')
    op.drop_table('kiosks')
    with op.batch_alter_table('kiosk_nonces', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kiosk_nonces_seen_at'))

    op.drop_table('kiosk_nonces')
    op.drop_table('fees')
    op.drop_table('audit_log')
    op.drop_table('audit_head')
    
