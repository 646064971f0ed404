"""A browser tab shows the bureau's icon, not a 404 in every server log (issue 13)."""

from __future__ import annotations

import re


def test_a_browser_asking_for_favicon_ico_gets_an_icon(client):
    response = client.get("/favicon.ico", follow_redirects=True)

    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.data.lstrip().startswith(b"<svg")
    # No script inside: the icon is a picture only.
    assert b"<script" not in response.data


def test_every_page_links_the_icon_from_this_site_so_the_policy_allows_it(client):
    page = client.get("/login")

    assert page.status_code == 200
    link = re.search(r'<link rel="icon" type="image/svg\+xml" href="([^"]+)"', page.text)
    assert link is not None
    href = link.group(1)
    # ``img-src 'self'`` in the Content-Security-Policy covers a path on this site.
    assert href.startswith("/static/")
    assert "img-src 'self'" in page.headers["Content-Security-Policy"]
    assert client.get(href).status_code == 200
