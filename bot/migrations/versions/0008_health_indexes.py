"""partnership health at district scale: from when each item needs attention, and indexes

- `attention_<item>` per paperwork item (agreement, dsa, insurance, background_check,
  principal_approval, outcomes), beside `attention_from`: a question about one school
  counts and lists what needs attention in SQL instead of assessing every partnership.
  They are filled right after the upgrade from what is on file, by the rule that fills them
  on import (bot.seed.prepare -> importer.fill_attention): a migration does not import it.
- the (school_id, attention_from) index widened with the year, the status and the item
  dates, so that count is read from the index alone;
- an index on is_sample ("is this sample data?" without reading every partnership) and on
  (school_id, school_year, status) (a school's current partnerships counted from the index).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 03:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

ITEMS = ('agreement', 'dsa', 'insurance', 'background_check', 'principal_approval', 'outcomes')
WIDE = ['school_id', 'attention_from', 'school_year', 'status', *(f'attention_{item}' for item in ITEMS)]


def upgrade() -> None:
    with op.batch_alter_table('partnership') as batch:
        for item in ITEMS:
            batch.add_column(sa.Column(f'attention_{item}', sa.Date(), nullable=True))
    op.create_index('ix_partnership_is_sample', 'partnership', ['is_sample'], unique=False)
    op.create_index('ix_partnership_school_current', 'partnership', ['school_id', 'school_year', 'status'], unique=False)
    op.drop_index('ix_partnership_school_attention', table_name='partnership')
    op.create_index('ix_partnership_school_attention', 'partnership', WIDE, unique=False)


def downgrade() -> None:
    op.drop_index('ix_partnership_school_attention', table_name='partnership')
    op.create_index('ix_partnership_school_attention', 'partnership', ['school_id', 'attention_from'], unique=False)
    op.drop_index('ix_partnership_school_current', table_name='partnership')
    op.drop_index('ix_partnership_is_sample', table_name='partnership')
    with op.batch_alter_table('partnership') as batch:
        for item in reversed(ITEMS):
            batch.drop_column(f'attention_{item}')
