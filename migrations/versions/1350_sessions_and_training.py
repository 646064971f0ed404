"""staff session versions; people marked for simulator training (issue 11)

Revision ID: 1350_sessions_and_training
Revises: 1312_drop_lift_seats
Create Date: 2026-12-02 13:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1350_sessions_and_training'
down_revision = '1312_drop_lift_seats'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('session_version', sa.Integer(), server_default='0', nullable=False)
        )
    for table in ('residents', 'volunteers'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column(
                    'simulator_training', sa.Boolean(), server_default=sa.false(), nullable=False
                )
            )


def downgrade():
    for table in ('volunteers', 'residents'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('simulator_training')
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_column('session_version')
