"""A live app on localhost and headless Chromium (Debian's) driven by Playwright."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.conftest import REPO
from tests.conftest import make_test_app

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"


def launch_chromium(playwright: Any) -> Any:
    """Debian's Chromium, headless, with nothing reaching out to the network."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


class LiveServer:
    """The app served by werkzeug in a thread (threaded, like a real server)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.thread.join(5)


def live_app(tmp: Path, **overrides: Any) -> Flask:
    """An app on a file SQLite database (or the PostgreSQL test database), CSRF on."""
    config: dict[str, Any] = {
        "WTF_CSRF_ENABLED": True,
        "SERVER_NAME": None,
        "PLAN_TIME_LIMIT_S": 1,
        "PROPAGATE_EXCEPTIONS": False,
        "TESTING": False,
    }
    if not os.environ.get("TEST_DATABASE_URL"):
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp / 'browser.sqlite'}"
    config.update(overrides)
    return make_test_app(**config)


@pytest.fixture(scope="module")
def playwright_browser() -> Iterator[Any]:
    """One Chromium for the module; skipped with the reason when it is not installed."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    with sync_api.sync_playwright() as pw:
        browser = launch_chromium(pw)
        yield browser
        browser.close()


AXE_JS = REPO / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(page: Any, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """Run axe-core (from npm, served from disk) on the page; the findings of these impacts.

    Each finding is one line: rule id, impact, and the first offending elements, so a failing
    assert says what to fix.
    """
    if not AXE_JS.exists():
        pytest.skip(f"axe-core is not installed at {AXE_JS} (npm install)")
    # Evaluated through the DevTools protocol, not a <script> tag, so the page's
    # Content-Security-Policy (script-src 'self') neither blocks it nor reports it.
    page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    results = page.evaluate("async () => await axe.run(document)")
    found = []
    for v in results["violations"]:
        if v["impact"] in impacts:
            targets = ", ".join(str(n["target"]) for n in v["nodes"][:3])
            found.append(f"{v['id']} ({v['impact']}): {targets}")
    return found


def screenshot(page: Any, name: str) -> None:
    """Save a full-page screenshot for people to look at (not committed)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
