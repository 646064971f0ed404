"""``flask roads …``: the road network behind travel times (issue 3)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from app.optimizer.errors import RoadNetworkError
from app.services.roads import build_network
from app.services.roads import describe_network
from app.services.roads import download_network
from app.services.roads import road_info

roads_cli = AppGroup("roads", help="The road network used for travel times.")


@roads_cli.command("info")
def info_command() -> None:
    """Show the road network in use (nodes, edges, extent, source, speeds)."""
    config = current_app.config
    try:
        status = road_info(
            config.get("ROAD_NETWORK"),
            current_app.instance_path,
            straight_line_detour=config.get("STRAIGHT_LINE_DETOUR"),
            straight_line_speed_kmh=config.get("STRAIGHT_LINE_SPEED_KMH"),
        )
    except RoadNetworkError as exc:
        raise click.ClickException(str(exc)) from exc
    for line in status.lines():
        click.echo(line)


@roads_cli.command("download")
@click.option("--place", help='A place OSMnx can geocode, e.g. "Barking and Dagenham, London".')
@click.option(
    "--polygon",
    type=click.Path(exists=True, dir_okay=False),
    help="A GeoJSON boundary, e.g. ../shared/data/lbbd_boundary.geojson.",
)
def download_command(place: str | None, polygon: str | None) -> None:
    """Download the drive network of a place or boundary and cache it in the instance folder."""
    if (place is None) == (polygon is None):
        msg = "Give exactly one of --place or --polygon."
        raise click.UsageError(msg)
    source = f"place:{place}" if place is not None else f"polygon:{polygon}"
    try:
        info = download_network(source, current_app.instance_path)
    except RoadNetworkError as exc:
        raise click.ClickException(str(exc)) from exc
    for line in describe_network(info):
        click.echo(line)
    if current_app.config.get("ROAD_NETWORK") != info.source:
        click.echo(f"To use it, set ROAD_NETWORK={info.source}")


@roads_cli.command("build")
@click.argument("network_file", required=False, type=click.Path(dir_okay=False))
def build_command(network_file: str | None) -> None:
    """Build the cache of a network file (default: ROAD_NETWORK) so plans load it at once."""
    source = network_file or current_app.config.get("ROAD_NETWORK")
    if not source:
        msg = "Give a network file, or set ROAD_NETWORK."
        raise click.UsageError(msg)
    try:
        info = build_network(source, current_app.instance_path)
    except RoadNetworkError as exc:
        raise click.ClickException(str(exc)) from exc
    for line in describe_network(info):
        click.echo(line)
