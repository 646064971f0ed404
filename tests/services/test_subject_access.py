"""A subject access export holds everything about the person and no one else's (issue 14)."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
import sqlalchemy as sa

from app.errors import InvalidInput
from app.errors import NotFound
from app.models import AuditLog
from app.services import subject_access
from app.services.personal_data import Kind
from app.services.personal_data import rules_for
from tests.personal_data_story import DEV
from tests.personal_data_story import joyce_story


def unzip(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name).decode() for name in archive.namelist()}


def test_joyces_export_has_every_table_as_json_and_csv_and_a_readme(db):
    """Every registered table about residents is a JSON and a CSV file, listed in the README."""
    story = joyce_story()
    made = subject_access.export_person(Kind.RESIDENT, story.joyce.id, actor_id=None)
    files = unzip(made.data)
    for rule in rules_for(Kind.RESIDENT):
        assert f"{rule.table}.json" in files and f"{rule.table}.csv" in files
        assert f"{rule.table}.json / {rule.table}.csv" in files["README.txt"]
        assert rule.what in files["README.txt"]
    me = json.loads(files["residents.json"])
    assert [(r["first_name"], r["postcode"], r["notes"]) for r in me] == [
        ("Joyce", "RM6 5JX", "Daughter Sandra visits on Sundays.")
    ]
    lifts = json.loads(files["lift_requests.json"])
    assert [lift["id"] for lift in lifts] == [story.lift.id]  # not Olive's
    assert len(json.loads(files["plan_stops.json"])) == 2  # her pickup and drop-off
    texts = json.loads(files["messages.json"])
    assert len(texts) == 2  # to her and from her (found by her number), not the driver's
    audit = json.loads(files["audit_log.json"])
    assert {(a["entity_type"], a["action"]) for a in audit} >= {
        ("Resident", "update"),
        ("LiftRequest", "update"),
    }
    rows = list(csv.DictReader(io.StringIO(files["lift_requests.csv"])))
    assert rows[0]["pickup_address"] == "28 Movers Lane"


def test_other_peoples_details_are_redacted(db):
    """Devraj's name, number and id, Beata's id and the GP's contact are not in Joyce's zip."""
    story = joyce_story()
    made = subject_access.export_person(Kind.RESIDENT, story.joyce.id, actor_id=None)
    everything = "\n".join(unzip(made.data).values())
    for secret in (
        DEV["first_name"],
        DEV["last_name"],
        DEV["phone"],
        "Dr Rita Patel",
        "rita.patel@nhs.example",
        "Olive",
        story.olive.phone,
    ):
        assert secret not in everything, secret
    files = unzip(made.data)
    texts = json.loads(files["messages.json"])
    assert any("[redacted] will pick you up" in t["body"] for t in texts)
    (lift,) = json.loads(files["lift_requests.json"])
    assert lift["pinned_volunteer_id"] == "[redacted]"
    assert lift["resident_id"] == story.joyce.id
    (pairing,) = json.loads(files["pairings.json"])
    assert pairing["volunteer_id"] == "[redacted]" and pairing["score"] == 0.8
    (referral,) = json.loads(files["referrals.json"])
    assert referral["referrer_name"] == "[redacted]"
    assert referral["referrer_org"] == "Oxlow Lane Surgery"
    assert referral["reason"].startswith("Lost her husband")


def test_a_drivers_export_hides_the_residents_he_drove(db):
    """Devraj's export has his route text without Joyce's name, address or postcode."""
    story = joyce_story()
    made = subject_access.export_person(Kind.VOLUNTEER, story.dev.id, actor_id=None)
    files = unzip(made.data)
    everything = "\n".join(files.values())
    assert "Devraj" in files["volunteers.json"]
    for secret in ("Joyce Wilson", "28 Movers Lane", "RM6 5JX", story.joyce.phone):
        assert secret not in everything, secret
    assert len(json.loads(files["plan_stops.json"])) == 6  # start, four stops, end


def test_the_export_is_audited_and_the_preview_counts_rows(db):
    """Making an export writes an audit row about the person; the preview shows only counts."""
    story = joyce_story()
    counts = dict(
        (rule.table, n) for rule, n in subject_access.preview_export(Kind.RESIDENT, story.joyce.id)
    )
    assert counts["residents"] == 1 and counts["messages"] == 2 and counts["conversations"] == 1
    subject_access.export_person(Kind.RESIDENT, story.joyce.id, actor_id=None)
    row = db.session.scalars(
        sa.select(AuditLog).where(AuditLog.action == "subject_access_export")
    ).one()
    assert (row.entity_type, row.entity_id) == ("Resident", story.joyce.id)


def test_unknown_people_and_kinds_get_clear_answers(db):
    """An unknown id is NotFound; a kind other than resident/volunteer names the field."""
    with pytest.raises(NotFound):
        subject_access.export_person(Kind.RESIDENT, 999, actor_id=None)
    with pytest.raises(InvalidInput) as error:
        subject_access.parse_kind("staff")
    assert error.value.field == "kind"
