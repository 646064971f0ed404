"""Plain data shared across the optimizer.

Units
-----
Every quantity carries its unit in its name and is an integer at the solver boundary:
``duration_s`` (seconds), ``distance_m`` (metres), ``tw_early_s``/``tw_late_s`` (seconds after the
planning day's local midnight). Coordinates are :class:`LatLon` (WGS84 degrees), never a bare
tuple, because OSMnx wants ``(lat, lon)`` in some calls and ``X=lon, Y=lat`` in others.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from enum import StrEnum
from typing import NamedTuple

from app.optimizer.errors import InvalidProblem


class LatLon(NamedTuple):
    """A point on the Earth in WGS84 degrees."""

    lat: float
    lon: float

    def checked(self, what: str = "point") -> LatLon:
        """Return self, or raise InvalidProblem naming ``what`` when not a real coordinate."""
        if not (math.isfinite(self.lat) and math.isfinite(self.lon)):
            msg = f"The {what} has no real coordinates ({self.lat}, {self.lon})."
            raise InvalidProblem(msg)
        if not (-90.0 <= self.lat <= 90.0 and -180.0 <= self.lon <= 180.0):
            msg = f"The {what} lies outside the Earth's coordinates ({self.lat}, {self.lon})."
            raise InvalidProblem(msg)
        return self


# ------------------------------------------------------------------------------------------------
# The rota problem (issue 4): lifts, drivers, the day, and the solver's answer.


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """Inclusive window in seconds after the planning day's local midnight."""

    early_s: int
    late_s: int

    def __post_init__(self) -> None:
        if self.early_s > self.late_s:
            msg = f"TimeWindow starts after it ends ({self.early_s} > {self.late_s})."
            raise InvalidProblem(msg)
        if self.early_s < 0:
            msg = f"TimeWindow starts before midnight ({self.early_s} < 0)."
            raise InvalidProblem(msg)

    def contains(self, t_s: int) -> bool:
        """Return whether ``t_s`` lies inside the window."""
        return self.early_s <= t_s <= self.late_s


#: Seconds in a day; windows may run past midnight (up to two days) for late returns.
DAY_S = 86_400
_LATEST_S = 2 * DAY_S


