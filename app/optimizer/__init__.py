"""Connect Rota's optimizer: a pure library (dataclasses in, dataclasses out).

It never imports Flask, SQLAlchemy, Redis, RQ, Twilio or any other ``app.*`` package
(checked by the import-linter contract in ``pyproject.toml``).
"""

from __future__ import annotations

from app.optimizer.errors import InvalidProblem
from app.optimizer.errors import PointNotOnNetwork
from app.optimizer.errors import RoadNetworkError
from app.optimizer.roads import RoadPath
from app.optimizer.roads import TravelMatrix
from app.optimizer.roads import TravelTimes
from app.optimizer.types import LatLon

__all__ = [
    "InvalidProblem",
    "LatLon",
    "PointNotOnNetwork",
    "RoadNetworkError",
    "RoadPath",
    "TravelMatrix",
    "TravelTimes",
]
