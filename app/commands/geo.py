"""``flask geo …``: the postcode table."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.errors import DomainError
from app.services.geo import import_postcodes
from app.services.geo import locate_postcode

geo_cli = AppGroup("geo", help="Postcodes and places.")


@geo_cli.command("import-postcodes")
@click.argument("csv_file", type=click.Path(dir_okay=False))
def import_postcodes_command(csv_file: str) -> None:
    """Fill the postcode table from a Code-Point Open or ONS Postcode Directory CSV."""
    try:
        n = import_postcodes(csv_file)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Imported {n} postcodes from {csv_file}.")


@geo_cli.command("locate")
@click.argument("postcode")
def locate(postcode: str) -> None:
    """Say where a postcode is."""
    try:
        where = locate_postcode(postcode)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(
        f"{where.postcode}: {where.lat:.6f}, {where.lon:.6f} ({where.ward_name or 'ward unknown'})"
    )
