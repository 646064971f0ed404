"""Referral pages (issue 16): /refer without sign-in, the staff form, /outreach, a referral."""

from __future__ import annotations

import sqlalchemy as sa

from app.models import AuditLog
from app.models import Referral
from app.models import ReferralStatus
from tests.conftest import sign_in
from tests.factories import make_resident

FORM = {
    "source": "family",
    "referrer_name": "Amira Mensah",
    "referrer_contact": "07700 900777",
    "referrer_confirms_agreed": "1",
    "first_name": "Samuel",
    "last_name": "Mensah",
    "phone": "07700 900123",
    "address": "4 Ripple Road",
    "postcode": "IG11 7NB",
    "reason": "Since Mum died he hardly leaves the flat.",
    "has_bereavement": "1",
    "event_bereavement": "2026-10",
    "lives_alone": "1",
    "contact_ways": ["phone"],
    "consent": "1",
    "form_key": "abc",
}


def stored(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Referral))


def test_the_public_page_needs_no_sign_in_and_says_it_is_not_an_emergency(client):
    """Plain page with 999 and Samaritans 116 123, a consent statement and a honeypot."""
    page = client.get("/refer").get_data(as_text=True)
    assert "not an emergency service" in page and "999" in page and "116 123" in page
    assert 'name="website"' in page and "agrees to be contacted" in page
    assert "<script>" not in page


def test_a_referral_shows_its_reference_and_a_second_send_stores_nothing_more(client, db):
    """The same form sent twice: one referral, the same reference shown."""
    first = client.post("/refer", data=FORM)
    assert first.status_code == 200
    ref = db.session.scalar(sa.select(Referral.reference))
    assert ref in first.get_data(as_text=True)
    again = client.post("/refer", data=FORM)
    assert ref in again.get_data(as_text=True)
    assert stored(db) == 1


def test_bad_input_is_answered_naming_the_field(client, db):
    """Bad postcode, no consent, a future life event: 400 with the field named, nothing stored."""
    for change, words in (
        ({"postcode": "ZZ"}, "is not a UK postcode"),
        ({"consent": ""}, "agrees to be contacted"),
        ({"event_bereavement": "2099-01"}, "dated in the future"),
        ({"phone": "12"}, "phone"),
    ):
        response = client.post("/refer", data={**FORM, **change})
        assert response.status_code == 400
        assert words in response.get_data(as_text=True)
    assert stored(db) == 0


def test_a_filled_honeypot_stores_nothing(client, db):
    """A robot fills the hidden box: a plain 400, no referral."""
    response = client.post("/refer", data={**FORM, "website": "http://spam"})
    assert response.status_code == 400
    assert stored(db) == 0


def test_a_one_megabyte_body_is_refused_plainly(client, db):
    """1 MB in the reason: a clear answer, never a 500, nothing stored."""
    response = client.post("/refer", data={**FORM, "reason": "x" * 1_000_000})
    assert response.status_code in (400, 413)
    assert stored(db) == 0


def test_the_one_rate_limiter_counts_public_referrals_per_address(client, db):
    """Ten an hour from one address; the eleventh is 429 in plain words."""
    for n in range(10):
        assert client.post("/refer", data={**FORM, "form_key": f"k{n}"}).status_code == 200
    response = client.post("/refer", data={**FORM, "form_key": "k99"})
    assert response.status_code == 429
    assert "Too many referrals" in response.get_data(as_text=True)


def test_staff_form_outreach_and_referral_page(client, db):
    """A coordinator saves a referral, sees it in the queue, confirms the match and screens."""
    father = make_resident(first_name="Samuel", last_name="Mensah", phone="+447700900123")
    sign_in(client, "coordinator")
    response = client.post("/referrals/new", data=FORM)
    assert response.status_code == 302
    referral = db.session.scalar(sa.select(Referral))
    queue = client.get("/outreach").get_data(as_text=True)
    assert "Samuel Mensah" in queue and referral.reference in queue
    page = client.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert "the same phone number" in page and "Since Mum died" in page
    client.post(
        f"/referrals/{referral.id}/match", data={"decision": "confirm", "resident_id": father.id}
    )
    bad = client.post(
        f"/referrals/{referral.id}/screen",
        data={"companionship": "3", "left_out": "7", "isolated": "2", "ons": "5"},
    )
    assert bad.status_code == 400 and "How often do you feel left out?" in bad.get_data(
        as_text=True
    )
    client.post(
        f"/referrals/{referral.id}/screen",
        data={"companionship": "3", "left_out": "2", "isolated": "2", "ons": "5"},
    )
    client.post(f"/referrals/{referral.id}/contact", data={"outcome": "reached"})
    db.session.expire_all()
    referral = db.session.get(Referral, referral.id)
    assert referral.resident_id == father.id
    assert referral.status == ReferralStatus.CONTACTED
    assert "UCLA 7" in referral.tier_words
    views = db.session.scalars(
        sa.select(AuditLog).where(AuditLog.action == "view", AuditLog.entity_type == "Referral")
    ).all()
    assert views


def test_a_viewer_sees_the_tier_but_not_the_reason_or_screen(client, db):
    """Special-category data is for coordinators and admins."""
    from app.models import ReferralChannel
    from app.services.referrals import ReferralInput
    from app.services.referrals import submit_referral

    data = {k: v for k, v in FORM.items() if not k.startswith(("has_", "event_", "form_"))}
    data["contact_ways"] = ["phone"]
    data["referrer_confirms_agreed"] = True
    data["lives_alone"] = True
    data["consent"] = True
    referral = submit_referral(
        ReferralInput(**data, life_events={"bereavement": "2026-10"}),
        channel=ReferralChannel.STAFF,
    ).referral
    sign_in(client, "viewer")
    page = client.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert referral.tier.value.capitalize() in page
    assert "Since Mum died" not in page and "Bereavement" not in page
    assert "bereaved" not in page and "lives alone" not in page
    queue = client.get("/outreach").get_data(as_text=True)
    assert "Samuel Mensah" in queue and "bereaved" not in queue
    assert (
        client.post(f"/referrals/{referral.id}/contact", data={"outcome": "reached"}).status_code
        == 403
    )
