"""``flask retention run [--dry-run]``: the retention schedule now (issue 14).

Prints counts and ids only, never a name or number.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.services import retention

retention_cli = AppGroup("retention", help="The retention schedule of personal data.")


@retention_cli.command("run")
@click.option("--dry-run", is_flag=True, help="Only list what would be done.")
def run(dry_run: bool) -> None:
    """Anonymise long-inactive people, blank old text words, redact old audit values."""
    report = retention.run_retention(dry_run=dry_run)
    for line in report.lines():
        click.echo(line)
