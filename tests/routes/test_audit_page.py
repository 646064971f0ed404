"""Staff read the audit trail: who changed what a person was promised (issue 14)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask.testing import FlaskClient

from app.extensions import db
from app.models import AuditActor
from app.services.audit import record_event
from tests.factories import make_lift
from tests.factories import make_resident

NOW = dt.datetime(2026, 12, 2, 15, 0, tzinfo=dt.UTC)


def test_a_coordinator_filters_the_trail_to_one_resident(
    client: FlaskClient, coordinator: Any
) -> None:
    """Joan's dropped lift shows with who dropped it; Amir's booking does not."""
    joan, amir = make_resident(first_name="Joan"), make_resident(first_name="Amir")
    joans, amirs = make_lift(joan), make_lift(amir)
    record_event(
        "drop",
        joans,
        actor=AuditActor.RESIDENT_BY_TEXT,
        changes={"status": ("planned", "cancelled")},
        now=NOW,
    )
    record_event("book", amirs, staff_id=coordinator.id, now=NOW)
    db.session.commit()
    page = client.get(f"/admin/audit?kind=resident&person_id={joan.id}").get_data(as_text=True)
    assert "resident by text" in page and "planned → cancelled" in page
    assert f"lift {joans.id}" in page and f"lift {amirs.id}<" not in page
    everyone = client.get("/admin/audit").get_data(as_text=True)
    assert f"lift {amirs.id}<" in everyone and "Coordinator" in everyone


def test_a_nonsense_filter_is_no_error(client: FlaskClient, coordinator: Any) -> None:
    """A person number that is not a number lists unfiltered; a NUL gets the guard's 400."""
    page = client.get("/admin/audit?kind=martian&person_id=abc&staff_id=99999999999&action=x")
    assert page.status_code == 200 and "Nothing recorded matches" in page.get_data(as_text=True)
    assert client.get("/admin/audit?person_id=9%00").status_code == 400


def test_a_viewer_may_not_read_the_trail(client: FlaskClient, viewer: Any) -> None:
    """Old values (a previous address) are for staff who change records, not viewers."""
    assert client.get("/admin/audit").status_code == 403
