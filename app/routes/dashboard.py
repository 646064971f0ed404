"""Tomorrow at a glance."""

from __future__ import annotations

from flask import Blueprint
from flask import render_template
from flask_login import login_required

from app.services.dashboard import tomorrow_at_a_glance

bp = Blueprint("dashboard", __name__)


@bp.get("/")
@login_required
def index() -> str:
    """Show what tomorrow looks like and what needs a coordinator's attention."""
    return render_template("dashboard/index.html", summary=tomorrow_at_a_glance())
