"""channel roles for every platform; Teams references lose their department/announcement flags

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 09:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('channel_role',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform', sa.String(length=20), nullable=False),
    sa.Column('channel', sa.String(length=300), nullable=False),
    sa.Column('role', sa.String(length=40), nullable=False),
    sa.Column('assigned_by', sa.String(length=200), nullable=False),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_channel_role')),
    sa.UniqueConstraint('platform', 'channel', 'role', name='uq_channel_role_platform_channel_role')
    )
    # Keep the Teams channels staff had already chosen.
    refs = sa.table('conversation_reference', sa.column('conversation_id', sa.String), sa.column('kind', sa.String),
                    sa.column('is_announcement_target', sa.Boolean), sa.column('active', sa.Boolean))
    roles = sa.table('channel_role', sa.column('platform', sa.String), sa.column('channel', sa.String),
                     sa.column('role', sa.String), sa.column('assigned_by', sa.String),
                     sa.column('assigned_at', sa.DateTime(timezone=True)))
    bind = op.get_bind()
    now = sa.func.now()
    for conversation_id, kind, announcements in bind.execute(
            sa.select(refs.c.conversation_id, refs.c.kind, refs.c.is_announcement_target).where(refs.c.active.is_(True))):
        channel = conversation_id.split(';')[0]
        if kind == 'department':
            bind.execute(roles.insert().values(platform='teams', channel=channel, role='department',
                                               assigned_by='migration', assigned_at=now))
        if announcements:
            bind.execute(roles.insert().values(platform='teams', channel=channel, role='announcements',
                                               assigned_by='migration', assigned_at=now))
    bind.execute(refs.update().where(refs.c.kind == 'department').values(kind='channel'))
    with op.batch_alter_table('conversation_reference', schema=None) as batch_op:
        batch_op.drop_column('is_announcement_target')


def downgrade() -> None:
    with op.batch_alter_table('conversation_reference', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_announcement_target', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.drop_table('channel_role')
