"""the FAQ's topics and entries in the database

- `faq_topic`: an FAQ topic's title, overview and source, seeded from knowledge/faq.yaml.
- `faq_entry`: one FAQ answer (its topic, cues, questions and text), seeded from knowledge/faq.yaml and
  edited on the desk; a deleted one stays as a tombstone.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 17:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'faq_topic',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=60), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('overview', sa.Text(), nullable=False),
        sa.Column('source', sa.String(length=200), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by', sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_faq_topic')),
        sa.UniqueConstraint('name', name=op.f('uq_faq_topic_name')),
    )
    op.create_table(
        'faq_entry',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=120), nullable=False),
        sa.Column('topic', sa.String(length=60), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('cues', sa.JSON(), nullable=False),
        sa.Column('questions', sa.JSON(), nullable=False),
        sa.Column('answer', sa.Text(), nullable=False),
        sa.Column('deleted', sa.Boolean(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by', sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_faq_entry')),
        sa.UniqueConstraint('key', name=op.f('uq_faq_entry_key')),
    )
    op.create_index(op.f('ix_faq_entry_topic'), 'faq_entry', ['topic'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_faq_entry_topic'), table_name='faq_entry')
    op.drop_table('faq_entry')
    op.drop_table('faq_topic')
