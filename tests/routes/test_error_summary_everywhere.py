"""Issue 13: every form answers with a GOV.UK error summary at the top ("There is a problem",
each problem a link to its field), not only the people forms."""

from __future__ import annotations

from tests.factories import make_volunteer


def _summary_links(page: str) -> list[str]:
    start = page.index('class="error-summary"')
    block = page[start : page.index("</div>", start)]
    return [part.split('"')[0] for part in block.split('href="#')[1:]]


def test_the_lift_form_summarises_its_problems(client, coordinator, db):
    page = client.post("/lifts/new", data={"day": "", "arrive_by": "99:99"}).get_data(as_text=True)
    assert "There is a problem" in page
    # No resident chosen, no day, an impossible time: all three at once.
    assert {"resident-q", "day", "arrive_by"} <= set(_summary_links(page))


def test_the_availability_page_summarises_every_window_wrong(client, coordinator, db):
    dev = make_volunteer(weekly=[])
    page = client.post(
        f"/people/volunteers/{dev.id}/availability",
        data={
            "w0-0-start": "10:00",
            "w0-0-end": "09:00",
            "w2-0-start": "25:00",
            "w2-0-end": "12:00",
        },
    ).get_data(as_text=True)
    assert _summary_links(page) == ["w0-0-end", "w2-0-start"]


def test_a_place_form_summarises_its_problems(client, coordinator, db):
    page = client.post("/places/venues/new", data={"name": "", "postcode": "nonsense"}).get_data(
        as_text=True
    )
    assert "There is a problem" in page and _summary_links(page)
