"""Sign in and out."""

from __future__ import annotations

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import login_user
from flask_login import logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import BooleanField
from wtforms import EmailField
from wtforms import PasswordField
from wtforms.validators import DataRequired

from app.services.auth import authenticate

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])
    remember = BooleanField("Keep me signed in on this computer")


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("dashboard.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    """Show the sign-in form and sign a staff member in."""
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data or "", form.password.data or "")
        if user is not None:
            login_user(user, remember=bool(form.remember.data))
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors = ["That email and password do not match an account."]
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout() -> Response:
    """Sign out."""
    logout_user()
    flash("You are signed out.")
    return redirect(url_for("auth.login"))
