"""delivery, round two: posts sent again after an unknown outcome; web requests' address

- `outbox.repeats`: a platform that cannot be searched for an earlier post (Teams, a Slack
  response URL) gets a post again when the first attempt's outcome is unknown (a crash or a
  timeout while sending): how many times, as it may show that many extra times; `partnerbot report`
  counts them.
- `ticket.requester_origin`: for web-chat requests, a digest of the client's network address,
  so the hourly limit on consultation requests also holds per address (a script that takes a
  new cookie for each request is still one address).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 07:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox') as batch:
        batch.add_column(sa.Column('repeats', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('ticket') as batch:
        batch.add_column(sa.Column('requester_origin', sa.String(length=64), nullable=True))
    op.create_index('ix_ticket_requester_origin', 'ticket', ['requester_origin', 'created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_ticket_requester_origin', table_name='ticket')
    with op.batch_alter_table('ticket') as batch:
        batch.drop_column('requester_origin')
    with op.batch_alter_table('outbox') as batch:
        batch.drop_column('repeats')
