"""The SMS simulator acts on real people only when an admin allows it, and is audited (issue 11).

Found by testing: simulating a resident's texts cancelled a real lift, texted the real driver
and opted the resident out of all texts, with no record of which staff member did it.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import AuditLog
from app.models import Message
from app.models import MessageStatus
from app.models import Resident
from app.services.auth import create_user
from app.services.simulator import is_drama_number
from app.services.simulator import simulate_text
from tests.conftest import PASSWORD
from tests.factories import make_resident

REAL = "+447911123456"


def _simulate(client: FlaskClient, phone: str, body: str) -> str:
    with client.application.app_context():
        response = client.post("/messages/simulator", data={"phone": phone, "body": body})
        return response.get_data(as_text=True)


def _signed_in(app: Flask, role: str) -> FlaskClient:
    client = app.test_client()
    create_user(f"{role}@bureau.example", role.capitalize(), PASSWORD, role)
    with app.app_context():
        client.post("/login", data={"email": f"{role}@bureau.example", "password": PASSWORD})
    return client


def test_a_real_persons_number_is_refused(app: Flask) -> None:
    """STOP from a real resident's number: refused in words; nothing stored, nobody opted out."""
    resident = make_resident(phone=REAL, sms_consent=True)
    coordinator = _signed_in(app, "coordinator")
    page = _simulate(coordinator, "07911 123456", "STOP")
    assert "only on the numbers reserved for drama" in page
    db.session.expire_all()
    assert db.session.get(Resident, resident.id).opted_out_at is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Message)) == 0


def test_drama_numbers_work_and_every_use_is_audited(app: Flask) -> None:
    """A drama number goes through, and the audit log names the staff member."""
    make_resident(phone="+447700900123")
    coordinator = _signed_in(app, "coordinator")
    _simulate(coordinator, "07700 900123", "HELP")
    inbound = db.session.scalar(sa.select(Message).where(Message.direction == "inbound"))
    assert inbound is not None and inbound.simulated
    audit = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "simulate_text"))
    assert audit is not None and audit.entity_id == inbound.id
    assert audit.staff_user is not None and audit.staff_user.email == "coordinator@bureau.example"
    assert is_drama_number("+447700900000") and is_drama_number("+447700900999")
    assert not is_drama_number("+447700901000") and not is_drama_number(REAL)


def test_an_admin_marks_a_real_person_for_training(app: Flask) -> None:
    """Once an admin allows it on the person's page, staff may practise on that number."""
    resident = make_resident(phone=REAL, first_name="Trina")
    admin = _signed_in(app, "admin")
    coordinator = _signed_in(app, "coordinator")
    with app.app_context():
        refused = coordinator.post(f"/admin/training/resident/{resident.id}", data={"allowed": "1"})
    assert refused.status_code == 403
    with app.app_context():
        page = admin.get(f"/people/residents/{resident.id}").get_data(as_text=True)
        assert "Allow in the SMS simulator (training)" in page
        admin.post(f"/admin/training/resident/{resident.id}", data={"allowed": "1"})
    _simulate(coordinator, REAL, "HELP")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Message)) >= 1
    marked = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "simulator_training"))
    assert marked is not None and marked.staff_user.email == "admin@bureau.example"


def test_the_command_line_simulator_follows_the_same_rule(app: Flask) -> None:
    """`flask sms simulate` refuses a real number too, and its uses are audited."""
    make_resident(phone=REAL)
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["sms", "simulate", REAL, "STOP"])
    assert refused.exit_code != 0 and "reserved for drama" in refused.output
    make_resident(phone="+447700900124")
    assert runner.invoke(args=["sms", "simulate", "07700 900124", "HELP"]).exit_code == 0
    audit = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "simulate_text"))
    assert audit is not None and audit.staff_user_id is None


def test_a_simulated_drop_never_texts_a_real_driver(app: Flask) -> None:
    """Joan (a drama number) drops her lift in the simulator; Dev has a real number: his text is
    kept as simulated and never reaches the SMS sender."""
    from tests.fakes import install_fake_sms
    from tests.services.test_dropping_lifts import NOW
    from tests.services.test_dropping_lifts import Day

    sms = install_fake_sms(app)
    day = Day()
    day.dev.phone = REAL
    db.session.commit()
    for body in ("my lifts", "DROP 1", "1"):
        simulate_text(day.joan.phone or "", body, actor_id=None, now=NOW)
    assert day.joan_out.status.value == "cancelled"
    [to_dev] = db.session.scalars(
        sa.select(Message).where(Message.phone == REAL, Message.kind == "driver_change")
    ).all()
    assert to_dev.status == MessageStatus.SIMULATED and "SMS simulator" in to_dev.error
    assert sms.to(REAL)[-1:] != [to_dev.body]
