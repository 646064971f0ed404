"""The demo borough: a deterministic Barking & Dagenham with fictional people and real places.

Running it again changes nothing: every row is found by a natural key (phone number, name,
session) before it is created. Places are real borough places; homes are real postcodes when
the postcode table is loaded, else plausible points near the centre of a real ward.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import Activity
from app.models import DbsLevel
from app.models import Gender
from app.models import LiftPurpose
from app.models import LiftRequest
from app.models import Mobility
from app.models import PostcodeLocation
from app.models import RecurringLift
from app.models import Resident
from app.models import RiskTier
from app.models import Service
from app.models import Venue
from app.models import Volunteer
from app.models import WeeklyAvailability
from app.services.lifts import LiftInput
from app.services.lifts import book_lift
from app.services.lifts import expand_recurring

# The 19 wards (2022) with a point inside each (ONS boundaries, OGL; see shared/data README).
WARDS: list[tuple[str, str, float, float]] = [
    ("E05014053", "Abbey", 51.536321, 0.079496),
    ("E05014054", "Alibon", 51.544548, 0.15761),
    ("E05014055", "Barking Riverside", 51.524454, 0.126553),
    ("E05014056", "Beam", 51.524829, 0.155021),
    ("E05014057", "Becontree", 51.557914, 0.123217),
    ("E05014058", "Chadwell Heath", 51.585272, 0.138877),
    ("E05014059", "Eastbrook & Rush Green", 51.556314, 0.172987),
    ("E05014060", "Eastbury", 51.533755, 0.10968),
    ("E05014061", "Gascoigne", 51.530695, 0.085503),
    ("E05014062", "Goresbrook", 51.537121, 0.137781),
    ("E05014063", "Heath", 51.558573, 0.152527),
    ("E05014064", "Longbridge", 51.544111, 0.093995),
    ("E05014065", "Mayesbrook", 51.545048, 0.117391),
    ("E05014066", "Northbury", 51.541294, 0.078491),
    ("E05014067", "Parsloes", 51.549085, 0.135142),
    ("E05014068", "Thames View", 51.52354, 0.099733),
    ("E05014069", "Valence", 51.559075, 0.136652),
    ("E05014070", "Village", 51.53854, 0.161762),
    ("E05014071", "Whalebone", 51.567123, 0.141284),
]

# Real borough places (libraries from the DCMS basic dataset, others from OSM), with the
# Code-Point centroid of their postcode or the OSM point.
VENUES: list[dict[str, Any]] = [
    dict(
        name="Barking Learning Centre Community Hub",
        address="2 Town Square, Barking",
        postcode="IG11 7NB",
        lat=51.53632,
        lon=0.079792,
        step_free=True,
    ),
    dict(
        name="Dagenham Library Community Hub",
        address="1 Church Elm Lane, Dagenham",
        postcode="RM10 9QS",
        lat=51.540071,
        lon=0.149602,
        step_free=True,
    ),
    dict(
        name="Marks Gate Community Hub",
        address="Rose Lane, Marks Gate",
        postcode="RM6 5NJ",
        lat=51.585411,
        lon=0.135877,
        step_free=True,
    ),
    dict(
        name="Robert Jeyes Community Library",
        address="High Road, Chadwell Heath",
        postcode="RM6 6AS",
        lat=51.573049,
        lon=0.142628,
        step_free=False,
    ),
    dict(
        name="Thames Community Hub",
        address="Bastable Avenue, Barking",
        postcode="IG11 0LG",
        lat=51.527941,
        lon=0.103861,
        step_free=True,
    ),
    dict(
        name="Valence Library",
        address="Becontree Avenue, Dagenham",
        postcode="RM8 3HT",
        lat=51.558311,
        lon=0.134174,
        step_free=True,
    ),
    dict(
        name="Eastbrook Community Centre",
        address="Rainham Road North, Dagenham",
        postcode="RM10 7DX",
        lat=51.553247,
        lon=0.160263,
        step_free=True,
    ),
    dict(
        name="Barking Community Hospital",
        address="Upney Lane, Barking",
        postcode="IG11 9LX",
        lat=51.540233,
        lon=0.09988,
        step_free=True,
    ),
    dict(
        name="Stamford Road Health Centre",
        address="Stamford Road, Dagenham",
        postcode="RM9 4EU",
        lat=51.538748,
        lon=0.1258,
        step_free=True,
    ),
    dict(
        name="Thames View Health Centre",
        address="Bastable Avenue, Barking",
        postcode="IG11 0LG",
        lat=51.528318,
        lon=0.104674,
        step_free=True,
    ),
    dict(
        name="Becontree Avenue Baptist Church",
        address="Becontree Avenue, Dagenham",
        postcode="RM8 3HR",
        lat=51.559267,
        lon=0.13826,
        step_free=False,
    ),
    dict(
        name="Dagenham Baptist Church",
        address="Bennetts Castle Lane, Dagenham",
        postcode="RM8 3XS",
        lat=51.538124,
        lon=0.137153,
        step_free=True,
    ),
    dict(
        name="Saint Peter's Church",
        address="Dagenham Road, Dagenham",
        postcode="RM8 2DH",
        lat=51.560881,
        lon=0.132875,
        step_free=False,
    ),
    dict(
        name="Oxlow Lane Baptist Church",
        address="Oxlow Lane, Dagenham",
        postcode="RM10 8PR",
        lat=51.551507,
        lon=0.159164,
        step_free=True,
    ),
    dict(
        name="Dagenham Community Church",
        address="Church Street, Dagenham",
        postcode="RM10 9UR",
        lat=51.540763,
        lon=0.157765,
        step_free=True,
    ),
]

# (venue index, name, weekday, start, end, interests)
ACTIVITIES: list[tuple[int, str, int, str, str, list[str]]] = [
    (0, "Coffee morning", 0, "10:00", "12:00", ["coffee", "chat"]),
    (0, "Knit and natter", 3, "13:30", "15:30", ["knitting", "crafts"]),
    (1, "Community choir", 1, "10:30", "12:30", ["singing", "music"]),
    (1, "Digital drop-in", 4, "10:00", "12:00", ["computers"]),
    (2, "Lunch club", 2, "12:00", "14:00", ["food", "chat"]),
    (3, "Reading group", 1, "14:00", "15:30", ["reading"]),
    (4, "Walking group", 3, "10:00", "11:30", ["walking", "nature"]),
    (4, "Chair exercise", 0, "11:00", "12:00", ["exercise"]),
    (5, "Memory café", 2, "10:00", "12:00", ["dementia support", "music"]),
    (5, "Local history talk", 4, "14:00", "15:30", ["history"]),
    (6, "Lunch club", 4, "12:00", "14:00", ["food", "chat"]),
    (6, "Gardening club", 1, "10:00", "12:00", ["gardening", "nature"]),
    (10, "Tea and chat", 3, "14:00", "16:00", ["chat", "faith"]),
    (11, "Bingo afternoon", 2, "13:30", "15:30", ["games"]),
    (13, "Dominoes and cards", 0, "13:30", "15:30", ["games"]),
    (14, "Punjabi women's group", 4, "10:30", "12:30", ["chat", "cooking"]),
]

SERVICES: list[dict[str, Any]] = [
    dict(
        name="Disablement Association of Barking & Dagenham (DABD)",
        category="Support",
        phone=None,
        description="Advice, advocacy and support for disabled people and carers.",
    ),
    dict(
        name="Volunteer Driver Scheme",
        category="Transport",
        phone=None,
        description="Lifts by volunteer drivers to appointments and activities.",
    ),
    dict(
        name="Talking Therapies",
        category="Mental health",
        phone="0300 300 1554",
        description="Free NHS talking therapies for low mood, worry and stress.",
    ),
    dict(
        name="NELFT Mental Health Direct",
        category="Mental health",
        phone="0300 555 1000",
        description="24-hour mental health crisis line.",
    ),
    dict(
        name="Listening Zone",
        category="Mental health",
        phone="0300 555 1012",
        description="A listening service for anyone who needs to talk.",
    ),
    dict(
        name="MIND",
        category="Mental health",
        phone="0300 123 3393",
        description="Information and support on mental health.",
    ),
    dict(
        name="CAMHS",
        category="Mental health",
        phone="0300 555 1035",
        description="Child and Adolescent Mental Health Services.",
    ),
    dict(
        name="Big White Wall",
        category="Mental health",
        phone=None,
        description="Online peer support, anonymous and free.",
    ),
    dict(
        name="Alzheimer's Society",
        category="Memory",
        phone="0208 517 4522",
        description="Support for people living with dementia and their carers.",
    ),
    dict(
        name="Community Learning Disability Team",
        category="Support",
        phone="0208 227 5432",
        description="Health and social care for adults with learning disabilities.",
    ),
]

FIRST_F = [
    "Margaret",
    "Patricia",
    "Jean",
    "Susan",
    "Linda",
    "Amina",
    "Fatima",
    "Grace",
    "Agnieszka",
    "Joyce",
    "Doreen",
    "Sandra",
    "Priya",
    "Nasreen",
    "Blessing",
    "Irene",
    "Maureen",
    "Ewa",
    "Gurpreet",
    "Rita",
    "Sharon",
    "Folake",
    "Teresa",
    "Hannah",
    "Lorraine",
]
FIRST_M = [
    "John",
    "David",
    "Peter",
    "Michael",
    "Robert",
    "Tariq",
    "Imran",
    "Kwame",
    "Tomasz",
    "George",
    "Dennis",
    "Raymond",
    "Sanjay",
    "Abdul",
    "Samuel",
    "Terry",
    "Keith",
    "Marek",
    "Harjit",
    "Colin",
    "Barry",
    "Olu",
    "Brian",
    "Mohammed",
    "Stephen",
]
LAST = [
    "Smith",
    "Jones",
    "Brown",
    "Taylor",
    "Khan",
    "Ahmed",
    "Begum",
    "Okafor",
    "Mensah",
    "Kowalski",
    "Nowak",
    "Patel",
    "Singh",
    "Hussain",
    "Wilson",
    "Evans",
    "Thomas",
    "Walker",
    "Adeyemi",
    "Murphy",
    "Kelly",
    "Clarke",
    "Wright",
    "Green",
    "Hall",
    "Ali",
    "Rahman",
    "Kaur",
    "Ward",
    "Baker",
]
STREETS = [
    "Becontree Avenue",
    "Porters Avenue",
    "Valence Avenue",
    "Wood Lane",
    "Gale Street",
    "Parsloes Avenue",
    "Green Lane",
    "Longbridge Road",
    "Ripple Road",
    "Oxlow Lane",
    "Rainham Road South",
    "Whalebone Lane South",
    "Bastable Avenue",
    "Movers Lane",
    "Goresbrook Road",
    "Heathway",
    "Bennetts Castle Lane",
    "Church Elm Lane",
    "Upney Lane",
    "St Awdry's Road",
]
INTERESTS = [
    "gardening",
    "singing",
    "music",
    "knitting",
    "reading",
    "walking",
    "cooking",
    "football",
    "history",
    "crafts",
    "dominoes",
    "bingo",
    "faith",
    "computers",
    "fishing",
    "dancing",
    "cricket",
    "films",
    "nature",
    "tea",
]
LANGUAGES = [
    ("english", 60),
    ("bengali", 6),
    ("urdu", 6),
    ("punjabi", 5),
    ("polish", 5),
    ("lithuanian", 3),
    ("romanian", 3),
    ("yoruba", 4),
    ("twi", 3),
    ("portuguese", 2),
    ("somali", 2),
    ("tamil", 1),
]
LIFE_EVENTS = ["bereavement", "divorce", "retirement", "redundancy", "loss of mobility"]


@dataclass
class _Home:
    address: str
    postcode: str | None
    lat: float
    lon: float
    ward_code: str


def _t(hhmm: str) -> dt.time:
    h, m = hhmm.split(":")
    return dt.time(int(h), int(m))


def _checks(i: int, today: dt.date, *, driver: bool) -> dict[str, Any]:
    """Every demo volunteer's DBS, and every driver's licence, insurance and MOT, valid for the
    demo's days (issue 13: drivers are planned only with every check valid); a few run out
    within 30 days so the checks-due list has something to show. Arithmetic on ``i``, not the
    demo's random stream, so the rest of the borough stays the same."""
    days = dt.timedelta(days=1)
    values: dict[str, Any] = {
        "dbs_level": DbsLevel.ENHANCED_BARRED,
        "dbs_certificate_number": f"0017{i:08d}",
        "dbs_issued_on": today - (400 + (i * 97) % 900) * days,
        "dbs_update_checked_on": today - (10 + (i * 37) % 300) * days,
    }
    if driver:
        values.update(
            licence_checked_on=today - (5 + (i * 41) % 320) * days,
            insurance_expires_on=today + (20 + (i * 53) % 340) * days,
            mot_expires_on=today + (25 + (i * 71) % 330) * days,
        )
    return values


