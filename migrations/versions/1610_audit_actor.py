"""audit rows say who acted: staff, a person by text, a partner or the system (issue 14)

Revision ID: 1610_audit_actor
Revises: 1350_sessions_and_training
Create Date: 2026-12-02 16:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1610_audit_actor'
down_revision = '1350_sessions_and_training'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('actor', sa.String(length=30), server_default='staff', nullable=False)
        )
        batch_op.create_index('ix_audit_log_at', ['at'], unique=False)
    # Rows written before this revision with no staff member were the system's (or a text's;
    # which one was not recorded), so they keep that meaning as "system".
    op.execute("UPDATE audit_log SET actor = 'system' WHERE staff_user_id IS NULL")


def downgrade():
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_at')
        batch_op.drop_column('actor')