@dataclass(frozen=True, slots=True)
class Lift:
    """One passenger trip: picked up at ``pickup``, dropped off at ``dropoff`` by one driver.

    A return journey is a second lift with its own pickup window (after the activity ends).

    Parameters
    ----------
    id
        Unique lift id (the app's lift request id as text).
    pickup, dropoff
        Where the resident is collected and where they are taken.
    pickup_window
        When boarding may start (``None``: any time).
    arrival_window
        When the drop-off may start, e.g. ``TimeWindow(9:30, 9:55)`` for a 10:00 activity, or
        ``TimeWindow(0, deadline)`` for "by the appointment" (``None``: any time).
    seats
        Seats taken (resident plus escorts); a wheelchair user travelling in their chair takes
        a wheelchair space instead of a seat, so count only the escorts then.
    wheelchair
        Needs one wheelchair space (and so a wheelchair-accessible car).
    boarding_s
        Time at each stop to get in or out; ``None`` uses the problem's default for the
        mobility (longer for a wheelchair).
    priority
        Weight >= 1 of serving this lift (medical appointments and residents at higher
        isolation risk get more).
    required_attributes
        Driver attributes the resident needs (e.g. ``{"female"}``).
    blocked_driver_ids
        Drivers who must not drive this resident.
    pinned_driver_id
        Staff pinned the lift to this driver; served by them or not at all.
    published_driver_id
        Driver in the published plan (re-planning: a cost for moving the lift elsewhere).
    published_pickup_s
        Pickup time told to the resident (re-planning: a cost for shifting it).
    last_driver_id
        Driver who drove the resident last time (a small continuity bonus).
    max_ride_s
        Maximum ride time, overriding the problem's rule.
    outbound_id
        For a return leg, the outward lift: the return is planned only if the outward lift is
        (nobody is collected from a place they were never taken to).
    ride_with
        Lifts of the resident's named friend that day: in the car together, both earn
        ``Weights.friend_ride_s`` (a soft preference).
    """

    id: str
    pickup: LatLon
    dropoff: LatLon
    pickup_window: TimeWindow | None = None
    arrival_window: TimeWindow | None = None
    seats: int = 1
    wheelchair: bool = False
    boarding_s: int | None = None
    priority: int = 1
    required_attributes: frozenset[str] = frozenset()
    blocked_driver_ids: frozenset[str] = frozenset()
    pinned_driver_id: str | None = None
    published_driver_id: str | None = None
    published_pickup_s: int | None = None
    last_driver_id: str | None = None
    max_ride_s: int | None = None
    outbound_id: str | None = None
    ride_with: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        what = f"lift {self.id!r}"
        if self.id in self.ride_with:
            msg = f"The {what} names itself as a friend's lift to ride with."
            raise InvalidProblem(msg)
        if self.outbound_id is not None and self.outbound_id == self.id:
            msg = f"The {what} is its own outward lift."
            raise InvalidProblem(msg)
        if not self.id:
            msg = "A lift has an empty id."
            raise InvalidProblem(msg)
        LatLon(*self.pickup).checked(f"{what} pickup")
        LatLon(*self.dropoff).checked(f"{what} dropoff")
        if self.seats < 0:
            msg = f"The {what} has a negative seats count ({self.seats})."
            raise InvalidProblem(msg)
        if self.seats == 0 and not self.wheelchair:
            msg = f"The {what} takes neither a seat nor a wheelchair space (seats=0)."
            raise InvalidProblem(msg)
        if self.boarding_s is not None and self.boarding_s < 0:
            msg = f"The {what} has a negative boarding_s ({self.boarding_s})."
            raise InvalidProblem(msg)
        if self.priority < 1:
            msg = f"The {what} has a priority below 1 ({self.priority})."
            raise InvalidProblem(msg)
        if self.max_ride_s is not None and self.max_ride_s < 0:
            msg = f"The {what} has a negative max_ride_s ({self.max_ride_s})."
            raise InvalidProblem(msg)
        for name in ("pickup_window", "arrival_window"):
            w = getattr(self, name)
            if w is not None and w.late_s > _LATEST_S:
                msg = f"The {what} {name} ends after the next day ({w.late_s} s)."
                raise InvalidProblem(msg)
        if self.pinned_driver_id is not None and self.pinned_driver_id in self.blocked_driver_ids:
            msg = f"The {what} is pinned to a blocked driver ({self.pinned_driver_id!r})."
            raise InvalidProblem(msg)


@dataclass(frozen=True, slots=True)
class Driver:
    """A volunteer driver and their car for the planning day.

    Parameters
    ----------
    id
        Unique driver id (the app's volunteer id as text).
    home
        Where every route starts and ends.
    availability
        The day's windows when the driver is free (leave home at or after the start, back by
        the end); sorted, not overlapping. Each window is a separate route.
    seats
        Passenger seats (the driver's own not counted).
    wheelchair_spaces
        Wheelchair spaces (0: not accessible).
    attributes
        What residents may ask for, e.g. ``{"female"}``.
    dbs_valid_until
        Last day the DBS check is valid; ``None`` means no valid check (cannot drive).
    max_drive_s
        Daily driving limit over all windows (``None``: no limit).
    """

    id: str
    home: LatLon
    availability: tuple[TimeWindow, ...]
    seats: int = 3
    wheelchair_spaces: int = 0
    attributes: frozenset[str] = frozenset()
    dbs_valid_until: date | None = None
    max_drive_s: int | None = None

    def __post_init__(self) -> None:
        what = f"driver {self.id!r}"
        if not self.id:
            msg = "A driver has an empty id."
            raise InvalidProblem(msg)
        LatLon(*self.home).checked(f"{what} home")
        if self.seats < 0:
            msg = f"The {what} has a negative seats capacity ({self.seats})."
            raise InvalidProblem(msg)
        if self.wheelchair_spaces < 0:
            msg = f"The {what} has a negative wheelchair_spaces ({self.wheelchair_spaces})."
            raise InvalidProblem(msg)
        if self.max_drive_s is not None and self.max_drive_s < 0:
            msg = f"The {what} has a negative max_drive_s ({self.max_drive_s})."
            raise InvalidProblem(msg)
        for a, b in zip(self.availability, self.availability[1:], strict=False):
            if b.early_s <= a.late_s:
                msg = f"The {what} availability windows overlap or are not sorted."
                raise InvalidProblem(msg)

    def dbs_valid_on(self, day: date) -> bool:
        """Return whether the DBS check is valid on ``day``."""
        return self.dbs_valid_until is not None and self.dbs_valid_until >= day