def _homes(rng: random.Random, n: int) -> list[_Home]:
    """Real LBBD postcodes when the table is loaded, else points near real ward centres."""
    ward_codes = [w[0] for w in WARDS]
    real = db.session.scalars(
        sa.select(PostcodeLocation)
        .where(PostcodeLocation.ward_code.in_(ward_codes))
        .order_by(PostcodeLocation.postcode)
    ).all()
    homes: list[_Home] = []
    for i in range(n):
        street = f"{rng.randint(1, 180)} {rng.choice(STREETS)}"
        if real:
            pc = real[rng.randrange(len(real))]
            homes.append(_Home(street, pc.postcode, pc.lat, pc.lon, pc.ward_code or ""))
        else:
            code, _name, lat, lon = WARDS[i % len(WARDS)]
            # within about 500 m of a point inside the ward
            homes.append(
                _Home(
                    street,
                    None,
                    round(lat + rng.uniform(-0.0045, 0.0045), 6),
                    round(lon + rng.uniform(-0.007, 0.007), 6),
                    code,
                )
            )
    return homes


def _languages(rng: random.Random) -> list[str]:
    names, weights = zip(*LANGUAGES, strict=True)
    first = rng.choices(names, weights=weights)[0]
    return [first] if first == "english" else [first, "english"] if rng.random() < 0.7 else [first]


