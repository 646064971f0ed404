"""``flask people …``: answer a subject access or erasure request from the command line (issue 14).

Each prints ids and paths only, never a name or number (the terminal may be logged).
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.errors import DomainError
from app.services import subject_access

people_cli = AppGroup("people", help="Residents' and volunteers' personal data.")
KINDS = click.Choice(["resident", "volunteer"], case_sensitive=False)


@people_cli.command("export")
@click.argument("kind", type=KINDS)
@click.argument("person_id", type=int)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for the zip (default: the instance folder's exports/).",
)
def export(kind: str, person_id: int, out: Path | None) -> None:
    """Write everything held about a resident or volunteer to a zip and print its path."""
    directory = out or Path(current_app.instance_path) / "exports"
    try:
        path = subject_access.write_export(subject_access.parse_kind(kind), person_id, directory)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(str(path))
