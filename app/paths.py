"""Where the files that live outside the ``app`` package are: a checkout, or an installed wheel.

In a source checkout the migrations are in ``migrations/`` and Leaflet in ``node_modules/``; a
built wheel carries copies under ``app/_bundled`` (see ``setup.py``). The checkout wins, so a
developer's edits are what runs.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
CHECKOUT_DIR = PACKAGE_DIR.parent
BUNDLED_DIR = PACKAGE_DIR / "_bundled"


def migrations_dir() -> Path:
    """The Alembic scripts: the checkout's, else the copy inside the installed package."""
    checkout = CHECKOUT_DIR / "migrations"
    if (checkout / "env.py").is_file():
        return checkout
    return BUNDLED_DIR / "migrations"


def leaflet_dir() -> Path:
    """Leaflet's ``dist`` folder: ``node_modules`` in a checkout, else the wheel's copy."""
    checkout = CHECKOUT_DIR / "node_modules" / "leaflet" / "dist"
    if checkout.is_dir():
        return checkout
    return BUNDLED_DIR / "leaflet"
