"""alerts have a lifecycle: one open per reason and person, a note when done, a lift (issue 13)

``subject`` names who an alert is about ("resident:12", "volunteer:3", "phone:+44…"); a partial
unique index keeps one open alert per (kind, subject) on SQLite and PostgreSQL. Duplicates
already open (a lone CANCEL sent twice made two) are closed onto the oldest before the index
is built. Two new kinds record calls the call list found by itself.

Revision ID: 1631_alert_lifecycle
Revises: 1626_erasures
Create Date: 2026-12-02 16:31:00
"""
from alembic import op
import sqlalchemy as sa


revision = "1631_alert_lifecycle"
down_revision = "1626_erasures"
branch_labels = None
depends_on = None

OLD_KINDS = (
    "opted_out", "call_requested", "new_contact", "driver_declined", "driver_no_reply",
    "lift_cancelled", "text_failed", "checkin_help", "safeguarding",
)
NEW_KINDS = OLD_KINDS + ("no_texts", "lift_unserved")


def _kind_check(kinds):
    listed = ", ".join(f"'{k}'" for k in kinds)
    return f"kind IN ({listed})"


def upgrade():
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subject", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("lift_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("resolved_note", sa.String(length=500), server_default="", nullable=False)
        )
    op.execute(
        "UPDATE alerts SET subject = CASE "
        "WHEN resident_id IS NOT NULL THEN 'resident:' || resident_id "
        "WHEN volunteer_id IS NOT NULL THEN 'volunteer:' || volunteer_id "
        "ELSE 'phone:' || COALESCE(phone, '') END"
    )
    # Close the later duplicates of an open alert onto the first one.
    op.execute(
        "UPDATE alerts SET resolved_at = created_at, "
        "resolved_note = 'The same as an earlier open alert (merged).' "
        "WHERE resolved_at IS NULL AND EXISTS (SELECT 1 FROM alerts AS first "
        "WHERE first.resolved_at IS NULL AND first.kind = alerts.kind "
        "AND first.subject = alerts.subject AND first.id < alerts.id)"
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.alter_column("subject", existing_type=sa.String(length=40), nullable=False)
        batch_op.create_foreign_key(
            op.f("fk_alerts_lift_id_lift_requests"),
            "lift_requests",
            ["lift_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index(op.f("ix_alerts_lift_id"), ["lift_id"], unique=False)
        batch_op.drop_constraint(op.f("ck_alerts_alert_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_alerts_alert_kind"), _kind_check(NEW_KINDS))
    op.create_index(
        "uq_alerts_open_kind_subject",
        "alerts",
        ["kind", "subject"],
        unique=True,
        sqlite_where=sa.text("resolved_at IS NULL"),
        postgresql_where=sa.text("resolved_at IS NULL"),
    )


def downgrade():
    op.drop_index("uq_alerts_open_kind_subject", table_name="alerts")
    op.execute("DELETE FROM alerts WHERE kind IN ('no_texts', 'lift_unserved')")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_alerts_alert_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_alerts_alert_kind"), _kind_check(OLD_KINDS))
        batch_op.drop_index(op.f("ix_alerts_lift_id"))
        batch_op.drop_constraint(op.f("fk_alerts_lift_id_lift_requests"), type_="foreignkey")
        batch_op.drop_column("resolved_note")
        batch_op.drop_column("lift_id")
        batch_op.drop_column("subject")
