"""Issue 13: a second "Helen Okoro" with the same name and postcode, phone or email is never
saved silently; the coordinator sees who she may be and says she is a different person."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app.models import Resident
from app.models import Volunteer
from app.services import people
from tests.factories import add_postcode
from tests.factories import make_resident
from tests.factories import make_volunteer


def _helen(**kw) -> people.ResidentInput:
    values = dict(first_name="Helen", last_name="Okoro", postcode="IG11 7NB", address="1 Ripple Rd")
    values.update(kw)
    return people.ResidentInput(**values)


def test_a_second_helen_okoro_at_the_same_postcode_is_held_back(db):
    """Same name and postcode (typed in other case and spacing): refused with a link target."""
    add_postcode()
    first = people.create_resident(_helen(), actor_id=None)
    with pytest.raises(people.PossibleDuplicate) as raised:
        people.create_resident(
            _helen(first_name=" helen ", last_name="OKORO", postcode="ig117nb"), actor_id=None
        )
    db.session.rollback()
    [match] = raised.value.matches
    assert (match.kind, match.id, match.name) == ("resident", first.id, "Helen Okoro")
    assert match.reason == "the same name and postcode"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Resident)) == 1


def test_the_coordinator_confirms_a_different_person_and_she_is_saved(db):
    """Two Helen Okoros really can live in one postcode: saved once it is confirmed."""
    add_postcode()
    people.create_resident(_helen(), actor_id=None)
    people.create_resident(_helen(), actor_id=None, not_a_duplicate=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Resident)) == 2


def test_each_rule_says_why_in_words(db):
    """Phone (any spacing), name + date of birth; several reasons joined in words."""
    born = dt.date(1941, 3, 2)
    known = make_resident(
        first_name="Helen",
        last_name="Okoro",
        phone="+447700900123",
        postcode="RM8 3HT",
        date_of_birth=born,
    )
    by_phone = people.likely_duplicates("resident", name="Someone Else", phone="07700 900 123")
    assert [(m.id, m.reason) for m in by_phone] == [(known.id, "the same phone number")]
    by_birth = people.likely_duplicates(
        "resident", name="helen  okoro", postcode="IG11 7NB", date_of_birth=born
    )
    assert [m.reason for m in by_birth] == ["the same name and date of birth"]
    all_of_it = people.likely_duplicates(
        "resident",
        name="Helen Okoro",
        postcode="RM8 3HT",
        phone="+447700900123",
        date_of_birth=born,
    )
    assert all_of_it[0].reasons == (
        "the same phone number",
        "the same name and postcode",
        "the same name and date of birth",
    )


def test_different_people_are_not_flagged(db):
    """Same name elsewhere, or same postcode with another name: not a duplicate."""
    make_resident(first_name="Helen", last_name="Okoro", postcode="RM8 3HT")
    make_resident(first_name="Grace", last_name="Okoro", postcode="IG11 7NB")
    assert people.likely_duplicates("resident", name="Helen Okoro", postcode="IG11 7NB") == []


def test_a_volunteer_with_the_same_email_is_flagged(db):
    """Volunteers hold an email: the same one (any case) is a likely duplicate."""
    dev = make_volunteer(first_name="Dev", last_name="Patel", email="dev.patel@example.org")
    found = people.likely_duplicates("volunteer", name="D Patel", email=" Dev.Patel@Example.org ")
    assert [(m.kind, m.id, m.reason) for m in found] == [("volunteer", dev.id, "the same email")]
    data = people.VolunteerInput(
        first_name="D",
        last_name="Patel",
        phone="07700 900777",
        email="DEV.PATEL@example.org",
        is_driver=True,
        car_seats=3,
    )
    with pytest.raises(people.PossibleDuplicate):
        people.create_volunteer(data, actor_id=None)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Volunteer)) == 1


def test_an_archived_match_is_flagged_as_archived_and_exclude_id_skips_oneself(db):
    """A returning resident is found even when archived; a record never matches itself."""
    gone = make_resident(first_name="Helen", last_name="Okoro", postcode="IG11 7NB", active=False)
    [match] = people.likely_duplicates("resident", name="Helen Okoro", postcode="IG11 7NB")
    assert match.archived is True
    assert (
        people.likely_duplicates(
            "resident", name="Helen Okoro", postcode="IG11 7NB", exclude_id=gone.id
        )
        == []
    )


def test_unreadable_phone_or_postcode_matches_nothing(db):
    """Malformed input is the form's to answer: the duplicate check neither fails nor matches."""
    make_resident(first_name="Helen", last_name="Okoro")
    assert (
        people.likely_duplicates("resident", name="Helen Okoro", phone="0770\x00", postcode="!!")
        == []
    )
