"""``flask users …``: staff accounts, and the admin's levers when nobody can sign in (issue 11)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.errors import DomainError
from app.services import auth
from app.services.passwords import MIN_PASSWORD_LENGTH

users_cli = AppGroup("users", help="Staff accounts.")


@users_cli.command("create")
@click.argument("email")
@click.option("--name", default="", help="The person's name.")
@click.option(
    "--role", type=click.Choice(["admin", "coordinator", "viewer"]), default="coordinator"
)
@click.password_option(help=f"At least {MIN_PASSWORD_LENGTH} characters, not a common one.")
def create(email: str, name: str, role: str, password: str) -> None:
    """Create a staff account."""
    try:
        user = auth.create_user(email, name, password, role)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Created {user.role.value} account for {user.email}.")


@users_cli.command("list")
def list_users() -> None:
    """List staff accounts."""
    for user in auth.list_users():
        state = "" if user.active else " (disabled)"
        click.echo(f"{user.email}\t{user.role.value}\t{user.name}{state}")


@users_cli.command("disable")
@click.argument("email")
def disable(email: str) -> None:
    """Disable an account: it cannot sign in, and every session it has ends now."""
    try:
        user = auth.set_active(auth.find_user(email).id, False, actor_id=None)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Disabled {user.email}; its sessions have ended.")


@users_cli.command("enable")
@click.argument("email")
def enable(email: str) -> None:
    """Enable a disabled account again."""
    try:
        user = auth.set_active(auth.find_user(email).id, True, actor_id=None)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Enabled {user.email}.")


@users_cli.command("set-password")
@click.argument("email")
@click.password_option(help=f"At least {MIN_PASSWORD_LENGTH} characters, not a common one.")
def set_password(email: str, password: str) -> None:
    """Set an account's password; its sessions end and its sign-in throttle is cleared."""
    try:
        user = auth.set_password(auth.find_user(email).id, password, actor_id=None)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"New password set for {user.email}; its sessions have ended.")


@users_cli.command("unthrottle")
@click.argument("email")
@click.option("--address", default=None, help="Also clear this IP address's failures.")
def unthrottle(email: str, address: str | None) -> None:
    """Clear an account's failed sign-ins, so it can be tried again at once."""
    auth.clear_sign_in_throttle(email, address=address)
    click.echo(f"Cleared failed sign-ins for {email.strip().lower()}.")