@dataclass(frozen=True, slots=True)
class UnderWay:
    """Where a driver's day stands when it is re-planned while they are out (same-day re-plan).

    Stops already done are not in the problem at all (their lifts are left out by the caller).
    A stop in progress is *frozen*: it is counted as done at its planned end, so the car is
    where that stop is and free when it ends. Residents picked up and not yet dropped off are
    ``on_board``: their drop-offs must stay on this driver's route (their seats and wheelchair
    spaces taken from the start), and the rest of the day is re-planned around them.

    Parameters
    ----------
    driver_id
        The driver (one of the problem's drivers).
    position
        Where the car is, or will be when the stop in progress ends.
    free_at_s
        When the driver can leave ``position`` (seconds after midnight): the end of the stop in
        progress, or the time of the re-plan, whichever is later.
    on_board
        Ids of the lifts picked up and not yet dropped off (each one of the problem's lifts).
    driven_s
        Driving already done today (counts against the driver's ``max_drive_s``).
    """

    driver_id: str
    position: LatLon
    free_at_s: int
    on_board: tuple[str, ...] = ()
    driven_s: int = 0

    def __post_init__(self) -> None:
        what = f"route under way of driver {self.driver_id!r}"
        LatLon(*self.position).checked(f"{what} position")
        if not 0 <= self.free_at_s <= _LATEST_S:
            msg = f"The {what} is free at {self.free_at_s} s, outside the day."
            raise InvalidProblem(msg)
        if self.driven_s < 0:
            msg = f"The {what} has a negative driven_s ({self.driven_s})."
            raise InvalidProblem(msg)
        if len(set(self.on_board)) != len(self.on_board):
            msg = f"The {what} carries a lift twice."
            raise InvalidProblem(msg)

    def window(self, driver: Driver) -> TimeWindow | None:
        """Return when the route under way may run: from ``free_at_s`` to the end of the
        availability window it falls in (or the next one).

        ``None`` when the driver's availability is over: the route then only takes the riders
        on board where they are going and the driver home, whenever that ends, and the driver
        gets no new lift. The one home of this rule (search, translation and validator).
        """
        for w in driver.availability:
            if w.late_s >= self.free_at_s:
                # With riders on board the driver is working now; else from the window's start.
                early = self.free_at_s if self.on_board else max(self.free_at_s, w.early_s)
                return TimeWindow(early, w.late_s)
        return None

    def remaining_drive_s(self, driver: Driver) -> int | None:
        """Return the driving left under the driver's daily limit (``None``: no limit)."""
        if driver.max_drive_s is None:
            return None
        return max(0, driver.max_drive_s - self.driven_s)


@dataclass(frozen=True, slots=True)
class Weights:
    """Objective weights, in "seconds of driving" cost units.

    The order of the objectives is: lifts served (weighted by priority; always dominant),
    drivers used, driving time, fair spread, stability of a published plan, continuity.

    Parameters
    ----------
    driver_fixed_s
        Cost of using one more driver (as many seconds of driving).
    fairness
        Cost per second of the longest route's driving time (spreads the work).
    moved_lift_s
        Cost of moving a lift off its published driver.
    shifted_time_per_s
        Cost per second a pickup moves beyond ``shift_tolerance_s`` of its published time.
    shift_tolerance_s
        Free shift of a published pickup time.
    continuity_s
        Bonus (as a cost for any other driver) for the driver who drove the resident last time.
    shared_ride_s
        Bonus for each resident in the car at the same time as another going to (or coming
        back from) the same place: shared rides to the same activity (issue 12).
    friend_ride_s
        Bonus for each resident in the car at the same time as their named friend.
    """

    driver_fixed_s: int = 4 * 3600
    fairness: int = 1
    moved_lift_s: int = 1800
    shifted_time_per_s: int = 2
    shift_tolerance_s: int = 600
    continuity_s: int = 300
    shared_ride_s: int = 300
    friend_ride_s: int = 600

    def __post_init__(self) -> None:
        for name in (
            "driver_fixed_s",
            "fairness",
            "moved_lift_s",
            "shifted_time_per_s",
            "shift_tolerance_s",
            "continuity_s",
            "shared_ride_s",
            "friend_ride_s",
        ):
            if getattr(self, name) < 0:
                msg = f"The objective weight {name} is negative ({getattr(self, name)})."
                raise InvalidProblem(msg)


