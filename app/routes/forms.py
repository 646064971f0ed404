"""Small helpers every form page shares: enum choices, trimmed values, errors by the field."""

from __future__ import annotations

import enum
from typing import Any

from flask import flash
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from app.errors import DomainError
from app.extensions import db


def enum_choices(enum_cls: type[enum.StrEnum]) -> list[SelectChoice]:
    """The members of a StrEnum as select options with readable labels."""
    return [SelectChoice(m.value, m.value.replace("_", " ").capitalize()) for m in enum_cls]


def form_values(form: FlaskForm, names: list[str]) -> dict[str, Any]:
    """The named fields' data, strings trimmed, missing values as empty strings."""
    values = {}
    for name in names:
        value = form[name].data
        if isinstance(value, str):
            value = value.strip()
        values[name] = value if value is not None else ""
    return values


def show_error(form: FlaskForm, exc: DomainError) -> None:
    """Put a service's refusal next to the field it names (else at the top); keep the form."""
    field = exc.field if exc.field in form else None
    if field is not None:
        form[field].errors = [*form[field].errors, exc.message]
    else:
        flash(exc.message, "error")
    db.session.rollback()
