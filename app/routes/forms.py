"""Small helpers every form page shares: enum choices, trimmed values, errors by the field."""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

from flask import flash
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from app.errors import DomainError
from app.errors import InvalidFields
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
    """Put a service's refusal next to the field it names (else at the top); keep the form.

    A refusal of several fields (:class:`InvalidFields`) puts each by its field, so the error
    summary lists them all at once (issue 13).
    """
    problems = exc.problems if isinstance(exc, InvalidFields) else [(exc.field, exc.message)]
    for name, message in problems:
        if name is not None and name in form:
            errors = list(form[name].errors)
            if message not in errors:
                form[name].errors = [*errors, message]
        else:
            flash(message, "error")
    db.session.rollback()


def also_check(form: FlaskForm, check: Callable[[], object]) -> None:
    """When the form's own checks failed, still ask the service's rules (``check`` writes
    nothing) so every problem shows at once; a field already wrong keeps its first answer."""
    try:
        check()
    except DomainError as exc:
        problems = exc.problems if isinstance(exc, InvalidFields) else [(exc.field, exc.message)]
        for name, message in problems:
            if name is not None and name in form and not form[name].errors:
                form[name].errors = [message]
    db.session.rollback()
