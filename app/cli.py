"""Register the ``flask`` command groups of every area."""

from __future__ import annotations

from flask import Flask


def register_commands(app: Flask) -> None:
    """Add every area's command group to ``app.cli``."""
    from app.commands.befriending import befriending_cli
    from app.commands.demo import demo_cli
    from app.commands.geo import geo_cli
    from app.commands.people import people_cli
    from app.commands.retention import retention_cli
    from app.commands.roads import roads_cli
    from app.commands.rota import rota_cli
    from app.commands.sms import sms_cli
    from app.commands.users import users_cli
    from app.commands.worker import worker_cli

    for command in (
        users_cli,
        geo_cli,
        demo_cli,
        roads_cli,
        rota_cli,
        sms_cli,
        befriending_cli,
        worker_cli,
        people_cli,
        retention_cli,
    ):
        app.cli.add_command(command)
