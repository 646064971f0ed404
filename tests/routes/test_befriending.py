"""Coordinators run befriending from proposal to ended pairing on the staff pages (issue #5)."""

from __future__ import annotations

import sqlalchemy as sa

from app.models import Message
from app.models import Pairing
from app.models import PairingStatus
from tests.services.test_befriending import befriender
from tests.services.test_befriending import waiting


def _only_pairing(db) -> Pairing:
    db.session.expire_all()
    (row,) = db.session.scalars(sa.select(Pairing)).all()
    return row


def test_lifecycle_from_proposal_to_ended_pairing(client, coordinator, db):
    """Propose, read the reasons, accept, see it active, end it with a reason, see the history."""
    resident = waiting(first_name="Joan")
    volunteer = befriender(first_name="Priya")
    page = client.get("/befriending/").get_data(as_text=True)
    assert "Propose now" in page and "A suitable befriender is free now" in page

    response = client.post("/befriending/propose", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "1 proposals to decide" in page
    pairing = _only_pairing(db)
    assert pairing.status == PairingStatus.PROPOSED
    assert resident.full_name in page and volunteer.full_name in page
    assert "gardening" in page and f"{pairing.score:.2f}" in page
    assert f"/befriending/{pairing.id}/accept" in page

    response = client.post(f"/befriending/{pairing.id}/accept", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "are paired" in page and "Active pairings (1)" in page
    assert _only_pairing(db).status == PairingStatus.ACTIVE
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Message)) == 2

    response = client.post(
        f"/befriending/{pairing.id}/end",
        data={f"end-{pairing.id}-ended_by": "resident", f"end-{pairing.id}-reason": "Moved"},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "back on the waiting list" in page and "Moved" in page
    ended = _only_pairing(db)
    assert (ended.status, ended.ended_by, ended.end_reason) == (
        PairingStatus.ENDED,
        "resident",
        "Moved",
    )
    assert "Active pairings (0)" in page and "Waiting for a befriender (1)" in page


def test_reject_from_the_page_needs_a_reason(client, coordinator, db):
    """A rejection without a reason is refused with a message; with one it is kept."""
    waiting()
    befriender()
    client.post("/befriending/propose")
    pairing = _only_pairing(db)
    field = f"reject-{pairing.id}-reason"
    page = client.post(
        f"/befriending/{pairing.id}/reject", data={field: ""}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Please give a reason" in page
    assert _only_pairing(db).status == PairingStatus.PROPOSED
    page = client.post(
        f"/befriending/{pairing.id}/reject", data={field: "Knows the family"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Knows the family" in page
    assert _only_pairing(db).status == PairingStatus.REJECTED


def test_refused_acceptance_shows_the_reason(client, coordinator, db):
    """Accepting after the befriender's DBS check lapsed is refused with the reason shown."""
    waiting()
    volunteer = befriender()
    client.post("/befriending/propose")
    pairing = _only_pairing(db)
    volunteer.dbs_valid_until = None
    db.session.commit()
    page = client.post(f"/befriending/{pairing.id}/accept", follow_redirects=True).get_data(
        as_text=True
    )
    assert "cannot be accepted now" in page and "no DBS check" in page
    assert _only_pairing(db).status == PairingStatus.PROPOSED


def test_viewer_sees_proposals_but_cannot_accept(client, viewer, db):
    """A viewer reads the page without decision buttons and gets 403 when posting."""
    waiting()
    befriender()
    from app.services import befriending
    from tests.services.test_befriending import DAY

    (pairing_id,) = befriending.propose_pairings(actor_id=None, day=DAY).pairing_ids
    page = client.get("/befriending/").get_data(as_text=True)
    assert "Proposals to decide (1)" in page and "Accept and introduce" not in page
    assert client.post(f"/befriending/{pairing_id}/accept").status_code == 403
    assert client.post("/befriending/propose").status_code == 403
    assert _only_pairing(db).status == PairingStatus.PROPOSED
