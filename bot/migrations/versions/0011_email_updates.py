"""e-mail updates for web-chat requesters

- `email_address`: an address a person gave for updates on their requests, with the secret of the links
  in its e-mails, when it was confirmed, and whether the department may see it.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 14:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'email_address',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('platform', sa.String(length=20), nullable=False),
        sa.Column('user_id', sa.String(length=200), nullable=False),
        sa.Column('address', sa.String(length=320), nullable=False),
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('shared', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_email_address')),
        sa.UniqueConstraint('token', name=op.f('uq_email_address_token')),
    )
    with op.batch_alter_table('email_address', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_email_address_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('email_address', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_email_address_user_id'))
    op.drop_table('email_address')
