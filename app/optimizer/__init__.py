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
from app.optimizer.roads.osm import NetworkInfo
from app.optimizer.roads.osm import OsmParams
from app.optimizer.roads.osm import OsmTravelTimes
from app.optimizer.roads.osm import load_network
from app.optimizer.roads.straight_line import StraightLineParams
from app.optimizer.roads.straight_line import StraightLineTravelTimes
from app.optimizer.rota import solve_rota
from app.optimizer.rota import travel_matrix
from app.optimizer.rota import validate_plan
from app.optimizer.rota.validate import Violation
from app.optimizer.rota.validate import ViolationCause
from app.optimizer.types import Driver
from app.optimizer.types import LatLon
from app.optimizer.types import Lift
from app.optimizer.types import PlannedRoute
from app.optimizer.types import PlannedStop
from app.optimizer.types import Problem
from app.optimizer.types import RotaResult
from app.optimizer.types import SolveParams
from app.optimizer.types import Status
from app.optimizer.types import StopKind
from app.optimizer.types import TimeWindow
from app.optimizer.types import Unserved
from app.optimizer.types import UnservedReason
from app.optimizer.types import Weights

__all__ = [
    "BefrienderProfile",
    "Driver",
    "InvalidProblem",
    "LatLon",
    "Lift",
    "MatchParams",
    "MatchResult",
    "MatchStatus",
    "MatchWeights",
    "NetworkInfo",
    "OsmParams",
    "OsmTravelTimes",
    "PlannedRoute",
    "PlannedStop",
    "PointNotOnNetwork",
    "Problem",
    "Proposal",
    "ResidentProfile",
    "RoadNetworkError",
    "RoadPath",
    "RotaResult",
    "SolveParams",
    "Status",
    "StopKind",
    "StraightLineParams",
    "StraightLineTravelTimes",
    "TimeWindow",
    "TravelMatrix",
    "TravelTimes",
    "Unserved",
    "UnservedReason",
    "Violation",
    "ViolationCause",
    "Waiting",
    "WaitingCode",
    "WeeklyWindow",
    "Weights",
    "check_pair",
    "load_network",
    "propose_pairings",
    "solve_rota",
    "travel_matrix",
    "validate_plan",
]
