"""``flask sms …``: the outbox sweep, driver checks, reminders, and a simulated inbound text."""

from __future__ import annotations

import datetime as dt

import click
from flask.cli import AppGroup

from app.errors import DomainError
from app.services import clock
from app.services import messaging
from app.services import publishing
from app.services.simulator import simulate_text

sms_cli = AppGroup("sms", help="Texts: outbox, reminders, simulated inbound texts.")


@sms_cli.command("sweep")
def sweep() -> None:
    """Re-queue texts left waiting (after Redis was lost or a worker died)."""
    result = messaging.sweep_outbox()
    click.echo(
        f"Re-queued {result.requeued}; found already sent {result.found_sent}; "
        f"reclaimed {result.reclaimed}."
    )


@sms_cli.command("simulate")
@click.argument("from_number")
@click.argument("body")
def simulate(from_number: str, body: str) -> None:
    """Handle a text as if FROM_NUMBER had sent BODY, and print the reply.

    The same rule as the web simulator: a drama number (07700 900000-900999) or a person an
    admin marked for training (issue 11); audited with no staff member (the command line).
    """
    try:
        result = simulate_text(from_number, body, actor_id=None)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(result.reply or "(no reply)")


@sms_cli.command("check-drivers")
def check_drivers() -> None:
    """Remind drivers who have not answered their route; alert staff when still nothing."""
    result = publishing.check_driver_replies()
    click.echo(f"Reminded {result.reminded}; alerted staff about {result.alerted}.")


@sms_cli.command("reminders")
@click.option("--day", default=None, help="YYYY-MM-DD (default: tomorrow).")
def reminders(day: str | None) -> None:
    """Send the day-before reminders for DAY (safe to run again)."""
    try:
        when = dt.date.fromisoformat(day) if day else clock.tomorrow()
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--day") from None
    try:
        count = publishing.send_day_before_reminders(when)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Queued {count} reminder(s) for {when.isoformat()}.")