@dataclass(frozen=True, slots=True)
class Problem:
    """One day's rota problem: the lifts asked for and the drivers available.

    Parameters
    ----------
    day
        The planning day (DBS checks must be valid on it).
    lifts, drivers
        Unique ids; every referenced driver id must exist.
    ride_factor, ride_extra_s
        Maximum ride time rule: ``max(ride_factor × direct, direct + ride_extra_s)``
        (seconds from the end of boarding at the pickup to the start of the drop-off).
    boarding_s, wheelchair_boarding_s
        Default time at each stop for a lift without its own ``boarding_s``.
    weights
        Objective weights.
    under_way
        Routes already under way (a same-day re-plan): at most one per driver.
    now_s
        A same-day re-plan: no route leaves before this time (seconds after midnight); a
        driver's availability already over is dropped. ``None``: planning ahead.
    """

    day: date
    lifts: tuple[Lift, ...]
    drivers: tuple[Driver, ...]
    ride_factor: float = 1.5
    ride_extra_s: int = 20 * 60
    boarding_s: int = 120
    wheelchair_boarding_s: int = 300
    weights: Weights = field(default_factory=Weights)
    under_way: tuple[UnderWay, ...] = ()
    now_s: int | None = None

    def __post_init__(self) -> None:
        if not self.drivers:
            msg = "The problem has no drivers."
            raise InvalidProblem(msg)
        driver_ids = [d.id for d in self.drivers]
        if len(set(driver_ids)) != len(driver_ids):
            msg = "Two drivers share an id."
            raise InvalidProblem(msg)
        lift_ids = {lift.id for lift in self.lifts}
        if len(lift_ids) != len(self.lifts):
            msg = "Two lifts share an id."
            raise InvalidProblem(msg)
        known = set(driver_ids)
        for lift in self.lifts:
            for other in lift.ride_with:
                if other not in lift_ids:
                    msg = f"The lift {lift.id!r} names an unknown friend's lift ({other!r})."
                    raise InvalidProblem(msg)
            if lift.outbound_id is not None and lift.outbound_id not in lift_ids:
                msg = f"The lift {lift.id!r} names an unknown outward lift ({lift.outbound_id!r})."
                raise InvalidProblem(msg)
            for name in ("pinned_driver_id", "published_driver_id"):
                ref = getattr(lift, name)
                if ref is not None and ref not in known:
                    msg = f"The lift {lift.id!r} {name} names an unknown driver ({ref!r})."
                    raise InvalidProblem(msg)
        if not (math.isfinite(self.ride_factor) and self.ride_factor >= 1.0):
            msg = f"The ride_factor must be at least 1 ({self.ride_factor})."
            raise InvalidProblem(msg)
        for name in ("ride_extra_s", "boarding_s", "wheelchair_boarding_s"):
            if getattr(self, name) < 0:
                msg = f"The problem's {name} is negative ({getattr(self, name)})."
                raise InvalidProblem(msg)
        self._check_under_way()

    def _check_under_way(self) -> None:
        """Each route under way names a known driver once; each rider on board is a known
        lift, aboard one car only, not pinned elsewhere, and the car has room for them all."""
        drivers = {d.id: d for d in self.drivers}
        lifts = {lift.id: lift for lift in self.lifts}
        seen_drivers: set[str] = set()
        aboard: set[str] = set()
        for uw in self.under_way:
            d = drivers.get(uw.driver_id)
            if d is None:
                msg = f"A route under way names an unknown driver ({uw.driver_id!r})."
                raise InvalidProblem(msg)
            if uw.driver_id in seen_drivers:
                msg = f"The driver {uw.driver_id!r} has two routes under way."
                raise InvalidProblem(msg)
            seen_drivers.add(uw.driver_id)
            if self.now_s is not None and uw.free_at_s < self.now_s:
                msg = f"The driver {uw.driver_id!r} is free before now ({uw.free_at_s} s)."
                raise InvalidProblem(msg)
            seats = chairs = 0
            for lid in uw.on_board:
                lift = lifts.get(lid)
                if lift is None:
                    msg = f"The driver {uw.driver_id!r} carries an unknown lift ({lid!r})."
                    raise InvalidProblem(msg)
                if lid in aboard:
                    msg = f"The lift {lid!r} is on board two cars."
                    raise InvalidProblem(msg)
                aboard.add(lid)
                if lift.pinned_driver_id not in (None, uw.driver_id):
                    msg = f"The lift {lid!r} is on board {uw.driver_id!r} but pinned elsewhere."
                    raise InvalidProblem(msg)
                seats += lift.seats
                chairs += 1 if lift.wheelchair else 0
            if seats > d.seats or chairs > d.wheelchair_spaces:
                msg = f"The driver {uw.driver_id!r} carries more riders than the car takes."
                raise InvalidProblem(msg)

    def hours_left(self, driver: Driver) -> tuple[TimeWindow, ...]:
        """Return the driver's availability from ``now_s`` on (all of it when planning ahead).

        For a driver under way, the window they are in is the route under way's
        (:meth:`UnderWay.window`); this is about the others. The one home of "nothing before
        now" (translation and validator).
        """
        if self.now_s is None:
            return driver.availability
        now = self.now_s
        return tuple(
            TimeWindow(max(w.early_s, now), w.late_s)
            for w in driver.availability
            if w.late_s >= now
        )

    def under_way_of(self, driver_id: str) -> UnderWay | None:
        """Return the route under way of a driver, if any."""
        for uw in self.under_way:
            if uw.driver_id == driver_id:
                return uw
        return None

    def on_board(self) -> dict[str, str]:
        """Return lift id -> driver id of every rider on board a car under way."""
        return {lid: uw.driver_id for uw in self.under_way for lid in uw.on_board}

    def boarding_of(self, lift: Lift) -> int:
        """Return the boarding time at each stop of ``lift``."""
        if lift.boarding_s is not None:
            return lift.boarding_s
        return self.wheelchair_boarding_s if lift.wheelchair else self.boarding_s

    def rules_aboard(self, lift: Lift, uw: UnderWay, direct_s: int) -> tuple[TimeWindow, int]:
        """Return the drop-off window and ride limit of a rider already on board ``uw``'s car.

        ``direct_s`` is the drive from the car's position to the drop-off. The ride is counted
        from ``uw.free_at_s`` and may last what the house rule allows for that remaining drive
        (or until the drop-off window opens); a drop-off window that can no longer be met is
        stretched to the earliest arrival: the rider is in the car and is taken there anyway.
        """
        earliest = uw.free_at_s + direct_s
        w = lift.arrival_window
        early, late = (0, 2 * DAY_S) if w is None else (w.early_s, w.late_s)
        late = max(late, earliest)
        limit = max(self.max_ride_of(lift, direct_s), early - uw.free_at_s)
        return TimeWindow(early, late), limit

    def max_ride_of(self, lift: Lift, direct_s: int) -> int:
        """Return the maximum ride time of ``lift`` given its direct driving time."""
        if lift.max_ride_s is not None:
            return lift.max_ride_s
        return max(math.ceil(self.ride_factor * direct_s), direct_s + self.ride_extra_s)

    def points(self) -> list[LatLon]:
        """Return the distinct places of the problem, in the order of the travel matrix.

        Drivers' homes first (in driver order), then each lift's pickup and drop-off, then the
        positions of routes under way; a place appearing twice is kept once, where it first
        appears. A :class:`TravelMatrix` given to
        :func:`~app.optimizer.rota.solve_rota` must follow this order.
        """
        seen: dict[LatLon, None] = {}
        for d in self.drivers:
            seen.setdefault(LatLon(*d.home))
        for lift in self.lifts:
            seen.setdefault(LatLon(*lift.pickup))
            seen.setdefault(LatLon(*lift.dropoff))
        for uw in self.under_way:
            seen.setdefault(LatLon(*uw.position))
        return list(seen)


