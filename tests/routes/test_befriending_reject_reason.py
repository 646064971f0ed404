"""The reason a befriending proposal is rejected is asked for with Reject, not under Accept.

Issue 13: the required "Reason" box sat under "Accept and introduce", so a coordinator about
to accept thought they had to give a reason, and one rejecting could not tell it was theirs.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

from app.models import Pairing
from tests.services.test_befriending import befriender
from tests.services.test_befriending import waiting


def test_the_reason_box_belongs_to_reject_and_accept_asks_for_nothing(client, coordinator, db):
    waiting()
    befriender()
    client.post("/befriending/propose")
    pairing = db.session.scalars(sa.select(Pairing)).one()

    page = client.get("/befriending/").get_data(as_text=True)

    accept = re.search(
        rf'<form[^>]*action="/befriending/{pairing.id}/accept".*?</form>', page, re.S
    )
    reject = re.search(
        rf'<form[^>]*action="/befriending/{pairing.id}/reject".*?</form>', page, re.S
    )
    assert accept is not None and reject is not None
    assert "reason" not in accept.group(0).lower()
    group = re.search(r"<fieldset[^>]*>(.*?)</fieldset>", reject.group(0), re.S)
    assert group is not None, "the reason and the Reject button are one group"
    inside = group.group(1)
    assert "<legend>Or reject</legend>" in inside
    assert f'name="reject-{pairing.id}-reason"' in inside
    assert ">Why reject?</label>" in inside
    assert "Needed to reject" in inside
    assert '<button type="submit">Reject</button>' in inside
