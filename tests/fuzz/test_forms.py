"""Fuzzing every form of the web app (issue 15), as a signed-in admin with CSRF on.

For each POST form, the fields are read from the page that shows it (so a new field is fuzzed
without touching this file), and Hypothesis fills them with the page's own values, any unicode
(NUL and control characters too), huge strings, huge and negative numbers, far dates, or leaves
them out; sometimes the CSRF token is wrong. Whatever is sent:

- no exception escapes (the test app propagates them, so a 500 fails here with its traceback);
- the answer is a page, a redirect or a clear 4xx, never a 5xx;
- a form that is refused (anything but a redirect) stores nothing at all: every table is the
  same, row for row, as before.

``test_every_post_form_is_fuzzed`` fails when a POST route is added without a row here.
200 examples per form in each CI run: 130 in its SQLite pass and 70 in its PostgreSQL pass, where
a request costs three times as much (tests/fuzz/conftest.py has the profiles).
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from html.parser import HTMLParser

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from app.extensions import db
from app.models import AlertKind
from app.models import AvailabilityException
from app.models import Pairing
from app.models import PairingStatus
from app.models import PlanStatus
from app.models import RecurringLift
from app.models import ReferralChannel
from app.models import Service
from app.services import clock
from app.services import messaging
from app.services.auth import clear_sign_in_throttle
from app.services.auth import create_user
from app.services.messaging import add_alert
from app.services.referrals import ReferralInput
from app.services.referrals import submit_referral
from tests.conftest import PASSWORD
from tests.conftest import TEST_DATABASE_URL
from tests.conftest import make_test_app
from tests.factories import add_postcode
from tests.factories import make_activity
from tests.factories import make_lift
from tests.factories import make_resident
from tests.factories import make_venue
from tests.factories import make_volunteer
from tests.fuzz import snapshot
from tests.fuzz.conftest import examples
from tests.plan_builder import hm
from tests.plan_builder import make_plan

pytestmark = pytest.mark.fuzz

DAY = dt.date.today() + dt.timedelta(days=3)
# Twilio's webhooks are fuzzed with the conversations (tests/fuzz/test_sms_conversations.py).
NOT_FORMS = {"sms.inbound", "sms.status"}
ADMIN = "admin@bureau.example"
ANSWERS = {200, 302, 303, 400, 403, 404, 405, 409, 413, 429}


@dataclass
class Form:
    """A POST form: where it posts, and the page that shows its fields."""

    endpoint: str
    action: str  # with {ids} filled from the seeded rows
    page: str
    stores_without_redirect: bool = False  # e.g. the text simulator shows its reply in place
    fields: dict[str, list[str]] = field(default_factory=dict)


FORMS = [
    Form("auth.login", "/login", "/login"),
    Form("auth.logout", "/logout", "/"),
    Form("befriending.propose", "/befriending/propose", "/befriending/"),
    Form("befriending.accept", "/befriending/{pairing}/accept", "/befriending/"),
    Form("befriending.reject", "/befriending/{pairing}/reject", "/befriending/"),
    Form("befriending.end", "/befriending/{active}/end", "/befriending/"),
    Form("lifts.create", "/lifts/new", "/lifts/new"),
    Form("lifts.edit", "/lifts/{lift}/edit", "/lifts/{lift}"),
    Form("lifts.outcome", "/lifts/{lift}/outcome", "/lifts/{lift}"),
    Form("messages.simulator", "/messages/simulator", "/messages/simulator", True),
    Form("people.resident_create", "/people/residents/new", "/people/residents/new"),
    Form("people.resident_edit", "/people/residents/{resident}/edit",
         "/people/residents/{resident}/edit"),
    Form("people.volunteer_create", "/people/volunteers/new", "/people/volunteers/new"),
    Form("people.volunteer_edit", "/people/volunteers/{volunteer}/edit",
         "/people/volunteers/{volunteer}/edit"),
    Form("people.availability_save", "/people/volunteers/{volunteer}/availability",
         "/people/volunteers/{volunteer}/availability"),
    Form("people.availability_exception_add",
         "/people/volunteers/{volunteer}/availability/exceptions",
         "/people/volunteers/{volunteer}/availability"),
    Form("people.availability_exception_delete",
         "/people/volunteers/{volunteer}/availability/exceptions/{exception}/delete",
         "/people/volunteers/{volunteer}/availability"),
    Form("places.venue_form", "/places/venues/new", "/places/venues/new"),
    Form("places.venue_form", "/places/venues/{venue}/edit", "/places/venues/{venue}/edit"),
    Form("places.activity_form", "/places/activities/new", "/places/activities/new"),
    Form("places.activity_form", "/places/activities/{activity}/edit",
         "/places/activities/{activity}/edit"),
    Form("places.service_form", "/places/services/new", "/places/services/new"),
    Form("places.service_form", "/places/services/{service}/edit",
         "/places/services/{service}/edit"),
    Form("places.service_delete", "/places/services/{service}/delete", "/places/services"),
    Form("rota.pin", "/rota/lifts/{lift}/pin", "/rota/lifts/{lift}/pin"),
    Form("rota.plan", "/rota/plan", "/rota/?day={day}"),
    Form("rota.publish", "/rota/plans/{plan}/publish", "/rota/?day={day}"),
    Form("admin.set_active", "/admin/users/{staff}/active", "/admin/users"),
    Form("admin.unthrottle", "/admin/users/{staff}/unthrottle", "/admin/users"),
    Form("admin.password", "/admin/users/{staff}/password", "/admin/users/{staff}/password"),
    Form("admin.training", "/admin/training/resident/{resident}", "/people/residents/{resident}"),
    # Issue 14: the export stores its audit row and answers with the zip (no redirect).
    Form("personal_data.export_download", "/admin/people/resident/{resident}/export",
         "/admin/people/resident/{resident}/export", True),
    Form("personal_data.erase", "/admin/people/volunteer/{volunteer}/erase",
         "/admin/people/volunteer/{volunteer}/erase"),
    Form("admin.training", "/admin/training/volunteer/{volunteer}",
         "/people/volunteers/{volunteer}"),
    Form("referrals.refer_submit", "/refer", "/refer", True),
    Form("referrals.new", "/referrals/new", "/referrals/new"),
    Form("referrals.match", "/referrals/{referral}/match", "/referrals/{referral}"),
    Form("referrals.screen", "/referrals/{referral}/screen", "/referrals/{referral}"),
    Form("referrals.screen_by_text", "/referrals/{referral}/screen-by-text",
         "/referrals/{referral}"),
    Form("referrals.contact", "/referrals/{referral}/contact", "/referrals/{referral}"),
    Form("referrals.connector", "/referrals/{referral}/connector", "/referrals/{referral}"),
    Form("referrals.status", "/referrals/{referral}/status", "/referrals/{referral}"),
    Form("calls.done", "/calls/done", "/calls/"),
    Form("personal_data.export_download", "/admin/people/resident/{resident}/export",
         "/admin/people/resident/{resident}/export", True),
    Form("personal_data.erase", "/admin/people/resident/{resident}/erase",
         "/admin/people/resident/{resident}/erase"),
    Form("today.record", "/today/record", "/today/"),
    Form("today.driver_off", "/today/routes/{today_route}/off", "/today/"),
    Form("people.archive_person", "/people/residents/{resident}/archive",
         "/people/residents/{resident}"),
    Form("people.archive_person", "/people/volunteers/{volunteer}/archive",
         "/people/volunteers/{volunteer}"),
    Form("people.restore_person", "/people/residents/{archived}/restore",
         "/people/residents/{archived}"),
    Form("lifts.standing_edit", "/lifts/standing/{standing}", "/lifts/standing/{standing}"),
    Form("calls.done", "/calls/done", "/calls/"),
]  # fmt: skip


class _FormFields(HTMLParser):
    """The named fields of the ``<form>`` that posts to ``action``, with the values offered."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action = action
        self.inside = False
        self.select: str | None = None
        self.fields: dict[str, list[str]] = {}
        self.found = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            target = a.get("action", "").split("?")[0].split("#")[0]
            self.inside = target == self.action or (not target and a.get("method") == "post")
            self.found |= self.inside
        elif self.inside and tag in ("input", "textarea", "select") and a.get("name"):
            name = a["name"]
            values = self.fields.setdefault(name, [])
            if tag == "input" and a.get("type") in ("checkbox", "radio", "submit"):
                values.append(a.get("value") or "y")
            elif tag == "select":
                self.select = name
            else:
                values.append(a.get("value", ""))
        elif self.inside and tag == "option" and self.select:
            self.fields[self.select].append(a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None


@dataclass
class Bureau:
    app: Flask
    client: FlaskClient
    ids: dict[str, int | str]
    csrf: str
    start: snapshot.Snapshot
    clean: dict[str, str]  # the fingerprint of ``start``
    dirty: bool = False  # the database is no longer ``start``


def _seed() -> dict[str, int | str]:
    add_postcode()
    add_postcode("RM10 9QS", 51.540071, 0.149602)
    resident = make_resident(first_name="Joan", postcode="IG11 7NB")
    volunteer = make_volunteer(first_name="Dev", is_befriender=True, befriend_capacity=2)
    venue = make_venue(name="Valence Library")
    activity = make_activity(venue, name="Choir", weekday=DAY.weekday())
    lift = make_lift(resident, day=DAY, activity_id=activity.id)
    plan = make_plan(DAY, [(volunteer, [(lift, hm("9:05"), hm("9:45"))])])
    exception = AvailabilityException(
        volunteer_id=volunteer.id, day=DAY + dt.timedelta(days=7), available=False
    )
    service = Service(name="Lunch club", category="food")
    pairing = Pairing(resident_id=resident.id, volunteer_id=volunteer.id, score=0.5)
    active = Pairing(
        resident_id=make_resident(first_name="Kim").id,
        volunteer_id=volunteer.id,
        score=0.7,
        status=PairingStatus.ACTIVE,
        decided_at=dt.datetime.now(dt.UTC),
    )
    archived = make_resident(first_name="Olive", active=False, archive_reason="moved")
    standing = RecurringLift(
        resident_id=resident.id,
        activity_id=activity.id,
        weekday=DAY.weekday(),
        starts_on=DAY,
        arrive_by=dt.time(9, 50),
    )
    db.session.add_all([exception, service, pairing, active, standing])
    # Someone to phone, so the call list shows its tick form (issue 13).
    add_alert(AlertKind.CALL_REQUESTED, "Joan asked for a call.", person=resident)
    db.session.commit()
    # A call to make (for /calls) and a day under way (for /today's outcomes and 'Off from now').
    messaging.add_alert(AlertKind.CALL_REQUESTED, "Asked for a call back", person=resident)
    db.session.commit()
    this_morning = make_lift(resident, day=clock.today(), activity_id=activity.id)
    today_plan = make_plan(
        clock.today(),
        [(volunteer, [(this_morning, hm("9:05"), hm("9:45"))])],
        status=PlanStatus.PUBLISHED,
    )
    referral = submit_referral(
        ReferralInput(
            source="gp",
            referrer_name="Dr Okafor",
            referrer_confirms_agreed=True,
            first_name="Samuel",
            last_name="Mensah",
            phone="07700 900123",
            consent=True,
            contact_ways=["phone"],
        ),
        channel=ReferralChannel.STAFF,
    ).referral
    return {
        "referral": referral.id, "today_route": today_plan.routes[0].id,
        "archived": archived.id, "standing": standing.id,
        "resident": resident.id, "volunteer": volunteer.id, "venue": venue.id,
        "activity": activity.id, "lift": lift.id, "plan": plan.id, "exception": exception.id,
        "service": service.id, "pairing": pairing.id, "active": active.id,
        "day": DAY.isoformat(),
    }  # fmt: skip


def _sign_in(client: FlaskClient, app: Flask) -> str:
    """Sign the admin in (after the sign-in form was fuzzed: with its failures forgotten)."""
    with app.app_context():
        clear_sign_in_throttle(ADMIN, address="127.0.0.1")  # the test client's address
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token
    response = client.post(
        "/login",
        data={"email": ADMIN, "password": PASSWORD, "csrf_token": token[1]},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return token[1]


@pytest.fixture(scope="module")
def bureau() -> Iterator[Bureau]:
    # Requests run outside any app context of the test's own, as in production: each gets a
    # fresh one (and a fresh ``g`` and database session).
    application = make_test_app(WTF_CSRF_ENABLED=True, PLAN_TIME_LIMIT_S=1)
    with application.app_context():
        create_user(ADMIN, "Ada", PASSWORD, "admin")  # every form, the admin's too
        ids = {
            **_seed(),
            "staff": create_user("cora@bureau.example", "Cora", PASSWORD, "coordinator").id,
        }
        db.session.remove()
    client = application.test_client()
    csrf = _sign_in(client, application)
    for form in FORMS:
        page = client.get(form.page.format(**ids))
        assert page.status_code == 200, (form.page, page.status_code)
        parser = _FormFields(form.action.format(**ids))
        parser.feed(page.get_data(as_text=True))
        assert parser.found, f"no form posting to {form.action} on {form.page}"
        form.fields = {k: v for k, v in parser.fields.items() if k != "csrf_token"}
    with application.app_context():  # signed in: the state every example starts from
        start = snapshot.take()
        clean = snapshot.fingerprint()
        db.session.remove()
    yield Bureau(application, client, ids, csrf, start, clean)
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def test_every_post_form_is_fuzzed(bureau: Bureau) -> None:
    posted = {
        rule.endpoint
        for rule in bureau.app.url_map.iter_rules()
        if "POST" in (rule.methods or ()) and rule.endpoint not in NOT_FORMS
    }
    assert posted == {form.endpoint for form in FORMS}


JUNK = st.one_of(
    st.text(max_size=30),  # any unicode, NUL and control characters included
    st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), max_size=80),
    st.integers(-(10**20), 10**20).map(str),
    st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)).map(dt.date.isoformat),
    st.sampled_from(["", " ", "0", "-1", "2147483648", "25:99", "9:5", "2026-02-30", "y", "on",
                     "<script>", "' OR 1=1 --", "IG11 7NB", "07700 900123", "1e9", "NaN"]),
    st.builds(lambda piece, n: piece * n, st.sampled_from(["x", "é", "\U0001f600"]),
              st.integers(200, 25_000)),
)  # fmt: skip