_FIRST_SOLUTIONS = frozenset(
    {
        "automatic",
        "parallel_cheapest_insertion",
        "local_cheapest_insertion",
        "local_cheapest_cost_insertion",
        "global_cheapest_arc",
        "path_cheapest_arc",
        "savings",
        "christofides",
    }
)
_METAHEURISTICS = frozenset(
    {
        "automatic",
        "greedy_descent",
        "guided_local_search",
        "simulated_annealing",
        "tabu_search",
        "generic_tabu_search",
    }
)


_CONSTRUCTIONS = frozenset({"insertion", "ortools"})
_LOCAL_SEARCH = frozenset({"relocate", "exchange", "two_opt_star"})
_ENGINES = frozenset({"search", "ortools"})


@dataclass(frozen=True, slots=True)
class SearchParams:
    """Every knob of the ruin-and-recreate search (:mod:`app.optimizer.rota.lns`).

    Defaults were measured on Li & Lim and the borough day (issue 4 round 2, issue 12).

    Parameters
    ----------
    construction
        First solution: ``"ortools"`` (OR-Tools within ``ortools_share`` of the time; where it
        finds none in time, as on the largest days, the search constructs its own) or
        ``"insertion"`` (the search's own regret insertion).
    ortools_share
        Share of the time limit given to OR-Tools' first solution.
    ortools_max_requests
        Above this many requests OR-Tools finds no first solution in its share (measured: none
        in 120 s at 1,000 legs), so the search constructs its own from the start.
    construction_share
        Longest share of the search's time for its own construction; the requests not placed
        by then wait in the request bank for the search (a plan within the time limit).
    ortools_local_search
        Let OR-Tools improve its first solution for all of its share (the clock decides how
        far, so not the same on every run); ``False`` takes its first-solution heuristic's
        answer (deterministic, as tests need with ``max_iterations``).
    max_iterations
        Stop after this many ruin-and-recreate iterations (tests: with a seed, the answer is
        then the same on every run as long as the time limit is not reached first).
    ruin_min, ruin_max
        Requests removed per iteration (drawn uniformly between the two).
    random_ruin, string_ruin
        Probabilities of a random ruin and of a string ruin (else a related ruin).
    greedy
        Probability of a greedy recreate (else regret-2).
    time_order
        Probability that a greedy recreate inserts in pickup-time order (else random order).
    temperature_start, temperature_end
        Simulated-annealing temperatures, as shares of the starting cost per request.
    route_min_share
        Share of the run in which the search tries to empty routes (fewer drivers).
    attempt_share
        Longest share of the run spent on one attempt to empty a route.
    bank_weight_empty
        Price of a request left in the bank while emptying a route (× cost per request).
    bank_weight_distance
        The same after route minimisation; ``None`` never parks a request there.
    max_exact_checks
        Insertions the constant-time bounds cannot decide that are timed exactly, per route
        and request (the cheapest first).
    relocate_passes
        Rounds of the local search over the best solution at the end (0: none).
    local_search
        The local-search operators, in the order they run: ``"relocate"`` (a request, pickup
        and drop-off together, to its best place elsewhere), ``"exchange"`` (two requests of
        different routes swapped) and ``"two_opt_star"`` (the tails of two routes swapped
        where nobody is aboard).
    neighbours
        Nearest requests tried by the exchange operator.
    stall_iterations
        After this many iterations without a better plan, one round of the local search on
        the best plan, and the search goes on from it (``None``: only at the end).
    polish_share
        Share of the time kept for the final pair-relocate descent (which stops at the time
        limit: the whole solve keeps to it).
    keep_share
        Re-planning a published day: share of the time for the plan in which no published lift
        moves (driver or pickup beyond the tolerance); the rest, only when that plan leaves
        lifts out, for moving published lifts where needed to serve them.
    """

    construction: str = "ortools"
    ortools_share: float = 0.1
    ortools_local_search: bool = True
    ortools_max_requests: int = 400
    construction_share: float = 0.7
    max_iterations: int | None = None
    ruin_min: int = 3
    ruin_max: int = 15
    random_ruin: float = 0.2
    string_ruin: float = 0.3
    greedy: float = 0.5
    time_order: float = 0.3
    temperature_start: float = 0.02
    temperature_end: float = 0.0005
    route_min_share: float = 0.5
    attempt_share: float = 0.2
    bank_weight_empty: float = 10.0
    bank_weight_distance: float | None = 3.0
    max_exact_checks: int = 4
    relocate_passes: int = 3
    local_search: tuple[str, ...] = ("relocate", "exchange", "two_opt_star")
    neighbours: int = 10
    stall_iterations: int | None = 300
    polish_share: float = 0.05
    keep_share: float = 0.6

    def __post_init__(self) -> None:
        if self.construction not in _CONSTRUCTIONS:
            msg = f"Unknown construction {self.construction!r} (insertion or ortools)."
            raise InvalidProblem(msg)
        if self.max_iterations is not None and self.max_iterations < 1:
            msg = f"The max_iterations must be at least 1 ({self.max_iterations})."
            raise InvalidProblem(msg)
        if not 1 <= self.ruin_min <= self.ruin_max:
            msg = f"The ruin sizes must satisfy 1 <= {self.ruin_min} <= {self.ruin_max}."
            raise InvalidProblem(msg)
        shares = (
            "ortools_share",
            "random_ruin",
            "string_ruin",
            "greedy",
            "time_order",
            "route_min_share",
            "attempt_share",
            "keep_share",
            "polish_share",
            "construction_share",
        )
        for name in shares:
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                msg = f"The {name} must lie between 0 and 1 ({value})."
                raise InvalidProblem(msg)
        if not 0.0 < self.temperature_end <= self.temperature_start:
            msg = "The temperatures must satisfy 0 < temperature_end <= temperature_start."
            raise InvalidProblem(msg)
        unknown = set(self.local_search) - _LOCAL_SEARCH
        if unknown:
            msg = f"Unknown local_search operator {sorted(unknown)[0]!r} ({sorted(_LOCAL_SEARCH)})."
            raise InvalidProblem(msg)
        if self.max_exact_checks < 0:
            msg = f"The max_exact_checks must not be negative ({self.max_exact_checks})."
            raise InvalidProblem(msg)


