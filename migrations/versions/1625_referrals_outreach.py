"""referrals into one record, the loneliness screen, contact attempts, safeguarding alerts (issue 16)

The referrals and screenings tables had no pages, rules or commands, so nothing could have
written to them: they are rebuilt with the columns issue 16 needs rather than altered.

Revision ID: 1625_referrals_outreach
Revises: 1619_archive_emergency
Create Date: 2026-12-02 16:25:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1625_referrals_outreach'
down_revision = '1619_archive_emergency'
branch_labels = None
depends_on = None

_OLD_ALERT_KINDS = (
    'opted_out', 'call_requested', 'new_contact', 'driver_declined', 'driver_no_reply',
    'lift_cancelled', 'text_failed', 'checkin_help',
)


def _alert_kind(kinds):
    return sa.Enum(
        *kinds, name='alert_kind', native_enum=False, create_constraint=True, length=23
    )


def upgrade():
    with op.batch_alter_table('screenings', schema=None) as batch_op:
        batch_op.drop_index('ix_screenings_resident_taken')
    op.drop_table('screenings')
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_index('ix_referrals_status')
    op.drop_table('referrals')

    op.create_table('referrals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=8), nullable=False),
    sa.Column('submission_key', sa.String(length=64), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=True),
    sa.Column('not_matches', sa.JSON(), nullable=False),
    sa.Column('channel', sa.Enum('staff', 'public', 'partner', name='referral_channel', native_enum=False, create_constraint=True, length=15), nullable=False),
    sa.Column('source', sa.Enum('gp', 'social_prescriber', 'adult_social_care', 'voluntary_partner', 'housing', 'family', 'self', 'other', name='referral_source', native_enum=False, create_constraint=True, length=25), nullable=False),
    sa.Column('referrer_name', sa.String(length=160), nullable=False),
    sa.Column('referrer_org', sa.String(length=160), nullable=False),
    sa.Column('referrer_contact', sa.String(length=160), nullable=False),
    sa.Column('referrer_confirms_agreed', sa.Boolean(), nullable=False),
    sa.Column('first_name', sa.String(length=80), nullable=False),
    sa.Column('last_name', sa.String(length=80), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('address', sa.String(length=255), nullable=False),
    sa.Column('postcode', sa.String(length=10), nullable=True),
    sa.Column('date_of_birth', sa.Date(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('life_events', sa.JSON(), nullable=False),
    sa.Column('lives_alone', sa.Boolean(), nullable=False),
    sa.Column('housebound', sa.Boolean(), nullable=False),
    sa.Column('no_transport', sa.Boolean(), nullable=False),
    sa.Column('no_internet', sa.Boolean(), nullable=False),
    sa.Column('consent', sa.Boolean(), nullable=False),
    sa.Column('contact_ways', sa.JSON(), nullable=False),
    sa.Column('best_times', sa.String(length=160), nullable=False),
    sa.Column('language', sa.String(length=40), nullable=False),
    sa.Column('access_needs', sa.String(length=500), nullable=False),
    sa.Column('at_risk_now', sa.Boolean(), nullable=False),
    sa.Column('self_harm', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('received', 'contacted', 'connected', 'closed', name='referral_status', native_enum=False, create_constraint=True, length=17), nullable=False),
    sa.Column('tier', sa.Enum('urgent', 'high', 'medium', 'low', name='outreach_tier', native_enum=False, create_constraint=True, length=14), nullable=False),
    sa.Column('tier_words', sa.String(length=500), nullable=False),
    sa.Column('connector_id', sa.Integer(), nullable=True),
    sa.Column('first_contact_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_reason', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['connector_id'], ['staff_users.id'], name=op.f('fk_referrals_connector_id_staff_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_referrals_resident_id_residents'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referrals')),
    sa.UniqueConstraint('reference', name=op.f('uq_referrals_reference')),
    sa.UniqueConstraint('submission_key', name=op.f('uq_referrals_submission_key'))
    )
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.create_index('ix_referrals_queue', ['status', 'tier', 'created_at'], unique=False)
        batch_op.create_index('ix_referrals_status', ['status'], unique=False)

    op.create_table('screenings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=True),
    sa.Column('referral_id', sa.Integer(), nullable=True),
    sa.Column('instrument', sa.String(length=20), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('taken_on', sa.Date(), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('taken_by_id', sa.Integer(), nullable=True),
    sa.Column('follow_up', sa.Boolean(), nullable=False),
    sa.CheckConstraint('score BETWEEN 0 AND 30', name=op.f('ck_screenings_score_range')),
    sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], name=op.f('fk_screenings_referral_id_referrals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_screenings_resident_id_residents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['taken_by_id'], ['staff_users.id'], name=op.f('fk_screenings_taken_by_id_staff_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_screenings'))
    )
    with op.batch_alter_table('screenings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_screenings_referral_id'), ['referral_id'], unique=False)
        batch_op.create_index('ix_screenings_resident_taken', ['resident_id', 'taken_on'], unique=False)

    op.create_table('contact_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.Enum('reached', 'no_answer', 'wrong_number', 'declined', 'left_message', 'letter_sent', 'visit_booked', name='contact_outcome', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('staff_user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], name=op.f('fk_contact_attempts_referral_id_referrals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_user_id'], ['staff_users.id'], name=op.f('fk_contact_attempts_staff_user_id_staff_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_attempts'))
    )
    with op.batch_alter_table('contact_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_attempts_referral_id'), ['referral_id'], unique=False)

    # A safeguarding referral raises an alert of its own kind.
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.alter_column(
            'kind',
            existing_type=_alert_kind(_OLD_ALERT_KINDS),
            type_=_alert_kind((*_OLD_ALERT_KINDS, 'safeguarding')),
            existing_nullable=False,
        )


def downgrade():
    op.execute("DELETE FROM alerts WHERE kind = 'safeguarding'")
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.alter_column(
            'kind',
            existing_type=_alert_kind((*_OLD_ALERT_KINDS, 'safeguarding')),
            type_=_alert_kind(_OLD_ALERT_KINDS),
            existing_nullable=False,
        )
    with op.batch_alter_table('contact_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_attempts_referral_id'))
    op.drop_table('contact_attempts')
    with op.batch_alter_table('screenings', schema=None) as batch_op:
        batch_op.drop_index('ix_screenings_resident_taken')
        batch_op.drop_index(batch_op.f('ix_screenings_referral_id'))
    op.drop_table('screenings')
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_index('ix_referrals_status')
        batch_op.drop_index('ix_referrals_queue')
    op.drop_table('referrals')
    op.create_table('referrals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.Enum('gp', 'social_prescriber', 'partner', 'self', 'staff', 'sms', name='referral_source', native_enum=False, create_constraint=True, length=25), nullable=False),
    sa.Column('referrer_name', sa.String(length=160), nullable=False),
    sa.Column('referrer_org', sa.String(length=160), nullable=False),
    sa.Column('referrer_contact', sa.String(length=160), nullable=False),
    sa.Column('person_name', sa.String(length=160), nullable=False),
    sa.Column('person_phone', sa.String(length=20), nullable=True),
    sa.Column('person_postcode', sa.String(length=10), nullable=True),
    sa.Column('life_events', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('consent', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('new', 'contacted', 'accepted', 'declined', 'closed', name='referral_status', native_enum=False, create_constraint=True, length=17), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_referrals_resident_id_residents'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referrals'))
    )
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.create_index('ix_referrals_status', ['status'], unique=False)
    op.create_table('screenings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=True),
    sa.Column('instrument', sa.String(length=20), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('taken_on', sa.Date(), nullable=False),
    sa.Column('follow_up', sa.Boolean(), nullable=False),
    sa.CheckConstraint('score BETWEEN 0 AND 30', name=op.f('ck_screenings_score_range')),
    sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], name=op.f('fk_screenings_referral_id_referrals'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_screenings_resident_id_residents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_screenings'))
    )
    with op.batch_alter_table('screenings', schema=None) as batch_op:
        batch_op.create_index('ix_screenings_resident_taken', ['resident_id', 'taken_on'], unique=False)
