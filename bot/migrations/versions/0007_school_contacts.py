"""school contacts and paperwork nudges (sent once per item and threshold; snoozes)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 02:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('school_contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=30), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.Column('slack_user', sa.String(length=40), nullable=False),
    sa.Column('teams_user', sa.String(length=200), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_school_contact_school_id_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_school_contact')),
    sa.UniqueConstraint('school_id', 'role', name='uq_school_contact_school_role')
    )
    op.create_index(op.f('ix_school_contact_school_id'), 'school_contact', ['school_id'], unique=False)
    op.create_table('nudge_sent',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_nudge_sent'))
    )
    op.create_index(op.f('ix_nudge_sent_contact_id'), 'nudge_sent', ['contact_id'], unique=False)
    op.create_table('nudge_hold',
    sa.Column('partnership_id', sa.Integer(), nullable=False),
    sa.Column('what', sa.String(length=30), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('until', sa.DateTime(timezone=True), nullable=False),
    sa.Column('by_user', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id'], name=op.f('fk_nudge_hold_partnership_id_partnership'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('partnership_id', 'what', name=op.f('pk_nudge_hold'))
    )


def downgrade() -> None:
    op.drop_table('nudge_hold')
    op.drop_index(op.f('ix_nudge_sent_contact_id'), table_name='nudge_sent')
    op.drop_table('nudge_sent')
    op.drop_index(op.f('ix_school_contact_school_id'), table_name='school_contact')
    op.drop_table('school_contact')
