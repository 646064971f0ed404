"""Headers and cookies on every answer (issue 11): a strict CSP, no framing, no sniffing,
cookies scripts cannot read, not sent cross-site, and Secure behind https."""

from __future__ import annotations

from flask.testing import FlaskClient

from app.routes.headers import content_security_policy
from app.routes.headers import tile_source
from tests.conftest import PASSWORD
from tests.conftest import make_test_app


def test_every_answer_carries_the_policy_and_friends(client: FlaskClient) -> None:
    """Pages, errors and the public directory all say: scripts and styles from here only."""
    for path in ("/login", "/directory/", "/no-such-page", "/healthz"):
        headers = client.get(path).headers
        policy = headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy
        assert "script-src 'self';" in policy and "unsafe" not in policy
        assert "style-src 'self';" in policy
        assert "frame-ancestors 'none'" in policy
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"


def test_map_tiles_are_allowed_only_from_their_host() -> None:
    """img-src gains the MAP_TILE_URL host, with {s} as a wildcard label; nothing else."""
    assert "img-src 'self' data:;" in content_security_policy(None)
    osm = content_security_policy("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png")
    assert "img-src 'self' data: https://*.tile.openstreetmap.org;" in osm
    assert tile_source("https://tiles.bureau.example:8443/{z}/{x}/{y}.png") == (
        "https://tiles.bureau.example:8443"
    )
    assert tile_source("/tiles/{z}/{x}/{y}.png") is None
    assert tile_source("javascript:alert(1)") is None
    app = make_test_app(MAP_TILE_URL="https://tiles.bureau.example/{z}/{x}/{y}.png")
    policy = app.test_client().get("/login").headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://tiles.bureau.example;" in policy


def _sign_in_cookies(client: FlaskClient) -> list[str]:
    from app.services.auth import create_user

    create_user("cora@bureau.example", "Cora", PASSWORD, "coordinator")
    response = client.post(
        "/login", data={"email": "cora@bureau.example", "password": PASSWORD, "remember": "y"}
    )
    assert response.status_code == 302
    return response.headers.getlist("Set-Cookie")


def test_cookies_are_httponly_and_samesite_lax(client: FlaskClient) -> None:
    """Session and remember-me cookies: HttpOnly, SameSite=Lax; not Secure on plain http."""
    cookies = _sign_in_cookies(client)
    names = {c.split("=", 1)[0] for c in cookies}
    assert {"session", "remember_token"} <= names
    for cookie in cookies:
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie, cookie
        assert "Secure" not in cookie, cookie


def test_cookies_are_secure_when_the_public_address_is_https() -> None:
    """PUBLIC_BASE_URL=https://… makes every cookie Secure."""
    app = make_test_app(PUBLIC_BASE_URL="https://rota.bureau.example")
    with app.app_context():
        cookies = _sign_in_cookies(app.test_client())
        assert "max-age" in app.test_client().get("/login").headers["Strict-Transport-Security"]
    assert cookies and all("Secure" in c for c in cookies), cookies


def test_one_proxy_is_believed_when_configured() -> None:
    """PROXY_FIX=1: the proxy's X-Forwarded-Proto makes the app see https (and its address)."""
    app = make_test_app(PROXY_FIX=1)

    @app.get("/_seen")
    def seen() -> str:
        from flask import request

        return f"{request.scheme} {request.remote_addr}"

    answer = app.test_client().get(
        "/_seen", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    )
    assert answer.get_data(as_text=True) == "https 203.0.113.9"