def _value(offered: list[str]) -> st.SearchStrategy[str | None]:
    """A field's value: one the page offers, junk, or left out (None)."""
    choices: list[st.SearchStrategy[str | None]] = [JUNK, st.none()]
    if offered:
        choices.insert(0, st.sampled_from(offered))
    return st.one_of(*choices)


@st.composite
def submissions(draw: st.DrawFn, form: Form) -> tuple[dict[str, str], bool]:
    """(form data, whether to send the right CSRF token)."""
    data = {}
    for name, offered in form.fields.items():
        value = draw(_value(offered))
        if value is not None:
            data[name] = value
    if draw(st.integers(0, 9)) == 0:
        data[draw(st.text(min_size=1, max_size=10))] = draw(JUNK)  # a field nobody expects
    return data, draw(st.integers(0, 19)) != 0


def _wait_for_background_work(app: Flask, timeout_s: float = 60) -> None:
    """Let a plan started on a thread (no Redis) finish, so it cannot land in the next example."""
    jobs = app.extensions["background_jobs"]
    deadline = time.monotonic() + timeout_s
    while any(state.running for state in list(jobs.jobs.values())):
        assert time.monotonic() < deadline, "background work did not finish"
        time.sleep(0.02)


def _path(form: Form, bureau: Bureau, other_id: int | None) -> str:
    ids = dict(bureau.ids)
    if other_id is not None:
        ids = {k: (other_id if k != "day" else v) for k, v in ids.items()}
    return form.action.format(**ids)


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f.action.replace("/", "_").strip("_"))
def test_any_input_to_a_form_is_answered_and_stores_nothing_when_refused(
    bureau: Bureau, form: Form
) -> None:
    @settings(max_examples=examples(70 if TEST_DATABASE_URL else 130))
    @given(
        sent=submissions(form),
        other_id=st.one_of(st.none(), st.none(), st.sampled_from([0, 999_999, 2**31 - 1])),
    )
    def post(sent: tuple[dict[str, str], bool], other_id: int | None) -> None:
        data, good_token = sent
        if bureau.dirty:  # the last example stored something: start from the seeded rows
            with bureau.app.app_context():
                snapshot.restore(bureau.start)
                db.session.remove()
            bureau.dirty = False
        response = bureau.client.post(
            _path(form, bureau, other_id),
            data={**data, "csrf_token": bureau.csrf if good_token else "forged"},
        )
        _wait_for_background_work(bureau.app)
        assert response.status_code in ANSWERS, (response.status_code, data)
        if not good_token:
            assert response.status_code == 400
        with bureau.app.app_context():
            after = snapshot.fingerprint()
            db.session.remove()
        changed = {k for k, v in after.items() if bureau.clean[k] != v}
        bureau.dirty = bool(changed)
        if response.status_code not in (302, 303) and not form.stores_without_redirect:
            assert changed == set(), (response.status_code, changed)
        if form.endpoint in ("auth.login", "auth.logout") and response.status_code == 302:
            _sign_in(bureau.client, bureau.app)  # signed in again for the next example
            bureau.dirty = True  # (which wrote down the time of the sign-in)

    post()
