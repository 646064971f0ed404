"""Register the ``flask`` command groups of every area."""

from __future__ import annotations

import importlib

from flask import Flask

# (module, attribute) of each command group; areas add theirs here.
COMMAND_GROUPS = [
    ("app.commands.users", "users_cli"),
    ("app.commands.geo", "geo_cli"),
    ("app.commands.demo", "demo_cli"),
    ("app.commands.roads", "roads_cli"),
    ("app.commands.rota", "rota_cli"),
    ("app.commands.sms", "sms_cli"),
    ("app.commands.befriending", "befriending_cli"),
    ("app.commands.worker", "worker_cli"),
]


def register_commands(app: Flask) -> None:
    """Add every command group that exists to ``app.cli``."""
    for module_name, attr in COMMAND_GROUPS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue  # that area has not landed yet
            raise
        command = getattr(module, attr)
        app.cli.add_command(command)
