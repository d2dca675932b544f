"""security: session generation, TOTP second factor, recovery codes, BIO audit fields and hash chain

Revision ID: 0007
Revises: 0005
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('totp_confirmed_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table('recovery_codes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_recovery_codes_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_codes'))
    )
    op.create_index(op.f('ix_recovery_codes_user_id'), 'recovery_codes', ['user_id'], unique=False)
    op.create_table('audit_chain',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('last_hash', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain'))
    )
    # Plain ADD COLUMN (not batch): on SQLite a batch copy would drop the append-only triggers.
    op.add_column('audit_entries', sa.Column('object', sa.String(length=120), server_default='', nullable=False))
    op.add_column('audit_entries', sa.Column('result', sa.String(length=16), server_default='ok', nullable=False))
    op.add_column('audit_entries', sa.Column('origin', sa.String(length=64), server_default='', nullable=False))
    op.add_column('audit_entries', sa.Column('seq', sa.Integer(), nullable=True))
    op.add_column('audit_entries', sa.Column('prev_hash', sa.String(length=64), server_default='', nullable=False))
    op.add_column('audit_entries', sa.Column('hash', sa.String(length=64), server_default='', nullable=False))
    op.create_index(op.f('uq_audit_entries_seq'), 'audit_entries', ['seq'], unique=True)
    _seal_existing_entries()


def _seal_existing_entries() -> None:
    """Chain the entries written before this migration, in id order (the triggers are lifted for this only)."""
    from types import SimpleNamespace

    from app.services.audit import entry_hash

    bind = op.get_bind()
    postgres = bind.dialect.name == 'postgresql'
    if postgres:
        op.execute("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_no_change")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_entries_no_update")
    entries = sa.table(
        'audit_entries', sa.column('id', sa.Integer), sa.column('at', sa.DateTime(timezone=True)),
        sa.column('user_id', sa.Integer), sa.column('user_email', sa.String), sa.column('action', sa.String),
        sa.column('scan_id', sa.Integer), sa.column('detail', sa.JSON), sa.column('object', sa.String),
        sa.column('result', sa.String), sa.column('origin', sa.String), sa.column('seq', sa.Integer),
        sa.column('prev_hash', sa.String), sa.column('hash', sa.String),
    )
    previous, seq = GENESIS, 0
    for row in bind.execute(sa.select(entries).order_by(entries.c.id)).mappings().all():
        seq += 1
        entry = SimpleNamespace(**{**row, 'seq': seq, 'prev_hash': previous, 'object': row['object'] or ''})
        digest = entry_hash(entry)
        bind.execute(entries.update().where(entries.c.id == row['id']).values(seq=seq, prev_hash=previous, hash=digest))
        previous = digest
    if postgres:
        op.execute("ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_no_change")
    else:
        op.execute(
            "CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries "
            "BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END"
        )
    bind.execute(sa.text("INSERT INTO audit_chain (id, seq, last_hash) VALUES (1, :seq, :h)"), {"seq": seq, "h": previous})


def downgrade() -> None:
    op.drop_index(op.f('uq_audit_entries_seq'), table_name='audit_entries')
    for column in ('hash', 'prev_hash', 'seq', 'origin', 'result', 'object'):
        op.drop_column('audit_entries', column)
    op.drop_table('audit_chain')
    op.drop_index(op.f('ix_recovery_codes_user_id'), table_name='recovery_codes')
    op.drop_table('recovery_codes')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('totp_confirmed_at')
        batch_op.drop_column('session_version')
        batch_op.drop_column('totp_secret')
