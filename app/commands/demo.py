"""``flask demo load``: the demo borough."""

from __future__ import annotations

import datetime as dt

import click
from flask.cli import AppGroup

from app.services import clock
from app.services.demo import load_demo

demo_cli = AppGroup("demo", help="The Barking & Dagenham demo borough.")


@demo_cli.command("load")
@click.option(
    "--start",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="First day of the fortnight of lifts (default: tomorrow).",
)
@click.option("--seed", default=2026, show_default=True)
def load(start: dt.datetime | None, seed: int) -> None:
    """Build the deterministic demo borough; running it again changes nothing."""
    first = start.date() if start else clock.tomorrow()
    summary = load_demo(seed=seed, start=first)
    for key, value in summary.items():
        click.echo(f"{key}: {value}")
