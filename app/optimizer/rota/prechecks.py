"""Why a lift cannot be served: checks before solving, and a diagnosis after.

Before solving, each lift is tried on its own: if no driver could serve it even with nothing
else to do, it is left out of the search and reported with the first reason that applies (the
order of :class:`~app.optimizer.types.UnservedReason`). A lift the search leaves out although
some driver could serve it alone gets ``drivers_busy``: the suitable drivers' time went to
other (or more important) lifts.
"""

from __future__ import annotations

from app.optimizer.rota.timing import RouteTimer
from app.optimizer.rota.timing import alone_feasible
from app.optimizer.rota.translate import RotaModel
from app.optimizer.rota.translate import compatible
from app.optimizer.types import Lift
from app.optimizer.types import Problem
from app.optimizer.types import Unserved
from app.optimizer.types import UnservedReason


def _window_reason(model: RotaModel, s: int) -> Unserved | None:
    """Check the lift's own windows against the direct drive and its maximum ride time."""
    problem, sh = model.problem, model.pdp.shipments[s]
    lift = problem.lifts[model.lift_of[s]]
    direct = int(model.pdp.durations[sh.pickup, sh.delivery])
    ride = sh.max_ride_time
    if ride is not None and direct > ride:
        detail = (
            f"The direct drive ({_minutes(direct)}) is longer than the maximum ride time "
            f"({_minutes(ride)})."
        )
        return Unserved(lift.id, UnservedReason.EXCEEDS_MAX_RIDE_TIME_ALONE, detail)
    (pe, pl), (de, dl) = sh.pickup_windows[0], sh.delivery_windows[0]
    earliest_drop = pe + sh.pickup_service + direct
    if earliest_drop > dl:
        detail = (
            f"Even leaving at the start of the pickup window, the drop-off cannot start before "
            f"{_hhmm(earliest_drop)}, after the arrival deadline {_hhmm(dl)}."
        )
        return Unserved(lift.id, UnservedReason.WINDOW_IMPOSSIBLE_ALONE, detail)
    if ride is not None and pl + sh.pickup_service + ride < de:
        detail = (
            f"Picked up by {_hhmm(pl)} at the latest, the resident would ride longer than "
            f"{ride // 60} min before the arrival window opens at {_hhmm(de)}."
        )
        return Unserved(lift.id, UnservedReason.EXCEEDS_MAX_RIDE_TIME_ALONE, detail)
    return None


def _minutes(duration_s: int) -> str:
    return f"{-(-duration_s // 60)} min"


def _hhmm(t_s: int) -> str:
    return f"{t_s // 3600:02d}:{t_s // 60 % 60:02d}"


def _rule_reason(problem: Problem, lift: Lift) -> Unserved | None:
    """Check the rules that do not depend on time: DBS, seats, wheelchair, preferences, pin."""
    drivers = [d for d in problem.drivers if d.dbs_valid_on(problem.day)]
    if not drivers:
        detail = f"No driver has a DBS check valid on {problem.day.isoformat()}."
        return Unserved(lift.id, UnservedReason.NO_DRIVER_WITH_VALID_DBS, detail)
    if lift.wheelchair:
        drivers = [d for d in drivers if d.wheelchair_spaces >= 1]
        if not drivers:
            detail = "No driver with a valid DBS check has a wheelchair-accessible car."
            return Unserved(lift.id, UnservedReason.NO_ACCESSIBLE_VEHICLE, detail)
    drivers = [d for d in drivers if d.seats >= lift.seats]
    if not drivers:
        detail = f"No suitable car has {lift.seats} free seats."
        return Unserved(lift.id, UnservedReason.NO_VEHICLE_LARGE_ENOUGH, detail)
    drivers = [
        d
        for d in drivers
        if lift.required_attributes <= d.attributes and d.id not in lift.blocked_driver_ids
    ]
    if not drivers:
        wanted = ", ".join(sorted(lift.required_attributes)) or "none"
        detail = f"No suitable driver meets the resident's preferences (needs: {wanted})."
        return Unserved(lift.id, UnservedReason.NO_DRIVER_MATCHING_PREFERENCES, detail)
    if lift.pinned_driver_id is not None and not any(
        d.id == lift.pinned_driver_id for d in drivers
    ):
        detail = (
            "The pinned driver cannot take this lift (DBS check, seats, wheelchair space or "
            "the resident's preferences)."
        )
        return Unserved(
            lift.id, UnservedReason.PINNED_DRIVER_UNABLE, detail, (lift.pinned_driver_id,)
        )
    return None


