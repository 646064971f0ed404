"""erasure tombstones, and an age band kept when a birth date is erased (issue 14)

Revision ID: 1626_erasures
Revises: 1625_referrals_outreach
Create Date: 2026-12-02 16:26:00

"""
from alembic import op
import sqlalchemy as sa


revision = "1626_erasures"
down_revision = "1625_referrals_outreach"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "erasures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("erased_by_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.CheckConstraint(
            "kind IN ('resident', 'volunteer')", name=op.f("ck_erasures_kind_known")
        ),
        sa.ForeignKeyConstraint(
            ["erased_by_id"],
            ["staff_users.id"],
            name=op.f("fk_erasures_erased_by_id_staff_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasures")),
        sa.UniqueConstraint("kind", "person_id", name="uq_erasures_kind_person"),
    )
    with op.batch_alter_table("residents") as batch_op:
        batch_op.add_column(sa.Column("age_band", sa.String(length=10), nullable=True))
    with op.batch_alter_table("volunteers") as batch_op:
        batch_op.add_column(sa.Column("age_band", sa.String(length=10), nullable=True))


def downgrade():
    with op.batch_alter_table("volunteers") as batch_op:
        batch_op.drop_column("age_band")
    with op.batch_alter_table("residents") as batch_op:
        batch_op.drop_column("age_band")
    op.drop_table("erasures")
