"""The SMS simulator's rule: whose texts staff may pretend to send, and a record of every use.

Found by testing (issue 11): simulating a resident's texts cancelled a real lift, texted the
real driver and opted the resident out of all texts, with no record of which staff member did
it. Now the simulator acts only on Ofcom's numbers reserved for drama (07700 900000 to
07700 900999, which the demo borough and the tests use) or on a real person an admin has
marked for training, and each use is in the audit log with the staff member.
"""

from __future__ import annotations

import datetime as dt

from app.errors import InvalidInput
from app.errors import NotAllowed
from app.extensions import db
from app.models import Message
from app.models import Resident
from app.models import Volunteer
from app.services.audit import record_change
from app.services.conversations import InboundResult
from app.services.conversations import handle_inbound
from app.services.messaging import DRAMA_PREFIX
from app.services.messaging import is_drama_number
from app.services.messaging import why_not_simulate
from app.services.people import get_resident
from app.services.people import get_volunteer
from app.services.phones import normalise_phone

__all__ = ["DRAMA_PREFIX", "is_drama_number", "set_simulator_training", "simulate_text"]


def simulate_text(
    raw_phone: str, body: str, *, actor_id: int | None, now: dt.datetime | None = None
) -> InboundResult:
    """Pretend ``raw_phone`` sent ``body``: the inbound pipeline, marked simulated, audited."""
    phone = normalise_phone(raw_phone)
    body = body.strip()
    if not body:
        msg = "Type the text they send."
        raise InvalidInput(msg, field="body")
    refusal = why_not_simulate(phone)
    if refusal is not None:
        raise NotAllowed(refusal)
    # The same pipeline as Twilio's webhook (routes/sms.py), marked simulated.
    result = handle_inbound(phone, body, None, simulated=True, now=now)
    inbound = db.session.get(Message, result.message_id) if result.message_id else None
    if inbound is not None:
        record_change(actor_id=actor_id, action="simulate_text", entity=inbound)
        db.session.commit()
    return result


def set_simulator_training(
    kind: str, person_id: int, allowed: bool, *, actor_id: int
) -> Resident | Volunteer:
    """Mark (or unmark) a real resident or volunteer as one staff may practise on."""
    person: Resident | Volunteer
    if kind == "resident":
        person = get_resident(person_id)
    elif kind == "volunteer":
        person = get_volunteer(person_id)
    else:
        msg = "Choose a resident or a volunteer."
        raise InvalidInput(msg)
    if person.simulator_training != allowed:
        record_change(
            actor_id=actor_id,
            action="simulator_training",
            entity=person,
            changes={"simulator_training": (person.simulator_training, allowed)},
        )
        person.simulator_training = allowed
        db.session.commit()
    return person
