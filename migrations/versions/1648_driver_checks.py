"""volunteer drivers' checks: DBS, update service, licence, insurance, MOT (issue 13)

The DBS level, certificate number, issue and update-service dates, driving licence check date,
insurance and MOT expiry. (The first line stays one line: Alembic prints it when upgrading.)

services/compliance.py:may_drive_on is the one rule that reads them. Existing drivers have none
recorded, so after this upgrade they are not planned until a coordinator records their checks
(the volunteer page and the checks-due list say which are missing).

Revision ID: 1648_driver_checks
Revises: 1634_consent_records
Create Date: 2026-12-02 16:48:00
"""
from alembic import op
import sqlalchemy as sa


revision = "1648_driver_checks"
down_revision = "1634_consent_records"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("volunteers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "dbs_level",
                sa.Enum(
                    "basic", "standard", "enhanced", "enhanced_barred",
                    name="dbs_level", native_enum=False, create_constraint=True, length=23,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("dbs_certificate_number", sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column("dbs_issued_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("dbs_update_checked_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("licence_checked_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("insurance_expires_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("mot_expires_on", sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table("volunteers", schema=None) as batch_op:
        for name in (
            "mot_expires_on", "insurance_expires_on", "licence_checked_on",
            "dbs_update_checked_on", "dbs_issued_on", "dbs_certificate_number",
        ):
            batch_op.drop_column(name)
        batch_op.drop_constraint(op.f("ck_volunteers_dbs_level"), type_="check")
        batch_op.drop_column("dbs_level")
