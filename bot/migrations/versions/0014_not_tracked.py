"""paperwork a partnership's import marks as not tracked

- `partnership.not_tracked`: the paperwork items the district does not keep in this database for the
  partnership ("dsa;insurance"), so they are never reported missing.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 17:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('partnership') as batch:
        batch.add_column(sa.Column('not_tracked', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('partnership') as batch:
        batch.drop_column('not_tracked')
