"""Issue 10: definitions nothing used are gone, so nobody builds on a second copy of a rule."""

from __future__ import annotations

import importlib

import pytest

from app.config import Config


@pytest.mark.parametrize(
    ("module", "name", "instead"),
    [
        ("app.services.lifts", "lifts_on", "lifts.list_lifts"),
        ("app.services.rota", "latest_plan", "plans.current_plan"),
        ("app.services.rota_view", "lift_needs", "the stop's needs in the rota view"),
        ("app.optimizer.errors", "ScalingWarning", "nothing: no solver step scales numbers"),
    ],
)
def test_an_unused_definition_is_gone(module, name, instead):
    """The review found these defined and never called; the rule lives elsewhere."""
    assert not hasattr(importlib.import_module(module), name), f"use {instead}"


def test_the_queue_names_live_with_the_queue_only():
    """Config.RQ_QUEUES was never read: app.queue.QUEUE_NAMES is the one list."""
    from app.queue import QUEUE_NAMES

    assert not hasattr(Config, "RQ_QUEUES")
    assert QUEUE_NAMES == ("planning", "sms", "default")


def test_admin_required_stays_for_the_admin_pages():
    """Kept on purpose: the security and personal-data issues need admin pages."""
    from app.routes import access

    assert callable(access.admin_required)
