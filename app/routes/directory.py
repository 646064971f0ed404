"""The public directory of support services: no sign-in, large text, printable."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint
from flask import render_template

from app.extensions import db
from app.models import Service

bp = Blueprint("directory", __name__, url_prefix="/directory")


@bp.get("/")
def index() -> str:
    """List the borough's support services with their phone numbers."""
    services = db.session.scalars(sa.select(Service).order_by(Service.category, Service.name)).all()
    return render_template("directory/index.html", services=services)
