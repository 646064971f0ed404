"""Build step that puts the migrations and the map library inside the ``app`` package.

An installed wheel must run without a source checkout: ``flask db upgrade`` needs the Alembic
scripts and the rota page needs Leaflet. Both stay where they are in the repository (Leaflet
comes from npm, never committed); only the built package gets copies, under ``app/_bundled``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
BUNDLES = {
    "migrations": ROOT / "migrations",
    "leaflet": ROOT / "node_modules" / "leaflet" / "dist",
}


class BuildWithBundles(build_py):
    """Copy the bundles next to the built package (wheels and sdists; not editable installs)."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        target = Path(self.build_lib) / "app" / "_bundled"
        for name, source in BUNDLES.items():
            if not source.is_dir():
                if name == "migrations":
                    msg = f"cannot build without {source}"
                    raise SystemExit(msg)
                print(f"warning: {source} missing (run npm install); the map falls back to SVG")
                continue
            shutil.copytree(
                source,
                target / name,
                dirs_exist_ok=True,
                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
            )


setup(cmdclass={"build_py": BuildWithBundles})
