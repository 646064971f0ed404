"""Staff accounts: create, sign in, and load the signed-in user."""

from __future__ import annotations

import sqlalchemy as sa
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

from app.errors import Conflict
from app.errors import InvalidInput
from app.extensions import db
from app.models import StaffRole
from app.models import StaffUser
from app.models.base import now_utc

MIN_PASSWORD_LENGTH = 10


def create_user(email: str, name: str, password: str, role: str) -> StaffUser:
    """Create a staff account with a hashed password."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        msg = f"'{email}' is not an email address."
        raise InvalidInput(msg, field="email")
    try:
        staff_role = StaffRole(role)
    except ValueError:
        choices = ", ".join(r.value for r in StaffRole)
        msg = f"Role must be one of {choices}."
        raise InvalidInput(msg, field="role") from None
    if len(password) < MIN_PASSWORD_LENGTH:
        msg = f"The password must be at least {MIN_PASSWORD_LENGTH} characters."
        raise InvalidInput(msg, field="password")
    if db.session.scalar(sa.select(StaffUser).where(StaffUser.email == email)) is not None:
        msg = f"There is already an account for {email}."
        raise Conflict(msg, field="email")
    user = StaffUser(
        email=email,
        name=name.strip() or email,
        password_hash=generate_password_hash(password),
        role=staff_role,
    )
    db.session.add(user)
    db.session.commit()
    return user


def authenticate(email: str, password: str) -> StaffUser | None:
    """Return the active user with this email and password, or None."""
    user = db.session.scalar(sa.select(StaffUser).where(StaffUser.email == email.strip().lower()))
    if user is None or not user.active or not check_password_hash(user.password_hash, password):
        return None
    user.last_login_at = now_utc()
    db.session.commit()
    return user


def load_user(user_id: str) -> StaffUser | None:
    """Flask-Login's user loader."""
    try:
        return db.session.get(StaffUser, int(user_id))
    except ValueError:
        return None
