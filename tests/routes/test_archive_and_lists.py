"""Issue 13: archive and restore from a person's page; lists hide archived people unless asked
and say "Showing 51–60 of 60" instead of stopping at 200 rows silently."""

from __future__ import annotations

from app.extensions import db as _db
from app.models import Resident
from tests.factories import make_resident
from tests.factories import make_volunteer


def test_a_coordinator_archives_and_restores_a_resident(client, coordinator, db):
    joan = make_resident(first_name="Joan", last_name="Archer")
    page = client.get(f"/people/residents/{joan.id}").get_data(as_text=True)
    assert "Why archive Joan?" in page
    done = client.post(
        f"/people/residents/{joan.id}/archive", data={"reason": "Moved away"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Joan Archer is archived" in done and "Moved away" in done and "Restore Joan" in done
    assert "Joan Archer" not in client.get("/people/residents").get_data(as_text=True)
    shown = client.get("/people/residents?archived=1").get_data(as_text=True)
    assert "Joan Archer" in shown and "archived</span>" in shown
    client.post(f"/people/residents/{joan.id}/restore")
    assert _db.session.get(Resident, joan.id).active is True


def test_archive_without_a_reason_is_refused_in_words(client, coordinator, db):
    dev = make_volunteer(first_name="Dev")
    page = client.post(
        f"/people/volunteers/{dev.id}/archive", data={"reason": ""}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Please say why they are being archived" in page
    assert _db.session.get(type(dev), dev.id).active is True


def test_a_viewer_cannot_archive(client, viewer, db):
    joan = make_resident()
    assert (
        client.post(f"/people/residents/{joan.id}/archive", data={"reason": "x"}).status_code == 403
    )
    assert "Why archive" not in client.get(f"/people/residents/{joan.id}").get_data(as_text=True)


def test_lists_say_n_of_m_and_page_on(client, coordinator, db):
    """60 residents: page 1 shows 1–50 of 60 and a Next link that keeps the search."""
    for n in range(60):
        make_resident(first_name="Mabel", last_name=f"Page{n:03d}")
    make_resident(first_name="Zed", last_name="Other")
    first = client.get("/people/residents?q=mabel").get_data(as_text=True)
    assert "Showing 1–50 of 60 residents" in first and "Page 1 of 2" in first
    assert "page=2" in first and "q=mabel" in first
    second = client.get("/people/residents?q=mabel&page=2").get_data(as_text=True)
    assert "Showing 51–60 of 60 residents" in second and "Mabel Page059" in second
    assert "Mabel Page000" not in second
    beyond = client.get("/people/residents?q=mabel&page=99").get_data(as_text=True)
    assert "Showing 51–60 of 60" in beyond
    odd = client.get("/people/residents?page=abc").get_data(as_text=True)
    assert "Showing 1–50 of 61 residents" in odd
