"""The one place that times a route and checks its timing (search, OR-Tools extraction, prechecks).

A route is a fixed sequence of stops. Its times must satisfy *difference constraints*: each stop
after the previous one's service and the drive (``x[k+1] >= x[k] + service + travel``), each
service start inside one of the stop's windows, each passenger's ride bounded
(``x[delivery] - x[pickup] <= max_ride_time + pickup service``) and the whole route bounded
(``x[end] - x[start] <= max_route_duration``). Written as lower bounds only (a ride limit is a
lower bound on the pickup: ``x[pickup] >= x[delivery] - limit``), every constraint is monotone,
so iterating "raise each time to its largest lower bound, then to the next window" from the
windows' openings reaches the **least** schedule, or proves there is none (a Bellman-Ford on the
route's simple temporal network, in the order that converges in one or two passes in practice).
The **greatest** schedule is the mirror image. With several windows per stop the same iteration
stays exact: rounding up to the next window is monotone too.

The forward time slack of Savelsbergh (1992) and the ride-time checks of Cordeau & Laporte
(2003) are the insertion-time use of the same two schedules: the search
(:mod:`~app.optimizer.rota.lns`) keeps each route's least and greatest times and checks a
candidate insertion against them in constant time, calling :func:`RouteTimer.least` only for the
rare candidate those bounds cannot decide.

What a driver is given is the *shortest day* (:meth:`RouteTimer.schedule`): back as early as
possible, leaving as late as that allows, then every stop as early as possible after leaving.

Node ids, shared with the search: shipment ``s`` has pickup ``2 s`` and delivery ``2 s + 1``;
vehicle ``v`` has start ``2 n + 2 v`` and end ``2 n + 2 v + 1`` (``n`` shipments). A vehicle
without a start or end place is at the extra location ``L`` (the matrices' size), zero drive
from everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from app.optimizer.rota.pdptw import PdpProblem
from app.optimizer.rota.pdptw import RouteStop
from app.optimizer.rota.pdptw import Window
from app.optimizer.rota.pdptw import route_totals

#: Passes over a route before giving up (never reached without a positive cycle, which the
#: path checks exclude; a guard, not a tuning knob).
_MAX_PASSES = 64


class RouteTimer:
    """Per-node data of one problem as flat lists, and the exact timing of node sequences.

    Parameters
    ----------
    p
        The problem.
    """

    def __init__(self, p: PdpProblem) -> None:
        self.p = p
        ns = len(p.shipments)
        self.ns = ns
        nowhere = p.durations.shape[0]
        self.T: list[list[int]] = np.pad(p.durations, ((0, 1), (0, 1))).tolist()
        loc: list[int] = []
        wins: list[tuple[Window, ...]] = []
        svc: list[int] = []
        ride: list[int] = []  # per delivery node: limit on x[d] - x[p]; -1 for none
        for sh in p.shipments:
            loc += [sh.pickup, sh.delivery]
            wins += [sh.pickup_windows, sh.delivery_windows]
            svc += [sh.pickup_service, sh.delivery_service]
            limit = -1 if sh.max_ride_time is None else sh.max_ride_time + sh.pickup_service
            ride += [-1, limit]
        self.duration_limit: list[int | None] = []
        for veh in p.vehicles:
            loc += [nowhere if veh.start is None else veh.start]
            loc += [nowhere if veh.end is None else veh.end]
            wins += [(veh.time_window,), (veh.time_window,)]
            svc += [0, 0]
            ride += [-1, -1]
            self.duration_limit.append(veh.max_route_duration)
        self.loc, self.wins, self.svc, self.ride = loc, wins, svc, ride
        self.e = [w[0][0] for w in wins]
        self.lt = [w[-1][1] for w in wins]
        self.multi = [len(w) > 1 for w in wins]
        self.any_ride = any(x >= 0 for x in ride)

    # ---- sequences

    def seq(self, v: int, stops: Sequence[RouteStop]) -> list[int]:
        """Return the node sequence of vehicle ``v`` doing ``stops`` (sentinels included)."""
        base = 2 * self.ns + 2 * v
        return [base, *(2 * s + (0 if pk else 1) for s, pk in stops), base + 1]

    def pairs(self, seq: Sequence[int]) -> list[tuple[int, int, int]] | None:
        """Return ``(pickup position, delivery position, limit)`` of each ride limit.

        ``None`` when a ride or the route cannot fit even without waiting (a positive cycle).
        """
        ns2 = 2 * self.ns
        loc, svc, T, ride = self.loc, self.svc, self.T, self.ride
        if not self.any_ride and self.duration_limit[(seq[0] - ns2) // 2] is None:
            return []
        cum = [0] * len(seq)
        for k in range(1, len(seq)):
            a, b = seq[k - 1], seq[k]
            cum[k] = cum[k - 1] + svc[a] + T[loc[a]][loc[b]]
        limit = self.duration_limit[(seq[0] - ns2) // 2]
        if limit is not None and cum[-1] > limit:
            return None
        where: dict[int, int] = {}
        pairs: list[tuple[int, int, int]] = []
        for k, node in enumerate(seq):
            if node >= ns2:
                continue
            if node % 2 == 0:
                where[node] = k
            elif ride[node] >= 0 and node - 1 in where:
                pk = where[node - 1]
                if cum[k] - cum[pk] > ride[node]:
                    return None
                pairs.append((pk, k, ride[node]))
        return pairs

    def least(
        self,
        seq: Sequence[int],
        start_min: int | None = None,
        pairs: list[tuple[int, int, int]] | None = None,
    ) -> list[int] | None:
        """Return the earliest service start of every position, or ``None`` if infeasible.

        Parameters
        ----------
        seq
            Node ids, start and end sentinels included.
        start_min
            Leave no earlier than this (the shortest-day schedule's departure).
        pairs
            :meth:`pairs` of ``seq`` when already known.
        """
        if pairs is None:
            pairs = self.pairs(seq)
            if pairs is None:
                return None
        n = len(seq)
        loc, svc, T, wins, multi = self.loc, self.svc, self.T, self.wins, self.multi
        lb = [self.e[node] for node in seq]
        if start_min is not None and start_min > lb[0]:
            lb[0] = start_min
        limit = self.duration_limit[(seq[0] - 2 * self.ns) // 2]
        x = [0] * n
        frm = 0
        for _ in range(_MAX_PASSES):
            for k in range(frm, n):
                node = seq[k]
                t = lb[k]
                if k:
                    a = seq[k - 1]
                    reach = x[k - 1] + svc[a] + T[loc[a]][loc[node]]
                    if reach > t:
                        t = reach
                if multi[node]:
                    for w0, w1 in wins[node]:
                        if t <= w1:
                            if t < w0:
                                t = w0
                            break
                    else:
                        return None
                elif t > wins[node][0][1]:
                    return None
                x[k] = t
            frm = n
            for pk, dk, lim in pairs:
                need = x[dk] - lim
                if x[pk] < need:
                    lb[pk] = need
                    if pk < frm:
                        frm = pk
            if limit is not None and x[0] < x[-1] - limit:
                lb[0] = x[-1] - limit
                frm = 0
            if frm == n:
                return x
        return None

    def greatest(
        self,
        seq: Sequence[int],
        end_max: int | None = None,
        pairs: list[tuple[int, int, int]] | None = None,
    ) -> list[int] | None:
        """Return the latest service start of every position, or ``None`` if infeasible.

        Parameters
        ----------
        seq
            Node ids, start and end sentinels included.
        end_max
            Be back no later than this.
        pairs
            :meth:`pairs` of ``seq`` when already known.
        """
        if pairs is None:
            pairs = self.pairs(seq)
            if pairs is None:
                return None
        n = len(seq)
        loc, svc, T, wins, multi = self.loc, self.svc, self.T, self.wins, self.multi
        ub = [self.lt[node] for node in seq]
        if end_max is not None and end_max < ub[-1]:
            ub[-1] = end_max
        limit = self.duration_limit[(seq[0] - 2 * self.ns) // 2]
        y = [0] * n
        frm = n - 1
        for _ in range(_MAX_PASSES):
            for k in range(frm, -1, -1):
                node = seq[k]
                t = ub[k]
                if k < n - 1:
                    b = seq[k + 1]
                    latest = y[k + 1] - svc[node] - T[loc[node]][loc[b]]
                    if latest < t:
                        t = latest
                if multi[node]:
                    for w0, w1 in reversed(wins[node]):
                        if t >= w0:
                            if t > w1:
                                t = w1
                            break
                    else:
                        return None
                elif t < wins[node][0][0]:
                    return None
                y[k] = t
            frm = -1
            for pk, dk, lim in pairs:
                cap = y[pk] + lim
                if y[dk] > cap:
                    ub[dk] = cap
                    if dk > frm:
                        frm = dk
            if limit is not None and y[-1] > y[0] + limit:
                ub[-1] = y[0] + limit
                frm = n - 1
            if frm == -1:
                return y
        return None

    def schedule(self, seq: Sequence[int]) -> list[int] | None:
        """Return the shortest-day times of every position, or ``None`` if infeasible.

        Back as early as possible; leaving as late as that allows; then every stop as early as
        possible after leaving (no needless waiting with a passenger aboard at the start).
        """
        pairs = self.pairs(seq)
        if pairs is None:
            return None
        early = self.least(seq, pairs=pairs)
        if early is None:
            return None
        late = self.greatest(seq, end_max=early[-1], pairs=pairs)
        if late is None:  # cannot happen: ``early`` is such a schedule
            return early
        return self.least(seq, start_min=late[0], pairs=pairs)

    def arrivals(self, seq: Sequence[int], times: Sequence[int]) -> list[int]:
        """Return when the car reaches each position, given the service starts ``times``."""
        loc, svc, T = self.loc, self.svc, self.T
        out = [times[0]]
        for k in range(1, len(seq)):
            a, b = seq[k - 1], seq[k]
            out.append(times[k - 1] + svc[a] + T[loc[a]][loc[b]])
        return out


def schedule_route(
    p: PdpProblem, v: int, stops: Sequence[RouteStop], timer: RouteTimer | None = None
) -> tuple[int, list[int], int] | None:
    """Time a fixed sequence of stops for vehicle ``v``, or return ``None`` when impossible.

    Windows, travel, ride times and route duration are exact (several windows per stop
    included); capacities, skills and driving limits do not depend on times and are not
    checked here.

    Parameters
    ----------
    p
        The problem.
    v
        The vehicle index.
    stops
        ``(shipment, is_pickup)`` in visiting order.
    timer
        A :class:`RouteTimer` of ``p`` to reuse (built when not given).

    Returns
    -------
    tuple or None
        ``(start_time, service_starts, end_time)`` of the shortest day.
    """
    timer = timer or RouteTimer(p)
    times = timer.schedule(timer.seq(v, stops))
    if times is None:
        return None
    return times[0], times[1:-1], times[-1]


def alone_feasible(p: PdpProblem, s: int, v: int, timer: RouteTimer | None = None) -> bool:
    """Return whether vehicle ``v`` can serve shipment ``s`` on its own (times and limits)."""
    stops: list[RouteStop] = [(s, True), (s, False)]
    veh = p.vehicles[v]
    drive, dist, _ = route_totals(p, v, stops)
    if veh.max_travel_time is not None and drive > veh.max_travel_time:
        return False
    for group, limit in p.shared_travel_limits:
        if v in group and drive > limit:
            return False
    if veh.max_distance is not None and dist > veh.max_distance:
        return False
    return schedule_route(p, v, stops, timer) is not None


__all__ = ["RouteTimer", "alone_feasible", "schedule_route"]
