"""``flask rota …``: plan a day from the command line."""

from __future__ import annotations

import datetime as dt

import click
from flask.cli import AppGroup

from app.errors import DomainError
from app.services import clock
from app.services import rota
from app.services import unserved as unserved_words
from app.services.places import lift_place

rota_cli = AppGroup("rota", help="The daily rota.")


@rota_cli.command("plan")
@click.option(
    "--date",
    "when",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The day to plan (default: tomorrow in the bureau's time zone).",
)
@click.option("--time-limit", type=float, default=None, help="Seconds the solver may search.")
def plan(when: dt.datetime | None, time_limit: float | None) -> None:
    """Plan a day as a draft and say how it went."""
    day = when.date() if when else clock.tomorrow()
    try:
        summary = rota.plan_day(day, time_limit_s=time_limit)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(
        f"Plan {summary.plan_id} for {day:%A %-d %B %Y}: {summary.served} of {summary.lifts} "
        f"lifts planned with {summary.drivers_used} drivers, "
        f"{summary.drive_s // 60} minutes of driving, in {summary.seconds:.1f} s."
    )
    if summary.unserved:
        plan_row = rota.get_plan(summary.plan_id)
        click.echo(f"{summary.unserved} lifts could not be planned:")
        for u in plan_row.unserved:
            words = unserved_words.words_for(u.reason)
            to = lift_place(u.lift) or "the destination"
            click.echo(f"  {u.lift.resident.full_name}, to {to}: {words.text}")
            click.echo(f"    {u.detail} {words.fix}")
