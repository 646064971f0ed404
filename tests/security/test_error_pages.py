"""Every error page is plain words (issue 11), and works under the CSP (no javascript: links)."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.conftest import make_test_app
from tests.conftest import sign_in


@pytest.fixture()
def failing_app() -> Flask:
    app = make_test_app(PROPAGATE_EXCEPTIONS=False, TESTING=False)

    @app.route("/_broken", methods=["GET", "POST"])
    def broken() -> str:
        msg = "simulated failure"
        raise RuntimeError(msg)

    return app


def test_a_failure_says_what_we_know_in_plain_words(failing_app: Flask) -> None:
    """A 500 never claims "Nothing was saved" after a post that may have saved something."""
    client = failing_app.test_client()
    with failing_app.app_context():
        sign_in(client)
        shown = client.get("/_broken")
        posted = client.post("/_broken")
    assert shown.status_code == posted.status_code == 500
    assert "This page could not be shown" in shown.get_data(as_text=True)
    words = posted.get_data(as_text=True)
    assert "Look whether your change is there" in words and "Nothing was saved" not in words
    for page in (shown, posted):
        assert "Traceback" not in page.get_data(as_text=True)
        assert "javascript:" not in page.get_data(as_text=True)


def test_http_errors_are_words_too(failing_app: Flask) -> None:
    """404 and 405 in words; JSON callers get JSON."""
    client = failing_app.test_client()
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and "Not Found" in missing.get_data(as_text=True)
    assert client.put("/login").status_code == 405
    as_json = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert as_json.get_json()["error"] == "Not Found"
