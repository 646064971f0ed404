"""Staff sign in; every page but the directory and SMS webhooks needs it; viewers only look."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.models import Resident
from tests.conftest import PASSWORD
from tests.conftest import make_test_app
from tests.conftest import sign_in


def test_pages_need_sign_in(client):
    """An anonymous visitor is sent to the sign-in page."""
    for path in ("/", "/people/residents", "/people/volunteers", "/people/residents/new"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert "/login" in response.headers["Location"]


def test_directory_is_public(client, db):
    """The service directory needs no sign-in."""
    from app.models import Service
    from app.services.demo import SERVICES

    db.session.add(Service(name=SERVICES[2]["name"], phone=SERVICES[2]["phone"]))
    db.session.commit()
    response = client.get("/directory/")
    assert response.status_code == 200
    assert "0300 300 1554" in response.get_data(as_text=True)


def test_sign_in_with_the_right_password(client):
    """A coordinator signs in and sees the dashboard."""
    sign_in(client, "coordinator")
    page = client.get("/").get_data(as_text=True)
    assert "Tomorrow" in page


def test_wrong_password_is_refused_with_a_message(client):
    """A wrong password keeps the form and says so."""
    sign_in(client, "admin")
    client.post("/logout")
    response = client.post("/login", data={"email": "admin@bureau.example", "password": "nope"})
    assert response.status_code == 200
    assert "do not match" in response.get_data(as_text=True)


def test_passwords_are_hashed(app, db):
    """The stored password is a hash, never the password."""
    from app.services.auth import create_user

    user = create_user("a@b.example", "A", PASSWORD, "admin")
    assert PASSWORD not in user.password_hash
    assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))


def test_viewer_cannot_change_anything(client, viewer, db):
    """A viewer can read lists but every change is refused with 403 and nothing is written."""
    assert client.get("/people/residents").status_code == 200
    response = client.post("/people/residents/new", data={"first_name": "A", "last_name": "B"})
    assert response.status_code == 403
    assert "look but not change" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Resident)) == 0


@pytest.mark.parametrize("path", ["/people/residents/new", "/people/volunteers/new"])
def test_viewer_is_not_offered_the_forms(client, viewer, path):
    """The new-record forms are refused for viewers, not only their POST."""
    assert client.get(path).status_code == 403


def test_forms_need_a_csrf_token():
    """With CSRF on, a POST without the token is refused and nothing is written."""
    app = make_test_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        from app.extensions import db
        from app.services.auth import create_user

        create_user("c@bureau.example", "C", PASSWORD, "coordinator")
        client = app.test_client()
        refused = client.post("/login", data={"email": "c@bureau.example", "password": PASSWORD})
        assert refused.status_code == 400
        assert "Form expired" in refused.get_data(as_text=True)
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        assert token is not None
        ok = client.post(
            "/login",
            data={"email": "c@bureau.example", "password": PASSWORD, "csrf_token": token.group(1)},
        )
        assert ok.status_code == 302
        no_token = client.post("/people/residents/new", data={"first_name": "A", "last_name": "B"})
        assert no_token.status_code == 400
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Resident)) == 0
        db.session.remove()
        db.drop_all() if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite") else None