def precheck(model: RotaModel) -> dict[int, Unserved]:
    """Return, by shipment index, the lifts no driver could serve even alone.

    Parameters
    ----------
    model
        The day's problem in generic form.

    Returns
    -------
    dict
        Shipment index -> the reason, for every lift that is not servable alone.
    """
    problem, pdp = model.problem, model.pdp
    timer = RouteTimer(pdp)
    out: dict[int, Unserved] = {}
    for s in range(len(pdp.shipments)):
        if model.lift_of[s] in model.carried:
            continue  # on board already: taken where they are going, whatever else happens
        lift = problem.lifts[model.lift_of[s]]
        found = _window_reason(model, s) or _rule_reason(problem, lift)
        if found is not None:
            out[s] = found
            continue
        allowed = pdp.allowed_vehicles(s)
        if any(alone_feasible(pdp, s, v, timer) for v in allowed):
            continue
        if lift.pinned_driver_id is not None:
            detail = "The pinned driver is not free long enough to do this lift, even alone."
            out[s] = Unserved(
                lift.id, UnservedReason.PINNED_DRIVER_UNABLE, detail, (lift.pinned_driver_id,)
            )
            continue
        drivers = {model.driver_of[v] for v in allowed}
        detail = (
            f"None of the {len(drivers)} suitable drivers is free at those times (or within "
            "their driving limit), even for this lift alone."
        )
        out[s] = Unserved(lift.id, UnservedReason.NO_DRIVER_AVAILABLE, detail)
    changed = True
    while changed:  # a return whose outward lift is left out is left out too
        changed = False
        for s, sh in enumerate(pdp.shipments):
            if s not in out and sh.requires is not None and sh.requires in out:
                out[s] = _outbound_unserved(model, s)
                changed = True
    return out


def _outbound_unserved(model: RotaModel, s: int) -> Unserved:
    lift = model.problem.lifts[model.lift_of[s]]
    detail = (
        "The outward lift is not planned, so this return is not either: nobody is collected "
        "from a place they were never taken to."
    )
    return Unserved(lift.id, UnservedReason.OUTBOUND_UNSERVED, detail)


def diagnose(
    model: RotaModel,
    s: int,
    unserved: frozenset[int] = frozenset(),
    timer: RouteTimer | None = None,
) -> Unserved:
    """Explain why the search left out shipment ``s`` although it is servable alone.

    ``unserved`` holds the other shipments left out: a return whose outward lift is among them
    is explained by that.
    """
    req = model.pdp.shipments[s].requires
    if req is not None and req in unserved:
        return _outbound_unserved(model, s)
    lift = model.problem.lifts[model.lift_of[s]]
    timer = timer or RouteTimer(model.pdp)
    drivers = sorted(
        {
            model.problem.drivers[model.driver_of[v]].id
            for v in model.pdp.allowed_vehicles(s)
            if alone_feasible(model.pdp, s, v, timer)
        }
    )
    detail = (
        f"{len(drivers)} driver(s) could do this lift alone, but their time is taken by other "
        "lifts of equal or higher priority."
    )
    return Unserved(lift.id, UnservedReason.DRIVERS_BUSY, detail, tuple(drivers))


__all__ = ["compatible", "diagnose", "precheck"]
