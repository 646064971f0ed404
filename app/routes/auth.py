"""Sign in and out."""

from __future__ import annotations

from flask import Blueprint
from flask import current_app
from flask import flash
from flask import make_response
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_login import current_user
from flask_login import login_user
from flask_login import logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import BooleanField
from wtforms import EmailField
from wtforms import PasswordField
from wtforms.validators import DataRequired

from app.errors import TooManyAttempts
from app.routes.throttling import client_address
from app.services import auth

bp = Blueprint("auth", __name__)

# Remembers that this browser has signed in to an account before, so a stranger's failures on
# that account never lock it out (services/auth.py). Holds no email, only a keyed hash.
DEVICE_COOKIE = "cr_device"
DEVICE_COOKIE_DAYS = 365


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])
    remember = BooleanField("Keep me signed in on this computer (30 days)")


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("dashboard.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int, dict[str, str]]:
    """Show the sign-in form and sign a staff member in."""
    form = LoginForm()
    if form.validate_on_submit():
        try:
            result = auth.sign_in(
                form.email.data or "",
                form.password.data or "",
                address=client_address(),
                device_cookie=request.cookies.get(DEVICE_COOKIE),
                secret=str(current_app.config["SECRET_KEY"]),
            )
        except TooManyAttempts as exc:
            form.password.errors = [exc.message]
            page = render_template("auth/login.html", form=form)
            return page, 429, {"Retry-After": str(exc.retry_after_s)}
        if result is not None:
            login_user(result.user, remember=bool(form.remember.data))
            # The session (and remember-me cookie) hold "<id>:<session version>:<nonce>", so
            # sign-out elsewhere revokes them and each sign-in's cookie differs (issue 11).
            session["_user_id"] = result.session_id
            response = make_response(redirect(_safe_next(request.args.get("next"))))
            response.set_cookie(
                DEVICE_COOKIE,
                result.device_token,
                max_age=DEVICE_COOKIE_DAYS * 86400,
                httponly=True,
                samesite="Lax",
                secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
            )
            return response
        form.password.errors = ["That email and password do not match an account."]
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout() -> Response:
    """Sign out, everywhere: every cookie issued to this account stops working."""
    if current_user.is_authenticated:
        auth.sign_out(current_user.id)
    logout_user()
    flash("You are signed out.")
    return redirect(url_for("auth.login"))
