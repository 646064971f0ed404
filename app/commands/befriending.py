"""``flask befriending …``: propose pairings and send check-in texts from the command line."""

from __future__ import annotations

import datetime as dt

import click
from flask.cli import AppGroup

from app.errors import DomainError
from app.services import befriending
from app.services import clock

befriending_cli = AppGroup("befriending", help="Befriending: proposals and check-ins.")


def _day(value: dt.datetime | None) -> dt.date:
    return value.date() if value is not None else clock.today()


@befriending_cli.command("propose")
@click.option(
    "--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Default today."
)
def propose(day: dt.datetime | None) -> None:
    """Propose befrienders for everyone waiting and list who still waits and why."""
    try:
        run = befriending.propose_pairings(actor_id=None, day=_day(day))
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(
        f"{run.proposed} proposals ({run.new} new, {run.unchanged} kept from the last run, "
        f"{run.withdrawn} withdrawn); total score {run.total_score:.2f}"
        f"{'' if run.exact else ' (not proven optimal)'}."
    )
    for warning in run.warnings:
        click.echo(f"Warning: {warning}")
    if run.waiting:
        click.echo(f"{len(run.waiting)} residents still waiting:")
        for w in run.waiting:
            click.echo(f"  {w.name} (resident {w.resident_id}): {w.reason}")


@befriending_cli.command("checkins")
@click.option(
    "--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Default today."
)
def checkins(day: dt.datetime | None) -> None:
    """Text every befriender whose check-in is due."""
    try:
        run = befriending.send_checkin_reminders(_day(day))
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(
        f"{run.due} check-ins due: {len(run.message_ids)} texts queued, "
        f"{len(run.not_texted)} pairings whose befriender cannot be texted."
    )