@dataclass(frozen=True, slots=True)
class SolveParams:
    """How long and how to search (never what the answer means: that is the problem's).

    Parameters
    ----------
    time_limit_s
        Wall-clock budget of the whole solve.
    seed
        Reorders the requests before the search (OR-Tools' own search is deterministic);
        ``0`` keeps the given order.
    first_solution
        OR-Tools first-solution strategy, lower case (e.g. ``"parallel_cheapest_insertion"``).
    metaheuristic
        OR-Tools local-search metaheuristic, lower case (``"guided_local_search"``,
        ``"tabu_search"``, ...).
    route_elimination
        Try to empty the smallest routes one by one (fewer drivers).
    ruin_recreate
        After route elimination, spend the remaining time removing groups of related requests
        and re-inserting them (instead of continuing the metaheuristic).
    workers
        ``2`` runs a second search (next seed, and the other setting of
        ``bank_weight_distance``; with the OR-Tools engine the other of guided local search /
        tabu search) in a spawned process (never a fork: the caller may hold database or Redis
        connections) and keeps the better plan.
    engine
        ``"search"``: the ruin-and-recreate search of :mod:`app.optimizer.rota.lns`, which
        models every rule of the problem. ``"ortools"``: OR-Tools alone (``first_solution``,
        ``metaheuristic``, ``route_elimination`` and ``ruin_recreate`` apply), the model the
        tests check the search against and the benchmarks' baseline.
    search
        The search's knobs.
    solution_limit
        Stop each search phase after this many solutions (tests, quick answers).
    log_search
        Let OR-Tools log its search to stderr.
    """

    time_limit_s: float = 10.0
    seed: int = 0
    first_solution: str = "parallel_cheapest_insertion"
    metaheuristic: str = "guided_local_search"
    route_elimination: bool = True
    ruin_recreate: bool = True
    workers: int = 1
    solution_limit: int | None = None
    log_search: bool = False
    engine: str = "search"
    search: SearchParams = field(default_factory=SearchParams)

    def __post_init__(self) -> None:
        if not (math.isfinite(self.time_limit_s) and self.time_limit_s > 0):
            msg = f"The time_limit_s must be positive ({self.time_limit_s})."
            raise InvalidProblem(msg)
        if self.first_solution not in _FIRST_SOLUTIONS:
            msg = f"Unknown first_solution {self.first_solution!r}."
            raise InvalidProblem(msg)
        if self.metaheuristic not in _METAHEURISTICS:
            msg = f"Unknown metaheuristic {self.metaheuristic!r}."
            raise InvalidProblem(msg)
        if self.workers not in (1, 2):
            msg = f"The workers must be 1 or 2 ({self.workers})."
            raise InvalidProblem(msg)
        if self.engine not in _ENGINES:
            msg = f"Unknown engine {self.engine!r} (search or ortools)."
            raise InvalidProblem(msg)
        if self.solution_limit is not None and self.solution_limit < 1:
            msg = f"The solution_limit must be at least 1 ({self.solution_limit})."
            raise InvalidProblem(msg)


