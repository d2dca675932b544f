"""durable jobs: job columns on portfolios, the pending upload, and ids that are never reused on SQLite

Revision ID: 0008
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

#: Tables whose ids a job, a URL or an audit entry refers to: on SQLite they get AUTOINCREMENT, so an
#: id is never handed out twice (PostgreSQL sequences never reuse ids). Security review C1.
NEVER_REUSED = ("portfolios", "portfolio_rows", "scans")


def upgrade() -> None:
    with op.batch_alter_table('portfolios') as batch:
        batch.add_column(sa.Column('job_id', sa.String(length=36), nullable=True))
        batch.add_column(sa.Column('job_attempts', sa.Integer(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('job_started_at', sa.DateTime(timezone=True), nullable=True))
        batch.create_index('ix_portfolios_job_id', ['job_id'])
    op.create_table(
        'portfolio_uploads',
        sa.Column('portfolio_id', sa.Integer(), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ['portfolio_id'], ['portfolios.id'],
            name=op.f('fk_portfolio_uploads_portfolio_id_portfolios'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('portfolio_id', name=op.f('pk_portfolio_uploads')),
    )
    if op.get_bind().dialect.name == 'sqlite':
        for table in NEVER_REUSED:
            # Recreate the table as "INTEGER PRIMARY KEY AUTOINCREMENT"; rows and ids are copied as they are.
            with op.batch_alter_table(table, recreate='always', table_kwargs={'sqlite_autoincrement': True}):
                pass


def downgrade() -> None:
    op.drop_table('portfolio_uploads')
    with op.batch_alter_table('portfolios') as batch:
        batch.drop_index('ix_portfolios_job_id')
        batch.drop_column('job_started_at')
        batch.drop_column('job_attempts')
        batch.drop_column('job_id')
