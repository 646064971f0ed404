"""The loneliness screen by text: four numbered questions, one at a time (issue 16).

Staff start it from a referral page when the person is linked to a resident who agreed to
texts (``messaging.why_not_text`` decides). ``conversations.py`` hands every reply in the
``screen`` state to :func:`answer`; a reply outside a question's numbers gets the question
again with the numbers allowed, and nothing is stored until all four are answered.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.errors import InvalidInput
from app.extensions import db
from app.models import Conversation
from app.models import Message
from app.models import Referral
from app.models.base import now_utc
from app.services import messaging
from app.services import screening
from app.services.audit import record_change
from app.services.risk import refresh_tier

STATE = "screen"
KIND = "screen_question"
# A person may answer later in the day; an unanswered screen lapses after this.
ANSWER_WITHIN = dt.timedelta(hours=24)
# (answer key, question, option words in the published order)
QUESTIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    *(
        (key, question, tuple(words for _, words in screening.UCLA_OPTIONS))
        for key, question in screening.UCLA_ITEMS
    ),
    ("ons", screening.ONS_QUESTION, tuple(words for _, words in screening.ONS_OPTIONS)),
)


def question_text(step: int) -> str:
    """Question ``step`` (0-3) as a text with numbered replies."""
    _, question, options = QUESTIONS[step]
    numbered = ", ".join(f"{n} {words.lower()}" for n, words in enumerate(options, start=1))
    return f"Question {step + 1} of {len(QUESTIONS)}: {question} Reply {numbered}."


def start(referral_id: int, *, actor_id: int | None, now: dt.datetime | None = None) -> Message:
    """Text the first question to the referred resident; the caller dispatches after commit."""
    now = now or now_utc()
    referral = db.session.get(Referral, referral_id)
    if referral is None or referral.resident is None or not referral.resident.phone:
        msg = "Link the referral to the resident's record (with a mobile) before a text screen."
        raise InvalidInput(msg, field="method")
    resident = referral.resident
    why = messaging.why_not_text(resident, resident.phone)
    if why is not None:
        msg = f"They cannot be screened by text: {why}"
        raise InvalidInput(msg, field="method")
    phone = resident.phone
    conversation = db.session.scalar(sa.select(Conversation).where(Conversation.phone == phone))
    if conversation is None:
        conversation = Conversation(phone=phone, state="idle", data={}, misunderstood=0)
        db.session.add(conversation)
    intro = f"{screening.INTRODUCTION} "
    conversation.state = STATE
    conversation.data = {"referral_id": referral.id, "step": 0, "answers": {}}
    conversation.expires_at = now + ANSWER_WITHIN
    conversation.updated_at = now
    text = messaging.queue_text(
        resident, intro + question_text(0), kind=KIND, concerns=("Referral", referral.id), now=now
    )
    record_change(actor_id=actor_id, action="screen_by_text", entity=referral, now=now)
    db.session.commit()
    return text


def answer(conversation: Conversation, reply: int | None, *, now: dt.datetime) -> str:
    """Take one numbered reply; the next question, the same one again, or thanks at the end."""
    data = dict(conversation.data or {})
    step = int(data.get("step", 0))
    _, question, options = QUESTIONS[step]
    if reply is None or not 1 <= reply <= len(options):
        return f"Please reply with a number from 1 to {len(options)}. " + question_text(step)
    key = QUESTIONS[step][0]
    answers = dict(data.get("answers", {}))
    # The reply numbers follow the published order; the stored scores are the screen's own.
    if key == "ons":
        answers[key] = screening.ons_from_reply(reply)
    else:
        answers[key] = screening.UCLA_OPTIONS[reply - 1][0]
    if step + 1 < len(QUESTIONS):
        conversation.data = {**data, "step": step + 1, "answers": answers}
        conversation.expires_at = now + ANSWER_WITHIN
        return question_text(step + 1)
    referral = db.session.get(Referral, int(data["referral_id"]))
    conversation.state = "idle"
    conversation.data = {}
    conversation.expires_at = None
    if referral is None:
        return "Thank you."
    ons = answers.pop("ons")
    screening.record_screen(referral, answers, ons, method="text", actor_id=None, now=now)
    refresh_tier(referral, now=now)
    return "Thank you for answering. Someone from the bureau will be in touch."
