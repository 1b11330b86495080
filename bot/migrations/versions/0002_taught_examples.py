"""examples the department taught the classifier

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 18:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('taught_example',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=2000), nullable=False),
    sa.Column('intent', sa.String(length=40), nullable=False),
    sa.Column('taught_by', sa.String(length=200), nullable=False),
    sa.Column('taught_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_taught_example')),
    sa.UniqueConstraint('text', 'intent', name='uq_taught_example_text_intent')
    )


def downgrade() -> None:
    op.drop_table('taught_example')
