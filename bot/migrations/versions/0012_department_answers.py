"""the department's own answers in the database

- `department_answer`: an answer (title, source, the questions it answers, its text), seeded from
  knowledge/answers.yaml and edited on the desk; a deleted one stays as a tombstone.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 15:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'department_answer',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=100), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('source', sa.String(length=200), nullable=False),
        sa.Column('questions', sa.JSON(), nullable=False),
        sa.Column('answer', sa.Text(), nullable=False),
        sa.Column('deleted', sa.Boolean(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by', sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_department_answer')),
        sa.UniqueConstraint('key', name=op.f('uq_department_answer_key')),
    )


def downgrade() -> None:
    op.drop_table('department_answer')
