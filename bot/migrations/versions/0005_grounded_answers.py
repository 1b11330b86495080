"""grounded answers from the department's knowledge, with feedback

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 01:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('grounded_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('asked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('platform', sa.String(length=20), nullable=False),
    sa.Column('user', sa.String(length=200), nullable=False),
    sa.Column('mode', sa.String(length=20), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('sources', sa.JSON(), nullable=False),
    sa.Column('scrubbed', sa.JSON(), nullable=False),
    sa.Column('latency_ms', sa.Float(), nullable=False),
    sa.Column('prompt_tokens', sa.Integer(), nullable=False),
    sa.Column('completion_tokens', sa.Integer(), nullable=False),
    sa.Column('helpful', sa.Boolean(), nullable=True),
    sa.Column('feedback_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grounded_answer'))
    )
    op.create_index('ix_grounded_answer_user_time', 'grounded_answer', ['user', 'asked_at'], unique=False)
    op.create_index('ix_grounded_answer_mode_time', 'grounded_answer', ['mode', 'asked_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_grounded_answer_mode_time', table_name='grounded_answer')
    op.drop_index('ix_grounded_answer_user_time', table_name='grounded_answer')
    op.drop_table('grounded_answer')
