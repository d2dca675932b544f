"""statutory weighing and zienswijze records (advice model 2)

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "weighings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("a_seriousness", sa.Text(), nullable=False),
        sa.Column("a_relation", sa.Text(), nullable=False),
        sa.Column("a_benefits", sa.Text(), nullable=False),
        sa.Column("b_coherence", sa.Text(), nullable=False),
        sa.Column("b_number", sa.Text(), nullable=False),
        sa.Column("proportionality", sa.Text(), nullable=False),
        sa.Column("time_elapsed", sa.Text(), nullable=False),
        sa.Column("advice", sa.Text(), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["by_id"], ["users.id"], name=op.f("fk_weighings_by_id_users")),
        sa.ForeignKeyConstraint(
            ["result_id"], ["scan_results.id"], name=op.f("fk_weighings_result_id_scan_results"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_weighings")),
    )
    with op.batch_alter_table("weighings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_weighings_result_id"), ["result_id"], unique=True)
    op.create_table(
        "zienswijzen",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("contested", sa.JSON(), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["by_id"], ["users.id"], name=op.f("fk_zienswijzen_by_id_users")),
        sa.ForeignKeyConstraint(
            ["result_id"], ["scan_results.id"], name=op.f("fk_zienswijzen_result_id_scan_results"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_zienswijzen")),
    )
    with op.batch_alter_table("zienswijzen", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_zienswijzen_result_id"), ["result_id"], unique=False)


def downgrade() -> None:
    op.drop_table("zienswijzen")
    op.drop_table("weighings")
