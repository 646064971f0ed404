"""Staff accounts: create, sign in (throttled), sessions that can be revoked, and the admin's
levers (disable, enable, set a password, clear a throttle).

Found by testing (issue 11): 30 wrong passwords in 6.5 s and then the right one worked; an
unknown email answered in 6 ms and a known one in 126 ms; a session cookie captured before
sign-out still worked after it; the remember-me cookie lasted a year and was the same value at
every sign-in; a read-only database let nobody sign in. So:

- **Throttling** counts failures only, with the one rate limiter (``app/limiter.py``): per
  address, and per account from browsers that have never signed in to it. A browser that has
  signed in to the account before carries a signed *device cookie* and is counted on its own,
  so a stranger hammering a coordinator's email slows only strangers down and never locks the
  coordinator out (OWASP's device cookies). Over a limit the answer is 429 with the wait.
- **Same answer and time** for unknown emails, disabled accounts and wrong passwords: a dummy
  hash is checked when there is no account.
- **Sessions** carry the account's ``session_version`` and a fresh random nonce
  (``<id>:<version>:<nonce>``): every request checks the version, and sign-out, a password
  change or disabling the account bumps it, ending every session and remember-me cookie issued
  before. The nonce makes each sign-in's cookie different.
"""

from __future__ import annotations

import functools
import hmac
import logging
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from itsdangerous import BadSignature
from itsdangerous import URLSafeSerializer
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

from app import limiter
from app.errors import Conflict
from app.errors import InvalidInput
from app.errors import NotFound
from app.errors import TooManyAttempts
from app.extensions import db
from app.models import StaffRole
from app.models import StaffUser
from app.models.base import now_utc
from app.services.audit import record_change
from app.services.passwords import MIN_PASSWORD_LENGTH
from app.services.passwords import check_password

__all__ = ["MIN_PASSWORD_LENGTH"]

log = logging.getLogger(__name__)

# Failures only. Several windows give growing delays: the 6th failure in a minute waits for the
# minute, the 11th in a quarter of an hour waits for it, and so on (target: after 10 failures
# for one account, 429).
ADDRESS_RULE = "sign-in-address"
ACCOUNT_RULE = "sign-in-account"
DEVICE_RULE = "sign-in-device"
limiter.register_rule(ADDRESS_RULE, "20 per minute; 60 per 15 minutes; 300 per day")
limiter.register_rule(ACCOUNT_RULE, "5 per minute; 10 per 15 minutes; 30 per day")
limiter.register_rule(DEVICE_RULE, "5 per minute; 10 per 15 minutes; 30 per day")
_DEVICE_SALT = "sign-in-device"


def _normal_email(email: str) -> str:
    return email.strip().lower()


@functools.cache
def _dummy_hash() -> str:
    """A hash made the same way as real ones, checked when there is no account (timing)."""
    return generate_password_hash(secrets.token_urlsafe(16))


def create_user(email: str, name: str, password: str, role: str) -> StaffUser:
    """Create a staff account with a hashed password."""
    email = _normal_email(email)
    if "@" not in email or len(email) > 254:
        msg = f"'{email}' is not an email address."
        raise InvalidInput(msg, field="email")
    try:
        staff_role = StaffRole(role)
    except ValueError:
        choices = ", ".join(r.value for r in StaffRole)
        msg = f"Role must be one of {choices}."
        raise InvalidInput(msg, field="role") from None
    check_password(password)
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


# --- sign-in -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SignIn:
    """A successful sign-in: the user, the session id to store, and the device cookie value."""

    user: StaffUser
    session_id: str
    device_token: str


def _device_serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=_DEVICE_SALT)


def _email_key(email: str, secret: str) -> str:
    return hmac.new(secret.encode(), email.encode(), "sha256").hexdigest()[:24]


def device_token(email: str, *, secret: str) -> str:
    """A signed cookie value saying "this browser has signed in to this account" (no email)."""
    payload = {"a": _email_key(_normal_email(email), secret), "d": secrets.token_urlsafe(12)}
    return _device_serializer(secret).dumps(payload)


def _device_id(token: str | None, email: str, *, secret: str) -> str | None:
    """The device's id when ``token`` is a valid device cookie for ``email``, else None."""
    if not token:
        return None
    try:
        payload = _device_serializer(secret).loads(token)
    except BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("a") != _email_key(email, secret):
        return None
    return str(payload.get("d") or "") or None


def _throttles(email: str, address: str, device: str | None) -> list[tuple[str, str]]:
    """The (rule, key) pairs a sign-in attempt is counted under."""
    pairs = [(ADDRESS_RULE, address)]
    if device is not None:
        pairs.append((DEVICE_RULE, f"{email}|{device}"))
    else:
        pairs.append((ACCOUNT_RULE, email))
    return pairs


