"""the department's desk: staff people with roles, sign-ins, sessions and the audit log

- `staff_person`: a department member keyed by e-mail (and the identity provider's subject), role
  staff or admin; `staff_member.person_id` links their Slack, Teams and terminal ids to them.
- `desk_login`: sign-ins under way (state, nonce, PKCE verifier), so any process can finish one.
- `desk_session`: signed-in browsers (the digest of the cookie's token, its CSRF token, its expiry).
- `audit_event`: every staff action from the desk, a chat or the terminal.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 10:15:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'staff_person',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=320), nullable=False),
        sa.Column('subject', sa.String(length=255), nullable=True),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('role', sa.String(length=10), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_person')),
        sa.UniqueConstraint('email', name=op.f('uq_staff_person_email')),
        sa.UniqueConstraint('subject', name=op.f('uq_staff_person_subject')),
    )
    op.create_table(
        'desk_login',
        sa.Column('state', sa.String(length=100), nullable=False),
        sa.Column('nonce', sa.String(length=100), nullable=False),
        sa.Column('code_verifier', sa.String(length=200), nullable=False),
        sa.Column('next_path', sa.String(length=300), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('state', name=op.f('pk_desk_login')),
    )
    op.create_table(
        'desk_session',
        sa.Column('token_digest', sa.String(length=64), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('csrf', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['staff_person.id'], name=op.f('fk_desk_session_person_id_staff_person'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('token_digest', name=op.f('pk_desk_session')),
    )
    op.create_index('ix_desk_session_expires', 'desk_session', ['expires_at'], unique=False)
    op.create_index(op.f('ix_desk_session_person_id'), 'desk_session', ['person_id'], unique=False)
    op.create_table(
        'audit_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('actor', sa.String(length=400), nullable=False),
        sa.Column('action', sa.String(length=60), nullable=False),
        sa.Column('target', sa.String(length=200), nullable=False),
        sa.Column('before', sa.JSON(), nullable=True),
        sa.Column('after', sa.JSON(), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event')),
    )
    op.create_index('ix_audit_event_at', 'audit_event', ['at'], unique=False)
    with op.batch_alter_table('staff_member') as batch:
        batch.add_column(sa.Column('person_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f('fk_staff_member_person_id_staff_person'), 'staff_person', ['person_id'], ['id'],
                                 ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('staff_member') as batch:
        batch.drop_constraint(op.f('fk_staff_member_person_id_staff_person'), type_='foreignkey')
        batch.drop_column('person_id')
    op.drop_index('ix_audit_event_at', table_name='audit_event')
    op.drop_table('audit_event')
    op.drop_index(op.f('ix_desk_session_person_id'), table_name='desk_session')
    op.drop_index('ix_desk_session_expires', table_name='desk_session')
    op.drop_table('desk_session')
    op.drop_table('desk_login')
    op.drop_table('staff_person')
