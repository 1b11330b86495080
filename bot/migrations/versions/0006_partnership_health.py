"""what is on file for each partnership: agreement, DSA, insurance, background check,
principal approval, measurable outcomes; and from when it needs attention

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 01:30:00
"""
import datetime

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

COLUMNS = (
    ('agreement_signed', sa.Date()),
    ('agreement_expires', sa.Date()),
    ('dsa_needed', sa.Boolean()),
    ('dsa_school_year', sa.String(length=9)),
    ('insurance_expires', sa.Date()),
    ('background_checked', sa.Date()),
    ('principal_approved', sa.Date()),
    ('outcomes', sa.Text()),
    ('attention_from', sa.Date()),
)


def upgrade() -> None:
    with op.batch_alter_table('partnership') as batch:
        for name, kind in COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))
        batch.create_index('ix_partnership_school_attention', ['school_id', 'attention_from'], unique=False)
    # Partnerships already stored have no paperwork recorded: everything is missing, from the start.
    op.execute(sa.text("UPDATE partnership SET attention_from = :start").bindparams(
        sa.bindparam('start', datetime.date.min, type_=sa.Date())))


def downgrade() -> None:
    with op.batch_alter_table('partnership') as batch:
        batch.drop_index('ix_partnership_school_attention')
        for name, _kind in reversed(COLUMNS):
            batch.drop_column(name)