def _get_or_add(model: Any, key: dict[str, Any], values: dict[str, Any]) -> tuple[Any, bool]:
    row = db.session.scalar(sa.select(model).filter_by(**key))
    if row is not None:
        return row, False
    row = model(**key, **values)
    db.session.add(row)
    return row, True


def load_demo(*, seed: int = 2026, start: dt.date) -> dict[str, int]:
    """Build the demo borough for the fortnight from ``start``; return what was added."""
    rng = random.Random(seed)
    added = {
        "services": 0,
        "venues": 0,
        "activities": 0,
        "volunteers": 0,
        "residents": 0,
        "recurring lifts": 0,
        "lift requests": 0,
        "referrals": 0,
    }
    for s in SERVICES:
        _, new = _get_or_add(
            Service, {"name": s["name"]}, {k: v for k, v in s.items() if k != "name"}
        )
        added["services"] += new
    venues: list[Venue] = []
    for v in VENUES:
        row, new = _get_or_add(
            Venue, {"name": v["name"]}, {k: x for k, x in v.items() if k != "name"}
        )
        venues.append(row)
        added["venues"] += new
    db.session.flush()
    activities: list[Activity] = []
    for vi, name, weekday, start_s, end_s, interests in ACTIVITIES:
        row, new = _get_or_add(
            Activity,
            {"venue_id": venues[vi].id, "name": name, "weekday": weekday},
            {"start_time": _t(start_s), "end_time": _t(end_s), "interests": interests},
        )
        activities.append(row)
        added["activities"] += new
    db.session.flush()

    homes = _homes(rng, 40 + 25 + 300)
    today = start - dt.timedelta(days=1)
    for i in range(65):
        driver = i < 40
        female = rng.random() < 0.5
        first = rng.choice(FIRST_F if female else FIRST_M)
        home = homes[i]
        phone = f"+447700900{500 + i:03d}"
        values = dict(
            first_name=first,
            last_name=rng.choice(LAST),
            gender=Gender.FEMALE if female else Gender.MALE,
            address=home.address,
            postcode=home.postcode,
            lat=home.lat,
            lon=home.lon,
            ward_code=home.ward_code,
            is_driver=driver,
            is_befriender=not driver or rng.random() < 0.1,
            dbs_valid_until=today + dt.timedelta(days=rng.choice([20, 200, 400, 700, 900])),
            car_seats=rng.choice([2, 3, 3, 4]) if driver else 0,
            wheelchair_spaces=1 if driver and i % 6 == 0 else 0,
            max_drive_minutes=rng.choice([120, 180, 240, 300]),
            befriend_capacity=rng.choice([1, 2, 3]) if not driver else 0,
            **_checks(i, today, driver=driver),
            interests=rng.sample(INTERESTS, 3),
            languages=_languages(rng),
            life_events=rng.sample(LIFE_EVENTS, 1) if rng.random() < 0.3 else [],
        )
        vol, new = _get_or_add(Volunteer, {"phone": phone}, values)
        added["volunteers"] += new
        if new:
            db.session.flush()
            days = (
                rng.sample(range(5), rng.choice([2, 3, 4, 5]))
                if driver
                else rng.sample(range(7), 2)
            )
            for d in sorted(days):
                if rng.random() < 0.5:
                    window = (
                        (_t("08:30"), _t("13:30"))
                        if rng.random() < 0.6
                        else (_t("08:30"), _t("17:30"))
                    )
                else:
                    window = (_t("12:00"), _t("17:30"))
                db.session.add(
                    WeeklyAvailability(
                        volunteer_id=vol.id, weekday=d, start_time=window[0], end_time=window[1]
                    )
                )

    residents: list[Resident] = []
    for i in range(300):
        female = rng.random() < 0.6
        home = homes[65 + i]
        phone = f"+447700900{i:03d}" if i < 270 else f"+442079460{i:03d}"
        mobility = rng.choices(list(Mobility), weights=[55, 25, 12, 8])[0]
        values = dict(
            first_name=rng.choice(FIRST_F if female else FIRST_M),
            last_name=rng.choice(LAST),
            gender=Gender.FEMALE if female else Gender.MALE,
            address=home.address,
            postcode=home.postcode,
            lat=home.lat,
            lon=home.lon,
            ward_code=home.ward_code,
            date_of_birth=dt.date(rng.randint(1930, 1978), rng.randint(1, 12), rng.randint(1, 28)),
            mobility=mobility,
            needs_escort=mobility == Mobility.NEEDS_ESCORT,
            interests=rng.sample(INTERESTS, rng.randint(1, 4)),
            languages=_languages(rng),
            prefers_female_driver=female and rng.random() < 0.15,
            life_events=rng.sample(LIFE_EVENTS, 1) if rng.random() < 0.4 else [],
            share_life_events=rng.random() < 0.5,
            wants_befriender=rng.random() < 0.3,
            sms_consent=i < 270 and rng.random() < 0.9,
            risk_tier=rng.choices(list(RiskTier), weights=[30, 45, 25])[0],
        )
        res, new = _get_or_add(Resident, {"phone": phone}, values)
        residents.append(res)
        added["residents"] += new
    db.session.flush()

    # Standing weekly lifts: about 70 residents go to an activity every week.
    for i, res in enumerate(residents[:70]):
        act = activities[(i * 7) % len(activities)]
        _, new = _get_or_add(
            RecurringLift,
            {"resident_id": res.id, "activity_id": act.id, "weekday": act.weekday},
            dict(
                starts_on=start - dt.timedelta(days=28),
                arrive_by=(
                    dt.datetime.combine(start, act.start_time) - dt.timedelta(minutes=10)
                ).time(),
                return_pickup_earliest=act.end_time,
                return_pickup_latest=(
                    dt.datetime.combine(start, act.end_time) + dt.timedelta(minutes=30)
                ).time(),
                escort=res.needs_escort,
                purpose=LiftPurpose.ACTIVITY,
            ),
        )
        added["recurring lifts"] += new
    db.session.commit()

    before = db.session.scalar(sa.select(sa.func.count()).select_from(LiftRequest)) or 0
    for offset in range(14):
        day = start + dt.timedelta(days=offset)
        expand_recurring(day)
        if day.weekday() >= 5:
            continue
        # One-off lifts: hospital and GP appointments, and a few activities.
        day_rng = random.Random(seed * 1000 + day.toordinal())
        for res in day_rng.sample(residents[70:], 8):
            venue_i = day_rng.choice([7, 8, 9])
            hour = day_rng.choice([9, 10, 11, 13, 14, 15])
            minute = day_rng.choice([0, 15, 30, 45])
            arrive = dt.time(hour, minute)
            if _has_lift(res.id, day):
                continue
            venue = venues[venue_i]
            book_lift(
                LiftInput(
                    resident_id=res.id,
                    day=day,
                    venue_id=venue.id,
                    arrive_by=arrive,
                    return_earliest=dt.time(hour + 1, minute),
                    return_latest=dt.time(hour + 2, minute),
                    with_return=day_rng.random() < 0.85,
                    purpose="medical",
                ),
                # The demo books as of its first day, which may be in the past in tests.
                today=start,
            )
    after = db.session.scalar(sa.select(sa.func.count()).select_from(LiftRequest)) or 0
    added["lift requests"] = int(after) - int(before)
    db.session.commit()
    added["referrals"] = _demo_referrals(random.Random(seed + 16), residents, start)
    return added


