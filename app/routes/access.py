"""Who may do what: every page needs a signed-in user; changes need an editing role."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from typing import TypeVar

from flask_login import current_user
from flask_login import login_required

from app.errors import NotAllowed

F = TypeVar("F", bound=Callable[..., Any])


def editor_required(view: F) -> F:
    """Allow coordinators and admins; a viewer gets a clear 403."""

    @functools.wraps(view)
    @login_required
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.can_edit:
            msg = "Your account can look but not change anything. Ask an admin if you need to."
            raise NotAllowed(msg)
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def admin_required(view: F) -> F:
    """Allow admins only."""

    @functools.wraps(view)
    @login_required
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_user.role != "admin":
            msg = "Only an admin can do this."
            raise NotAllowed(msg)
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
