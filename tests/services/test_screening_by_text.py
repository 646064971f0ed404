"""The loneliness screen by text (issue 16): numbered replies, one question at a time."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app.errors import InvalidInput
from app.models import Message
from app.models import ReferralChannel
from app.models import Screening
from app.services import screening_by_text
from app.services.conversations import handle_inbound
from app.services.referrals import confirm_match
from app.services.referrals import submit_referral
from tests.factories import make_resident
from tests.services.test_referrals import daughter_refers

NOW = dt.datetime(2026, 12, 2, 11, 0, tzinfo=dt.UTC)


def reply(phone: str, body: str, minutes: int) -> str:
    return (
        handle_inbound(
            phone, body, f"SMscreen{minutes:04d}", now=NOW + dt.timedelta(minutes=minutes)
        ).reply
        or ""
    )


def test_he_answers_four_numbered_questions_and_his_tier_follows(db):
    """Out-of-range replies get the question again; nothing stored until the fourth answer."""
    father = make_resident(first_name="Samuel", last_name="Mensah", phone="+447700900123")
    referral = submit_referral(daughter_refers(), channel=ReferralChannel.STAFF, now=NOW).referral
    confirm_match(referral.id, father.id, actor_id=None)
    first = screening_by_text.start(referral.id, actor_id=None, now=NOW)
    assert "Question 1 of 4: How often do you feel that you lack companionship?" in first.body
    assert "Reply 1 hardly ever or never, 2 some of the time, 3 often" in first.body
    again = reply(father.phone, "7", 1)
    assert again.startswith("Please reply with a number from 1 to 3.")
    assert "lack companionship" in again
    assert "Question 2 of 4" in reply(father.phone, "3", 2)
    assert "Question 3 of 4" in reply(father.phone, "2", 3)
    fourth = reply(father.phone, "3", 4)
    assert "Question 4 of 4: How often do you feel lonely?" in fourth
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Screening)) == 0
    assert reply(father.phone, "9", 5).startswith("Please reply with a number from 1 to 5.")
    assert reply(father.phone, "1", 6).startswith("Thank you for answering")
    rows = {s.instrument: s for s in db.session.scalars(sa.select(Screening))}
    assert rows["ucla3"].score == 8 and rows["ucla3"].method == "text"
    assert rows["ons_direct"].score == 5  # reply 1 = often or always
    assert "UCLA 8" in referral.tier_words


def test_no_text_screen_for_someone_who_has_not_agreed_to_texts(db):
    """why_not_text decides; the answer says why and nothing is sent."""
    father = make_resident(
        first_name="Samuel", last_name="Mensah", phone="+447700900123", sms_consent=False
    )
    referral = submit_referral(daughter_refers(), channel=ReferralChannel.STAFF, now=NOW).referral
    confirm_match(referral.id, father.id, actor_id=None)
    with pytest.raises(InvalidInput) as caught:
        screening_by_text.start(referral.id, actor_id=None, now=NOW)
    assert "cannot be screened by text" in caught.value.message
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Message)) == 0