class Status(StrEnum):
    """How a solve ended."""

    OK = "ok"
    INPUT_ERROR = "input_error"
    NO_SOLUTION = "no_solution"
    TIMEOUT = "timeout"


class StopKind(StrEnum):
    """What happens at a stop."""

    START = "start"
    PICKUP = "pickup"
    DROPOFF = "dropoff"
    END = "end"


class UnservedReason(StrEnum):
    """Why a lift is not in the plan (checked in this order; the first that applies)."""

    WINDOW_IMPOSSIBLE_ALONE = "window_impossible_alone"
    EXCEEDS_MAX_RIDE_TIME_ALONE = "exceeds_max_ride_time_alone"
    NO_DRIVER_WITH_VALID_DBS = "no_driver_with_valid_dbs"
    NO_VEHICLE_LARGE_ENOUGH = "no_vehicle_large_enough"
    NO_ACCESSIBLE_VEHICLE = "no_accessible_vehicle"
    NO_DRIVER_MATCHING_PREFERENCES = "no_driver_matching_preferences"
    PINNED_DRIVER_UNABLE = "pinned_driver_unable"
    NO_DRIVER_AVAILABLE = "no_driver_available"
    DRIVERS_BUSY = "drivers_busy"
    OUTBOUND_UNSERVED = "outbound_unserved"


