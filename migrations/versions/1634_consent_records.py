"""consent history per person and purpose, seeded from the older consent columns (issue 14)

Revision ID: 1634_consent_records
Revises: 1631_alert_lifecycle
Create Date: 2026-12-02 16:34:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1634_consent_records'
down_revision = '1631_alert_lifecycle'
branch_labels = None
depends_on = None

MIGRATED = 'recorded before consent history'

# Existing data keeps meaning the same: each older column becomes the first history row of
# the purpose it stood for (the column stays, kept in step by services/consent.py).
SEEDS = (
    ("residents", "resident_id", "texts", "sms_consent", "created_at", MIGRATED, True),
    ("residents", "resident_id", "texts", "opted_out_at IS NOT NULL", "opted_out_at", "text", False),
    ("residents", "resident_id", "sharing_life_events", "share_life_events", "created_at", MIGRATED, True),
    ("residents", "resident_id", "befriending_introductions", "wants_befriender", "created_at", MIGRATED, True),
    ("volunteers", "volunteer_id", "texts", "sms_consent", "created_at", MIGRATED, True),
    ("volunteers", "volunteer_id", "texts", "opted_out_at IS NOT NULL", "opted_out_at", "text", False),
    ("volunteers", "volunteer_id", "befriending_introductions", "is_befriender", "created_at", MIGRATED, True),
)


def upgrade():
    op.create_table(
        'consent_records',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('resident_id', sa.Integer(), nullable=True),
        sa.Column('volunteer_id', sa.Integer(), nullable=True),
        sa.Column('purpose', sa.String(length=40), nullable=False),
        sa.Column('given', sa.Boolean(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('how', sa.String(length=40), nullable=False),
        sa.Column('staff_user_id', sa.Integer(), nullable=True),
        sa.Column('note', sa.String(length=255), nullable=False),
        sa.CheckConstraint(
            '(resident_id IS NULL) <> (volunteer_id IS NULL)',
            name=op.f('ck_consent_records_one_person'),
        ),
        sa.ForeignKeyConstraint(
            ['resident_id'], ['residents.id'],
            name=op.f('fk_consent_records_resident_id_residents'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['staff_user_id'], ['staff_users.id'],
            name=op.f('fk_consent_records_staff_user_id_staff_users'), ondelete='SET NULL',
        ),
        sa.ForeignKeyConstraint(
            ['volunteer_id'], ['volunteers.id'],
            name=op.f('fk_consent_records_volunteer_id_volunteers'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_records')),
    )
    with op.batch_alter_table('consent_records', schema=None) as batch_op:
        batch_op.create_index(
            'ix_consent_records_resident', ['resident_id', 'purpose', 'at'], unique=False
        )
        batch_op.create_index(
            'ix_consent_records_volunteer', ['volunteer_id', 'purpose', 'at'], unique=False
        )
    bind = op.get_bind()
    for table, owner, purpose, where, at, how, given in SEEDS:
        condition = where if ' ' in where else f"{where} = :yes"
        bind.execute(
            sa.text(
                f"INSERT INTO consent_records ({owner}, purpose, given, at, how, note) "
                f"SELECT id, :purpose, :given, {at}, :how, '' FROM {table} WHERE {condition}"
            ),
            {"purpose": purpose, "given": given, "how": how, "yes": True},
        )
    bind.execute(
        sa.text(
            "INSERT INTO consent_records (resident_id, purpose, given, at, how, note) "
            "SELECT resident_id, 'contact_after_referral', :yes, created_at, 'referral', '' "
            "FROM referrals WHERE resident_id IS NOT NULL AND consent = :yes"
        ),
        {"yes": True},
    )


def downgrade():
    with op.batch_alter_table('consent_records', schema=None) as batch_op:
        batch_op.drop_index('ix_consent_records_volunteer')
        batch_op.drop_index('ix_consent_records_resident')
    op.drop_table('consent_records')
