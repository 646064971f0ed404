"""Connect Rota's optimizer: a pure library (dataclasses in, dataclasses out).

It never imports Flask, SQLAlchemy, Redis, RQ, Twilio or any other ``app.*`` package
(checked by the import-linter contract in ``pyproject.toml``).
"""

from __future__ import annotations

from app.optimizer.errors import InvalidProblem
from app.optimizer.errors import PointNotOnNetwork
from app.optimizer.errors import RoadNetworkError
from app.optimizer.matching import BefrienderProfile
from app.optimizer.matching import MatchParams
from app.optimizer.matching import MatchResult
from app.optimizer.matching import MatchStatus
from app.optimizer.matching import MatchWeights
from app.optimizer.matching import Proposal
from app.optimizer.matching import ResidentProfile
from app.optimizer.matching import Waiting
from app.optimizer.matching import WaitingCode
from app.optimizer.matching import WeeklyWindow
from app.optimizer.matching import check_pair
from app.optimizer.matching import propose_pairings
from app.optimizer.roads import RoadPath
from app.optimizer.roads import TravelMatrix
from app.optimizer.roads import TravelTimes
from app.optimizer.types import LatLon

__all__ = [
    "BefrienderProfile",
    "InvalidProblem",
    "MatchParams",
    "MatchResult",
    "MatchStatus",
    "MatchWeights",
    "Proposal",
    "ResidentProfile",
    "Waiting",
    "WaitingCode",
    "WeeklyWindow",
    "check_pair",
    "propose_pairings",
    "LatLon",
    "PointNotOnNetwork",
    "RoadNetworkError",
    "RoadPath",
    "TravelMatrix",
    "TravelTimes",
]
