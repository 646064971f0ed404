"""Browser libraries installed from npm (``package.json``), served by the app: never a CDN.

``npm install`` (run by ``scripts/lib.sh``) puts Leaflet in ``node_modules/``; nothing is copied
into the repository; a built wheel carries a copy (``app/paths.py``). Without either the map
pages fall back to drawing routes as plain SVG.
"""

from __future__ import annotations

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import redirect
from flask import send_from_directory
from flask import url_for
from werkzeug.wrappers import Response

from app.paths import leaflet_dir

bp = Blueprint("assets", __name__, url_prefix="/assets")

# Only these folders are served, so nothing else in node_modules leaks out.
PACKAGES = {"leaflet": leaflet_dir()}


@bp.get("/<package>/<path:filename>")
def vendor(package: str, filename: str) -> Response:
    """Serve a file of an allowed npm package's distribution folder."""
    root = PACKAGES.get(package)
    if root is None or not root.is_dir():
        abort(404)
    return send_from_directory(
        root, filename, max_age=current_app.config.get("ASSET_MAX_AGE", 86400)
    )


# Browsers ask for /favicon.ico whatever the page links; outside the /assets prefix.
site = Blueprint("site", __name__)


@site.get("/favicon.ico")
def favicon() -> Response:
    """The tab icon: a small SVG under ``static/`` (``img-src 'self'`` allows it), not a 404."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)