@dataclass(frozen=True, slots=True)
class PlannedStop:
    """One stop of a route with its planned times (seconds after midnight).

    ``arrival_s`` is when the car gets there, ``service_start_s`` when boarding starts (after
    any wait), ``departure_s`` when it leaves. Loads are counted after the stop.
    """

    kind: StopKind
    lift_id: str | None
    location: LatLon
    arrival_s: int
    service_start_s: int
    departure_s: int
    load_seats: int
    load_wheelchairs: int


@dataclass(frozen=True, slots=True)
class PlannedRoute:
    """A driver's route: from home, through the stops, back home."""

    driver_id: str
    stops: tuple[PlannedStop, ...]
    drive_s: int
    distance_m: int

    @property
    def lift_ids(self) -> tuple[str, ...]:
        """Return the ids of the lifts on this route, in pickup order."""
        return tuple(
            s.lift_id for s in self.stops if s.kind is StopKind.PICKUP and s.lift_id is not None
        )


@dataclass(frozen=True, slots=True)
class Unserved:
    """A lift left out of the plan, with the reason staff see.

    ``detail`` is a sentence without ids; ``driver_ids`` are the drivers it is about (the pinned
    driver, or those who could do the lift alone), for the caller to name.
    """

    lift_id: str
    reason: UnservedReason
    detail: str
    driver_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RotaResult:
    """The solver's answer for one day."""

    status: Status
    routes: tuple[PlannedRoute, ...]
    unserved: tuple[Unserved, ...]
    stats: dict[str, float] = field(default_factory=dict)

    @property
    def drive_s(self) -> int:
        """Return the total driving time of the plan."""
        return sum(r.drive_s for r in self.routes)
