"""A volunteer's real role, in words, on the texts log and their pages: a befriender is not
"(driver)" (issue 13)."""

from __future__ import annotations

from app.services.conversations import handle_inbound
from tests.factories import make_volunteer


def test_a_befrienders_text_is_labelled_befriender_in_the_texts_log(client, coordinator, db):
    amina = make_volunteer(
        first_name="Amina", last_name="Shah", is_driver=False, is_befriender=True, car_seats=0
    )
    dev = make_volunteer(first_name="Dev", last_name="Patel")
    both = make_volunteer(first_name="Rose", last_name="Hill", is_befriender=True)
    handle_inbound(amina.phone, "Mr Hill was out today", "SMroles000000000000000000000000001")
    handle_inbound(dev.phone, "thanks", "SMroles000000000000000000000000002")
    handle_inbound(both.phone, "thanks", "SMroles000000000000000000000000003")

    page = client.get("/messages/").get_data(as_text=True)

    assert "Amina Shah</a> (befriender)" in page
    assert "Amina Shah</a> (driver)" not in page
    assert "Dev Patel</a> (driver)" in page
    assert "Rose Hill</a> (driver and befriender)" in page


def test_a_volunteers_page_says_driver_and_befriender_in_words(client, coordinator, db):
    rose = make_volunteer(first_name="Rose", last_name="Hill", is_befriender=True)

    page = client.get(f"/people/volunteers/{rose.id}").get_data(as_text=True)
    listing = client.get("/people/volunteers").get_data(as_text=True)

    assert "<dd>driver and befriender</dd>" in page
    assert "<td>driver and befriender</td>" in listing
