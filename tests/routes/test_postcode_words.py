"""A postcode the bureau cannot place is explained in a coordinator's words (issue 13).

The form said "We do not know where SW1A 1AA is ... the postcode table needs updating (flask
geo import-postcodes)": a command a coordinator cannot run, and "unknown" for a postcode that
is simply outside the borough.
"""

from __future__ import annotations

import html

import sqlalchemy as sa

from app.models import Resident
from tests.factories import add_postcode


def _register(client, postcode: str) -> str:
    response = client.post(
        "/people/residents/new",
        data={
            "first_name": "Joan",
            "last_name": "Smith",
            "phone": "07700 900123",
            "postcode": postcode,
            "mobility": "none",
            "risk_tier": "medium",
            "gender": "unstated",
        },
    )
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def test_a_london_postcode_is_outside_the_area_not_unknown(client, coordinator, db):
    add_postcode("IG11 7NB")
    add_postcode("RM10 9QS")

    page = _register(client, "sw1a1aa")

    assert "SW1A 1AA is outside the area the bureau covers. Check it with the resident." in page
    assert 'id="postcode-error"' in page
    assert "flask" not in page and "import-postcodes" not in page
    assert "do not know where" not in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Resident)) == 0


def test_a_missing_postcode_in_a_borough_district_may_be_new_or_over_the_border(
    client, coordinator, db
):
    add_postcode("RM10 9QS")

    page = _register(client, "RM10 9ZZ")

    assert "RM10 9ZZ is not in the borough's postcode list" in page
    assert "ask your admin to update the list" in page
    assert "flask" not in page


def test_an_empty_postcode_list_is_for_the_admin_to_load(client, coordinator, db):
    page = _register(client, "IG11 7NB")

    assert "the borough's postcode list is empty. Please ask your admin to load it." in page
    assert "flask" not in page
