"""Admin pages to answer a person's data-protection request: export (and erase) (issue 14)."""

from __future__ import annotations

import io

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import send_file
from flask import url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import StringField
from wtforms import TextAreaField

from app.errors import DomainError
from app.routes.access import admin_required
from app.routes.forms import show_error
from app.services import erasure
from app.services import personal_data
from app.services import subject_access

bp = Blueprint("personal_data", __name__, url_prefix="/admin/people")


class ExportForm(FlaskForm):
    """Only the CSRF token: the POST itself is the request to export."""


@bp.get("/<kind>/<int:person_id>/export")
@admin_required
def export(kind: str, person_id: int) -> str:
    """Show what a subject access export of this person will hold, table by table."""
    who = subject_access.parse_kind(kind)
    person = subject_access.get_person(who, person_id)
    counts = subject_access.preview_export(who, person_id)
    return render_template(
        "personal_data/export.html", kind=who, person=person, counts=counts, form=ExportForm()
    )


@bp.post("/<kind>/<int:person_id>/export")
@admin_required
def export_download(kind: str, person_id: int) -> Response | str:
    """Make the export (audited) and download it as a zip."""
    form = ExportForm()
    if not form.validate_on_submit():
        return export(kind, person_id)
    made = subject_access.export_person(
        subject_access.parse_kind(kind), person_id, actor_id=current_user.id
    )
    response = send_file(
        io.BytesIO(made.data),
        mimetype="application/zip",
        as_attachment=True,
        download_name=made.filename,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


class EraseForm(FlaskForm):
    reason = TextAreaField("Why is this person erased?")
    confirm = StringField("Type the reference to confirm")


@bp.route("/<kind>/<int:person_id>/erase", methods=["GET", "POST"])
@admin_required
def erase(kind: str, person_id: int) -> str | Response | tuple[str, int]:
    """Confirm an erasure on a page of its own (reason and typed reference), then erase."""
    who = subject_access.parse_kind(kind)
    person = subject_access.get_person(who, person_id)
    form = EraseForm()
    status = 200
    if form.validate_on_submit():
        try:
            result = erasure.erase_person(
                who,
                person_id,
                reason=form.reason.data or "",
                confirm=form.confirm.data or "",
                actor_id=current_user.id,
            )
        except DomainError as exc:
            show_error(form, exc)
            status = 400
        else:
            ref = erasure.reference(who, person_id)
            flash(f"{ref} is erased." if not result.already else f"{ref} was already erased.")
            return redirect(url_for("personal_data.erase", kind=who.value, person_id=person_id))
    page = render_template(
        "personal_data/erase.html",
        kind=who,
        person=person,
        form=form,
        reference=erasure.reference(who, person_id),
        stone=personal_data.tombstone(who, person_id),
        counts=[c for c in subject_access.preview_export(who, person_id) if c[1]],
    )
    return (page, status) if status != 200 else page
