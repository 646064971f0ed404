"""``flask people …``: answer a subject access or erasure request from the command line (issue 14).

Each prints ids and paths only, never a name or number (the terminal may be logged).
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.errors import DomainError
from app.services import erasure
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


@people_cli.command("erase")
@click.argument("kind", type=KINDS)
@click.argument("person_id", type=int)
@click.option("--reason", required=True, help="Why (kept with the tombstone; no names).")
@click.option(
    "--confirm",
    default=None,
    help="The person's reference (R12, V7); asked for when not given.",
)
def erase(kind: str, person_id: int, reason: str, confirm: str | None) -> None:
    """Erase a resident's or volunteer's personal data for ever (anonymised in place)."""
    try:
        who = subject_access.parse_kind(kind)
        subject_access.get_person(who, person_id)
        ref = erasure.reference(who, person_id)
        if confirm is None:
            confirm = click.prompt(f"This cannot be undone. Type {ref} to erase {kind} {person_id}")
        result = erasure.erase_person(
            who, person_id, reason=reason, confirm=confirm or "", actor_id=None
        )
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    if result.already:
        click.echo(f"{ref} was already erased (tombstone {result.erasure_id}); nothing changed.")
        return
    rows = sum(result.changed.values())
    click.echo(f"Erased {ref}: {rows} rows anonymised in {len(result.changed)} tables.")
