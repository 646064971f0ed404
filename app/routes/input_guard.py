"""Every form field and query argument is checked before any view runs (issue 11).

The rule itself is ``services/input_rules.py:check_text`` (no NUL, no control characters, a
sane length); this hook applies it at the root so every page, present and future, is covered.
A view that must take anything and store it first (Twilio's inbound webhook) is marked with
:func:`takes_raw_input` and cleans its input itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from typing import TypeVar

from flask import Flask
from flask import current_app
from flask import request
from werkzeug.routing import IntegerConverter
from werkzeug.routing import Map

from app.services.input_rules import MAX_INT
from app.services.input_rules import check_text

F = TypeVar("F", bound=Callable[..., Any])


def takes_raw_input(view: F) -> F:
    """Mark a view that cleans and stores its own input (the guard lets it through)."""
    view.takes_raw_input = True  # type: ignore[attr-defined]
    return view


def _check_request() -> None:
    view = current_app.view_functions.get(request.endpoint or "")
    if view is not None and getattr(view, "takes_raw_input", False):
        return
    for name, value in request.args.items(multi=True):
        check_text(value, field=name[:40])
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        for name, value in request.form.items(multi=True):
            check_text(value, field=name[:40])


class BoundedIntConverter(IntegerConverter):
    """``<int:id>`` that matches only ids the database can hold; a larger one is a plain 404."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:  # noqa: A002
        kwargs.setdefault("max", MAX_INT)
        super().__init__(map, *args, **kwargs)


def init_input_guard(app: Flask) -> None:
    """Check every request's form fields and query arguments before its view runs.

    Also bounds ``<int:...>`` in every route (call before the blueprints are registered).
    """
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(_check_request)
