"""drop lift_requests.seats: seats are derived from escort and mobility (issue 10)

The column was written (as 2 with an escort, else 1) and never read; the solver derived seats
again, differently (a wheelchair user takes a wheelchair space, not a seat). One rule now lives
in app/services/lifts.py:seats_needed, computed from the stored escort and mobility.

Revision ID: 1312_drop_lift_seats
Revises: 0001
Create Date: 2026-12-02 13:12:00
"""
from alembic import op
import sqlalchemy as sa


revision = "1312_drop_lift_seats"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("lift_requests") as batch_op:
        batch_op.drop_constraint(op.f("ck_lift_requests_seats_at_least_one"), type_="check")
        batch_op.drop_column("seats")


def downgrade():
    with op.batch_alter_table("lift_requests") as batch_op:
        batch_op.add_column(sa.Column("seats", sa.Integer(), nullable=False, server_default="1"))
    # What the old code wrote: two seats with an escort, else one.
    op.execute("UPDATE lift_requests SET seats = CASE WHEN escort THEN 2 ELSE 1 END")
    with op.batch_alter_table("lift_requests") as batch_op:
        batch_op.alter_column("seats", server_default=None, existing_type=sa.Integer())
        batch_op.create_check_constraint(op.f("ck_lift_requests_seats_at_least_one"), "seats >= 1")
