"""``flask users …``: staff accounts."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.errors import DomainError
from app.services.auth import create_user

users_cli = AppGroup("users", help="Staff accounts.")


@users_cli.command("create")
@click.argument("email")
@click.option("--name", default="", help="The person's name.")
@click.option(
    "--role", type=click.Choice(["admin", "coordinator", "viewer"]), default="coordinator"
)
@click.password_option(help="At least 10 characters.")
def create(email: str, name: str, role: str, password: str) -> None:
    """Create a staff account."""
    try:
        user = create_user(email, name, password, role)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Created {user.role.value} account for {user.email}.")


@users_cli.command("list")
def list_users() -> None:
    """List staff accounts."""
    import sqlalchemy as sa

    from app.extensions import db
    from app.models import StaffUser

    for user in db.session.scalars(sa.select(StaffUser).order_by(StaffUser.email)):
        state = "" if user.active else " (disabled)"
        click.echo(f"{user.email}\t{user.role.value}\t{user.name}{state}")