def sign_in(
    email: str, password: str, *, address: str, device_cookie: str | None, secret: str
) -> SignIn | None:
    """Check a sign-in: the user and cookies, or None for a wrong email or password.

    Raises TooManyAttempts (429) when this address, or this account from an unknown browser,
    has failed too often; the password is then not even checked. Unknown emails take as long
    as known ones and get the same answer.
    """
    email = _normal_email(email)
    device = _device_id(device_cookie, email, secret=secret)
    throttles = _throttles(email, address, device)
    for rule, key in throttles:
        verdict = limiter.check(rule, key)
        if not verdict.allowed:
            msg = (
                "Too many failed sign-ins. Please wait "
                f"{verdict.wait_words} and try again, or ask an admin to clear it."
            )
            raise TooManyAttempts(msg, retry_after_s=verdict.retry_after_s)
    user = db.session.scalar(sa.select(StaffUser).where(StaffUser.email == email))
    # Always check one hash, so an unknown email takes as long as a wrong password.
    password_ok = check_password_hash(user.password_hash if user else _dummy_hash(), password)
    if user is None or not user.active or not password_ok:
        for rule, key in throttles:
            limiter.hit(rule, key)
        return None
    # A good sign-in from a known browser forgets that browser's failures.
    if device is not None:
        limiter.clear(DEVICE_RULE, f"{email}|{device}")
    _note_last_login(user)
    return SignIn(
        user=user,
        session_id=session_id(user, secrets.token_urlsafe(9)),
        device_token=device_cookie
        if device and device_cookie
        else device_token(email, secret=secret),
    )


def _note_last_login(user: StaffUser) -> None:
    """Record the sign-in time; a read-only database must not stop staff signing in to read."""
    user_id = user.id
    try:
        user.last_login_at = now_utc()
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        log.warning("could not record a sign-in time (database read-only?)", exc_info=True)
        db.session.get(StaffUser, user_id)


def clear_sign_in_throttle(email: str, *, address: str | None = None) -> None:
    """Forget an account's failed sign-ins (and an address's, if given): an admin's lever."""
    limiter.clear(ACCOUNT_RULE, _normal_email(email))
    if address:
        limiter.clear(ADDRESS_RULE, address)


# --- sessions ------------------------------------------------------------------------------


def session_id(user: StaffUser, nonce: str) -> str:
    """What the session and the remember-me cookie hold: ``<id>:<version>:<nonce>``."""
    return f"{user.id}:{user.session_version}:{nonce}"


def load_user(user_id: str) -> StaffUser | None:
    """Flask-Login's user loader: the user, if the cookie's session version is still current."""
    parts = user_id.split(":")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    user = db.session.get(StaffUser, int(parts[0]))
    if user is None or not user.active or user.session_version != int(parts[1]):
        return None
    return user


def end_sessions(user: StaffUser) -> None:
    """Make every session and remember-me cookie of ``user`` stop working (caller commits)."""
    user.session_version = (user.session_version or 0) + 1


def sign_out(user_id: int) -> None:
    """Sign out everywhere: every cookie issued to this account before now stops working."""
    user = db.session.get(StaffUser, user_id)
    if user is None:
        return
    try:
        end_sessions(user)
        db.session.commit()
    except SQLAlchemyError:
        # Read-only database: the browser's cookie is still dropped by the caller.
        db.session.rollback()
        log.warning("could not end sessions at sign-out (database read-only?)", exc_info=True)


# --- the admin's levers --------------------------------------------------------------------


def list_users() -> list[StaffUser]:
    """Every staff account, by email."""
    return list(db.session.scalars(sa.select(StaffUser).order_by(StaffUser.email)))


def get_user(user_id: int) -> StaffUser:
    """One staff account, or NotFound."""
    user = db.session.get(StaffUser, user_id)
    if user is None:
        msg = "There is no such staff account."
        raise NotFound(msg)
    return user


def find_user(email: str) -> StaffUser:
    """The account with this email, or NotFound."""
    user = db.session.scalar(sa.select(StaffUser).where(StaffUser.email == _normal_email(email)))
    if user is None:
        msg = f"There is no account for {_normal_email(email)}."
        raise NotFound(msg, field="email")
    return user


def set_active(user_id: int, active: bool, *, actor_id: int | None) -> StaffUser:
    """Disable (every session ends at once) or enable an account."""
    user = get_user(user_id)
    if not active and actor_id == user.id:
        msg = "You cannot disable your own account; ask another admin."
        raise InvalidInput(msg)
    if user.active != active:
        user.active = active
        end_sessions(user)
        record_change(
            actor_id=actor_id,
            action="enable" if active else "disable",
            entity=user,
            changes={"active": (not active, active)},
        )
        db.session.commit()
    return user


def set_password(user_id: int, password: str, *, actor_id: int | None) -> StaffUser:
    """Set a new password; every session of the account ends, and its throttle is cleared."""
    user = get_user(user_id)
    check_password(password)
    user.password_hash = generate_password_hash(password)
    end_sessions(user)
    record_change(actor_id=actor_id, action="set_password", entity=user)
    db.session.commit()
    clear_sign_in_throttle(user.email)
    return user
