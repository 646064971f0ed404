"""``flask sms …`` and ``flask worker`` commands."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from tests.factories import make_resident
from tests.fakes import FakeSmsSender
from tests.fakes import install_fake_sms


@pytest.fixture()
def sms(app: Flask) -> FakeSmsSender:
    return install_fake_sms(app)


def test_simulate_prints_the_reply(runner: FlaskCliRunner, sms: FakeSmsSender) -> None:
    """A simulated text from a resident prints what we would answer."""
    resident = make_resident()
    result = runner.invoke(args=["sms", "simulate", resident.phone or "", "HELP"])
    assert result.exit_code == 0, result.output
    assert "020 8227 0000" in result.output


def test_simulate_an_opt_out_prints_no_reply(runner: FlaskCliRunner, sms: FakeSmsSender) -> None:
    """A simulated STOP has no reply of ours."""
    resident = make_resident()
    result = runner.invoke(args=["sms", "simulate", resident.phone or "", "STOP"])
    assert "(no reply)" in result.output


def test_sweep_reports_what_it_did(runner: FlaskCliRunner, sms: FakeSmsSender) -> None:
    """The sweep says how many texts it queued again."""
    result = runner.invoke(args=["sms", "sweep"])
    assert result.exit_code == 0 and "Re-queued 0" in result.output


def test_reminders_and_driver_checks_run(runner: FlaskCliRunner, sms: FakeSmsSender) -> None:
    """Reminders for a day and the driver check run on demand; a bad date is refused."""
    assert (
        "Queued 0 reminder(s) for 2026-12-01"
        in runner.invoke(args=["sms", "reminders", "--day", "2026-12-01"]).output
    )
    assert "Reminded 0" in runner.invoke(args=["sms", "check-drivers"]).output
    assert runner.invoke(args=["sms", "reminders", "--day", "Tuesday"]).exit_code != 0


def test_worker_needs_redis(runner: FlaskCliRunner) -> None:
    """Without REDIS_URL the worker refuses to start and says why."""
    result = runner.invoke(args=["worker", "--burst"])
    assert result.exit_code != 0 and "REDIS_URL" in result.output


def test_worker_refuses_unknown_queues(runner: FlaskCliRunner) -> None:
    """A queue name that does not exist is a usage error."""
    result = runner.invoke(args=["worker", "--queues", "sms,texts"])
    assert result.exit_code != 0 and "texts" in result.output
