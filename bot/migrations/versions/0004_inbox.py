"""durable inbox of acknowledged platform events

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 22:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('inbox_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_key', sa.String(length=300), nullable=False),
    sa.Column('platform', sa.String(length=20), nullable=False),
    sa.Column('message', sa.JSON(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbox_event')),
    sa.UniqueConstraint('event_key', name=op.f('uq_inbox_event_event_key'))
    )
    op.create_index('ix_inbox_event_due', 'inbox_event', ['done_at', 'next_attempt_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_inbox_event_due', table_name='inbox_event')
    op.drop_table('inbox_event')