_DEMO_REASONS = (
    "Since her husband died she has stopped going out; her daughter is worried.",
    "Recently discharged after a fall and lives alone on the fourth floor.",
    "Retired in the summer and says the days are very long now.",
    "Moved to the borough to be near family but knows nobody locally.",
    "Caring full time for his wife and has not had a day out in months.",
    "Lost his job and his marriage this year; GP thinks he is isolating.",
)
_DEMO_SOURCES = (
    "gp",
    "social_prescriber",
    "adult_social_care",
    "voluntary_partner",
    "housing",
    "family",
    "self",
    "other",
)


def _demo_referrals(rng: random.Random, residents: list[Resident], start: dt.date) -> int:
    """About 60 referrals across sources and life events, some screened, some overdue, one
    urgent (issue 16). Each has a fixed form key, so loading again adds nothing."""
    from app.models import ReferralChannel
    from app.services import outreach
    from app.services.referrals import LIFE_EVENTS as EVENT_KEYS
    from app.services.referrals import ReferralInput
    from app.services.referrals import submit_referral
    from app.services.risk import refresh_tier
    from app.services.screening import record_screen

    created = 0
    base = dt.datetime.combine(start, dt.time(10), tzinfo=dt.UTC)
    keys = list(EVENT_KEYS)
    for i in range(60):
        source = _DEMO_SOURCES[i % len(_DEMO_SOURCES)]
        # A few are about residents the bureau already knows (same phone): staff confirm them.
        known = residents[100 + i] if i % 10 == 3 else None
        when = base - dt.timedelta(
            days=0 if i == 0 else rng.randint(0, 25), hours=rng.randint(0, 5)
        )
        events = {
            k: (when.date() - dt.timedelta(days=rng.randint(10, 300))).isoformat()[:7]
            for k in rng.sample(keys, rng.choice([0, 1, 1, 2]))
        }
        result = submit_referral(
            ReferralInput(
                source=source,
                referrer_name="" if source == "self" else f"Referrer {i}",
                referrer_org={"gp": "Abbey Medical Centre", "housing": "LBBD Housing"}.get(
                    source, ""
                ),
                referrer_contact="" if source == "self" else "020 8227 3000",
                referrer_confirms_agreed=source != "self",
                first_name=known.first_name if known else rng.choice(FIRST_F + FIRST_M),
                last_name=known.last_name if known else rng.choice(LAST),
                phone=known.phone or "" if known else f"+447700900{700 + i:03d}",
                postcode=known.postcode or "" if known else "",
                address=known.address or "" if known else "",
                date_of_birth=dt.date(rng.randint(1940, 1981), rng.randint(1, 12), 1).isoformat(),
                reason=_DEMO_REASONS[i % len(_DEMO_REASONS)],
                life_events=events,
                lives_alone=rng.random() < 0.5,
                housebound=rng.random() < 0.2,
                no_transport=rng.random() < 0.4,
                no_internet=rng.random() < 0.3,
                consent=True,
                contact_ways=["phone"],
                best_times="Weekday mornings",
                at_risk_now=i == 0,
            ),
            channel=ReferralChannel.STAFF if i % 2 else ReferralChannel.PUBLIC,
            form_key=f"demo-referral-{i}",
            now=when,
        )
        if not result.created:
            continue
        created += 1
        referral = result.referral
        if i % 3 == 1:
            record_screen(
                referral,
                {k: rng.randint(1, 3) for k in ("companionship", "left_out", "isolated")},
                rng.randint(1, 5),
                method="phone",
                actor_id=None,
                now=when + dt.timedelta(hours=2),
            )
            refresh_tier(referral, now=when)
            db.session.commit()
        if i % 5 == 2:
            outreach.log_attempt(
                referral.id, "no_answer", actor_id=None, now=when + dt.timedelta(hours=3)
            )
        if i % 7 == 4:
            outreach.log_attempt(
                referral.id, "reached", actor_id=None, now=when + dt.timedelta(hours=4)
            )
    return created


def _has_lift(resident_id: int, day: dt.date) -> bool:
    return (
        db.session.scalar(
            sa.select(LiftRequest.id)
            .where(LiftRequest.resident_id == resident_id, LiftRequest.day == day)
            .limit(1)
        )
        is not None
    )
