"""lifts know their venue (places by name); mileage claims for drivers' expenses (issue 13)

A lift to a venue kept only the venue's street ("Upney Lane, Barking"), so lists and texts could
not say "Barking Community Hospital". Lifts and standing lifts now point at their venue; existing
rows are matched by their activity, else by the venue's exact coordinates (copied at booking).

Revision ID: 1614_venue_names_and_miles
Revises: 1610_audit_actor
Create Date: 2026-12-02 16:14:00
"""
from alembic import op
import sqlalchemy as sa


revision = "1614_venue_names_and_miles"
down_revision = "1610_audit_actor"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("lift_requests") as batch_op:
        batch_op.add_column(sa.Column("venue_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_lift_requests_venue_id"), ["venue_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_lift_requests_venue_id_venues"),
            "venues",
            ["venue_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("recurring_lifts") as batch_op:
        batch_op.add_column(sa.Column("venue_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_recurring_lifts_venue_id_venues"),
            "venues",
            ["venue_id"],
            ["id"],
            ondelete="SET NULL",
        )
    for table in ("lift_requests", "recurring_lifts"):
        op.execute(
            f"UPDATE {table} SET venue_id = (SELECT activities.venue_id FROM activities "
            f"WHERE activities.id = {table}.activity_id) WHERE activity_id IS NOT NULL"
        )
        op.execute(
            f"UPDATE {table} SET venue_id = (SELECT MIN(venues.id) FROM venues "
            f"WHERE venues.lat = {table}.destination_lat AND venues.lon = {table}.destination_lon) "
            "WHERE venue_id IS NULL"
        )
    # A lift home starts at the venue.
    op.execute(
        "UPDATE lift_requests SET venue_id = (SELECT MIN(venues.id) FROM venues "
        "WHERE venues.lat = lift_requests.pickup_lat AND venues.lon = lift_requests.pickup_lon) "
        "WHERE venue_id IS NULL AND leg = 'return'"
    )
    op.create_table(
        "mileage_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("miles", sa.Float(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "miles >= 0 AND miles <= 1000", name=op.f("ck_mileage_claims_miles_range")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["staff_users.id"],
            name=op.f("fk_mileage_claims_recorded_by_id_staff_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteers.id"],
            name=op.f("fk_mileage_claims_volunteer_id_volunteers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mileage_claims")),
        sa.UniqueConstraint("volunteer_id", "day", name="uq_mileage_claims_volunteer_day"),
    )
    with op.batch_alter_table("mileage_claims") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mileage_claims_volunteer_id"), ["volunteer_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("mileage_claims") as batch_op:
        batch_op.drop_index(batch_op.f("ix_mileage_claims_volunteer_id"))
    op.drop_table("mileage_claims")
    with op.batch_alter_table("recurring_lifts") as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_recurring_lifts_venue_id_venues"), type_="foreignkey"
        )
        batch_op.drop_column("venue_id")
    with op.batch_alter_table("lift_requests") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_lift_requests_venue_id_venues"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_lift_requests_venue_id"))
        batch_op.drop_column("venue_id")
