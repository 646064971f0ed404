"""Security headers on every response: a Content-Security-Policy and friends (issue 11).

Found by testing: a surname of ``<img src=x onerror=...>`` ran in every staff member's browser
through the rota map, and an inline ``onsubmit`` confirm decoded ``&#39;`` into script. The
scripts now build text nodes and no page has inline handlers or inline ``<script>`` code, so
the policy can forbid both: ``script-src 'self'`` with no ``unsafe-inline`` or ``unsafe-eval``.
Styles are ``'self'`` too: positions and colours that came from data (the rota's timeline) are
``data-`` attributes that ``static/page.js`` turns into CSSOM properties, which CSP allows.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Flask
from flask import Response

_PLACEHOLDER = re.compile(r"\{[^}]*\}")


def tile_source(url: str | None) -> str | None:
    """The CSP source for a Leaflet tile URL template, e.g. ``https://*.tile.example.org``.

    ``{s}`` (and any other placeholder) in the host becomes a wildcard label; a URL with no
    host (a path on this site) needs nothing beyond ``'self'``.
    """
    if not url:
        return None
    parts = urlsplit(url)
    if not parts.netloc or parts.scheme not in ("http", "https"):
        return None
    host = parts.netloc.rsplit("@", 1)[-1]
    labels = [("*" if _PLACEHOLDER.search(label) else label) for label in host.split(".")]
    # A wildcard is allowed only as the first label; beyond it, allow the whole scheme+port.
    if "*" in labels[1:]:
        return f"{parts.scheme}:"
    return f"{parts.scheme}://{'.'.join(labels)}"


def content_security_policy(tile_url: str | None) -> str:
    """The policy every page works under (the browser suite fails on any violation)."""
    images = ["'self'", "data:"]
    tiles = tile_source(tile_url)
    if tiles:
        images.append(tiles)
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": " ".join(images),
        "connect-src": "'self'",
        "font-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def init_security_headers(app: Flask) -> None:
    """Add the policy, framing, sniffing and referrer headers to every response."""
    headers = {
        "Content-Security-Policy": content_security_policy(app.config.get("MAP_TILE_URL")),
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if str(app.config.get("PUBLIC_BASE_URL", "")).lower().startswith("https://"):
        # Served over https: browsers keep to https for a year (no subdomains: the bureau's
        # other sites are not ours to decide for).
        headers["Strict-Transport-Security"] = "max-age=31536000"

    @app.after_request
    def _add_headers(response: Response) -> Response:
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response
