"""A pure-Python large-neighbourhood search for simple pickup-and-delivery problems.

OR-Tools finds the first solution and the first route eliminations; one OR-Tools descent costs
0.3-0.5 s, so its ruin and recreate fits only 10-25 iterations in a 10 s budget. This module
repairs with a regret-2 cheapest insertion over incremental route timing (earliest service
starts forward, latest service starts backward: each insertion position is checked in O(1)),
so hundreds to thousands of ruin-and-recreate iterations fit in the same time, accepted by
simulated annealing. It also minimises routes: a route's requests go to a request bank that
each iteration tries to empty (fewest vehicles first, as in the objective).

It applies only to the problems :func:`supports` accepts (one time window per stop, one
capacity dimension, no ride-time, route-duration, driving or distance limits, no soft
objective terms): the Li & Lim benchmark, VROOM-style shipments. Everything else keeps the
OR-Tools ruin and recreate. Every route it returns is re-timed by
:func:`~app.optimizer.rota.pdptw.schedule_route`; a route that does not time is a bug and makes
:func:`improve` return ``None``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from app.optimizer.rota.pdptw import PdpProblem
from app.optimizer.rota.pdptw import PdpRoute
from app.optimizer.rota.pdptw import PdpSolution
from app.optimizer.rota.pdptw import PdpStopTime
from app.optimizer.rota.pdptw import RouteStop
from app.optimizer.rota.pdptw import schedule_route

_INF = 1 << 62
# Ruin sizes, annealing temperatures (shares of the starting cost per request), share of the
# time given to route minimisation, and the probability of a random (not related) ruin.
_RUIN_MIN = 3
_RUIN_MAX = 15
_T0 = 0.02
_TF = 0.0005
_ROUTE_MIN_SHARE = 0.5
_ATTEMPT_SHARE = 0.2
_RANDOM_RUIN = 0.2
_BANK_WEIGHT = 10.0
_BANK_WEIGHT_DISTANCE = 3.0
_STRING_RUIN = 0.3
_GREEDY = 0.5
_TIME_ORDER = 0.3


def supports(p: PdpProblem) -> bool:
    """Return whether :func:`improve` models every rule of ``p`` exactly.

    Parameters
    ----------
    p
        The problem.

    Returns
    -------
    bool
        ``True`` for one window per stop, one capacity dimension, vehicles with a start and an
        end, and no ride-time, duration, driving or distance limits or soft objective terms.
    """
    o = p.objective
    if o.moved_vehicle_cost or o.preferred_vehicle_cost or o.shifted_time_cost:
        return False
    if o.span_cost or o.fairness_cost or p.shared_travel_limits:
        return False
    for veh in p.vehicles:
        if veh.start is None or veh.end is None or len(veh.capacity) != 1:
            return False
        if veh.max_route_duration is not None or veh.max_travel_time is not None:
            return False
        if veh.max_distance is not None:
            return False
    for sh in p.shipments:
        if len(sh.pickup_windows) != 1 or len(sh.delivery_windows) != 1:
            return False
        if sh.max_ride_time is not None:
            return False
    return True


@dataclass(slots=True)
class _Route:
    """One vehicle's visiting sequence with its timing, loads and cost (sentinels included)."""

    vehicle: int
    seq: list[int]  # node ids: start sentinel, stops, end sentinel
    early: list[int]  # earliest service start at each position
    late: list[int]  # latest service start keeping the rest feasible
    load: list[int]  # load after each position
    cost: int


class _Search:
    """State shared by the operators: node data as flat lists, the matrices as lists."""

    def __init__(self, p: PdpProblem, seed: int) -> None:
        self.p = p
        ns = len(p.shipments)
        nv = len(p.vehicles)
        self.ns = ns
        self.rng = np.random.default_rng(seed)
        self.T: list[list[int]] = p.durations.tolist()
        self.C: list[list[int]] = p.cost_matrix.tolist()
        loc: list[int] = []
        e: list[int] = []
        lt: list[int] = []
        svc: list[int] = []
        dem: list[int] = []
        for sh in p.shipments:
            loc += [sh.pickup, sh.delivery]
            e += [sh.pickup_windows[0][0], sh.delivery_windows[0][0]]
            lt += [sh.pickup_windows[0][1], sh.delivery_windows[0][1]]
            svc += [sh.pickup_service, sh.delivery_service]
            dem += [sh.amount[0], -sh.amount[0]]
        for veh in p.vehicles:
            assert veh.start is not None and veh.end is not None  # noqa: S101 (supports())
            loc += [veh.start, veh.end]
            e += [veh.time_window[0], veh.time_window[0]]
            lt += [veh.time_window[1], veh.time_window[1]]
            svc += [0, 0]
            dem += [0, 0]
        self.loc, self.e, self.lt, self.svc, self.dem = loc, e, lt, svc, dem
        self.cap = [veh.capacity[0] for veh in p.vehicles]
        self.fixed = [veh.fixed_cost for veh in p.vehicles]
        self.allowed = [frozenset(p.allowed_vehicles(s)) for s in range(ns)]
        self.nv = nv
        arc = int(p.cost_matrix.max(initial=0))
        # Hierarchy of the objective: unserved requests, then vehicles, then arc costs.
        self.w_vehicle = arc * (2 * ns + 2) + max(self.fixed, default=0) + 1
        self.w_unserved = self.w_vehicle * (nv + 1)
        pick = np.asarray([sh.pickup for sh in p.shipments], dtype=np.int64)
        drop = np.asarray([sh.delivery for sh in p.shipments], dtype=np.int64)
        rel = p.durations[np.ix_(pick, pick)] + p.durations[np.ix_(drop, drop)]
        self.neighbours: list[list[int]] = np.argsort(rel, axis=1, kind="stable").tolist()

    # ---- routes

    def route(self, v: int, stops: list[int]) -> _Route:
        """Build a route of vehicle ``v`` over node ids ``stops`` (times, loads, cost)."""
        ns2 = 2 * self.ns
        seq = [ns2 + 2 * v, *stops, ns2 + 2 * v + 1]
        loc, e, lt, svc, dem, T, C = self.loc, self.e, self.lt, self.svc, self.dem, self.T, self.C
        n = len(seq)
        early = [0] * n
        load = [0] * n
        t = e[seq[0]]
        early[0] = t
        cost = 0
        cur = 0
        for k in range(1, n):
            a, b = seq[k - 1], seq[k]
            t = max(e[b], t + svc[a] + T[loc[a]][loc[b]])
            early[k] = t
            cur += dem[b]
            load[k] = cur
            cost += C[loc[a]][loc[b]]
        late = [0] * n
        t = lt[seq[-1]]
        late[-1] = t
        for k in range(n - 2, -1, -1):
            a, b = seq[k], seq[k + 1]
            t = min(lt[a], t - svc[a] - T[loc[a]][loc[b]])
            late[k] = t
        return _Route(v, seq, early, late, load, cost)

    def feasible(self, r: _Route) -> bool:
        """Return whether a route meets every window and its capacity."""
        lt = self.lt
        cap = self.cap[r.vehicle]
        return all(
            t <= lt[node] and ld <= cap for t, ld, node in zip(r.early, r.load, r.seq, strict=True)
        )

    def best_insertion(self, r: _Route, s: int) -> tuple[int, int, int]:
        """Return ``(cost increase, i, j)`` of the cheapest insertion of shipment ``s`` in ``r``.

        The pickup goes after position ``i`` and the delivery after position ``j >= i`` of the
        current sequence; ``(_INF, -1, -1)`` when no position is feasible.
        """
        if r.vehicle not in self.allowed[s]:
            return _INF, -1, -1
        loc, e, lt, svc, T, C = self.loc, self.e, self.lt, self.svc, self.T, self.C
        seq, early, late, load = r.seq, r.early, r.late, r.load
        pn, dn = 2 * s, 2 * s + 1
        lp, ld = loc[pn], loc[dn]
        ep, lpl, sp = e[pn], lt[pn], svc[pn]
        ed, ldl, sd = e[dn], lt[dn], svc[dn]
        q = self.dem[pn]
        room = self.cap[r.vehicle] - q
        Tp, Td, Cp, Cd = T[lp], T[ld], C[lp], C[ld]
        best, bi, bj = _INF, -1, -1
        n = len(seq)
        for i in range(n - 1):
            if load[i] > room:
                continue
            a, b = seq[i], seq[i + 1]
            la, lb = loc[a], loc[b]
            tp = early[i] + svc[a] + T[la][lp]
            if tp < ep:
                tp = ep
            if tp > lpl:
                continue
            ca = C[la]
            dp = ca[lp] + Cp[lb] - ca[lb]
            if dp >= best:
                continue
            # delivery right after the pickup
            td = tp + sp + Tp[ld]
            if td < ed:
                td = ed
            if td <= ldl:
                tb = td + sd + Td[lb]
                if tb < e[b]:
                    tb = e[b]
                if tb <= late[i + 1]:
                    delta = ca[lp] + Cp[ld] + Cd[lb] - ca[lb]
                    if delta < best:
                        best, bi, bj = delta, i, i
            # delivery later: push the times of positions i+1.. forward
            t = tp + sp + Tp[lb]
            if t < e[b]:
                t = e[b]
            if t > late[i + 1]:
                continue
            for j in range(i + 1, n - 1):
                c = seq[j]
                if load[j] > room:
                    break
                lc = loc[c]
                nx = seq[j + 1]
                lnx = loc[nx]
                td = t + svc[c] + T[lc][ld]
                if td < ed:
                    td = ed
                if td <= ldl:
                    tn = td + sd + Td[lnx]
                    if tn < e[nx]:
                        tn = e[nx]
                    if tn <= late[j + 1]:
                        cc = C[lc]
                        delta = dp + cc[ld] + Cd[lnx] - cc[lnx]
                        if delta < best:
                            best, bi, bj = delta, i, j
                t2 = t + svc[c] + T[lc][lnx]
                if t2 < e[nx]:
                    t2 = e[nx]
                if t2 > late[j + 1]:
                    break
                if t2 <= early[j + 1]:
                    # no push any more: the remaining positions keep their own times
                    t2 = early[j + 1]
                t = t2
        return best, bi, bj

    def insert(self, r: _Route, s: int, i: int, j: int) -> _Route:
        """Return ``r`` with shipment ``s`` inserted at ``(i, j)`` (see :meth:`best_insertion`)."""
        stops = r.seq[1:-1]
        stops.insert(j, 2 * s + 1)
        stops.insert(i, 2 * s)
        return self.route(r.vehicle, stops)

    # ---- solutions

    def objective(self, routes: list[_Route], bank: set[int], bank_weight: int = 0) -> int:
        """Return the hierarchical objective of a state (``bank_weight`` per banked request)."""
        used = [r for r in routes if len(r.seq) > 2]
        total = sum(r.cost + self.fixed[r.vehicle] for r in used)
        if bank_weight:  # emptying a route: no vehicle is opened, none is counted
            return total + bank_weight * len(bank)
        return total + self.w_vehicle * len(used) + self.w_unserved * len(bank)

    def repair(self, routes: list[_Route], todo: list[int], *, open_new: bool) -> list[int]:
        """Insert ``todo`` by regret-2 into ``routes`` (in place); return those left out.

        With ``open_new`` an empty vehicle may take a request (at the cost of a vehicle).
        """
        cand = [k for k, r in enumerate(routes) if open_new or len(r.seq) > 2]
        table: dict[int, dict[int, tuple[int, int, int]]] = {}
        for s in todo:
            table[s] = {k: self._cost_in(routes[k], s) for k in cand}
        left: list[int] = []
        pending = list(todo)
        noise = self.rng.random(len(pending)).tolist()
        order = dict(zip(pending, noise, strict=True))
        while pending:
            pick, pick_key = -1, (-_INF, 0.0)
            for s in pending:
                row = table[s]
                b1 = b2 = _INF
                for c in row.values():
                    x = c[0]
                    if x < b1:
                        b1, b2 = x, b1
                    elif x < b2:
                        b2 = x
                if b1 >= _INF:
                    key: tuple[int, float] = (_INF, order[s])  # insert nowhere: settle at once
                else:
                    key = (min(b2, self.w_unserved) - b1, order[s])
                if key > pick_key:
                    pick, pick_key = s, key
            pending.remove(pick)
            row = table.pop(pick)
            k, (delta, i, j) = min(row.items(), key=lambda kv: kv[1][0], default=(-1, (_INF, 0, 0)))
            if delta >= _INF:
                left.append(pick)
                continue
            routes[k] = self.insert(routes[k], pick, i, j)
            if k not in cand:
                cand.append(k)
            for s in pending:
                table[s][k] = self._cost_in(routes[k], s)
        return left

    def greedy(self, routes: list[_Route], todo: list[int], *, open_new: bool) -> list[int]:
        """Insert ``todo`` one by one, each at its cheapest place, in a random or time order."""
        if self.rng.random() < _TIME_ORDER:
            todo = sorted(todo, key=lambda s: self.e[2 * s])
        left: list[int] = []
        for s in todo:
            best, bk, bi, bj = _INF, -1, -1, -1
            for k, r in enumerate(routes):
                if not open_new and len(r.seq) == 2:
                    continue
                delta, i, j = self._cost_in(r, s)
                if delta < best:
                    best, bk, bi, bj = delta, k, i, j
            if best >= _INF:
                left.append(s)
            else:
                routes[bk] = self.insert(routes[bk], s, bi, bj)
        return left

    def strings(self, routes: list[_Route], size: int, seed: int) -> list[int]:
        """Remove strings of consecutive stops from the routes near ``seed``; return the requests.

        A simplified SISR ruin (Christiaens and Vanden Berghe): walk the seed's neighbours, and
        in each route met for the first time remove a string of up to ``size`` stops around it.
        """
        where: dict[int, tuple[int, int]] = {}
        for k, r in enumerate(routes):
            for pos, node in enumerate(r.seq[1:-1], start=1):
                if node % 2 == 0:
                    where[node // 2] = (k, pos)
        n_routes = int(self.rng.integers(1, 4))
        removed: set[int] = set()
        seen: set[int] = set()
        for s in self.neighbours[seed]:
            if s not in where:
                continue
            k, pos = where[s]
            if k in seen:
                continue
            seen.add(k)
            seq = routes[k].seq
            length = int(self.rng.integers(1, size + 1))
            lo = max(1, pos - int(self.rng.integers(0, length)))
            hi = min(len(seq) - 1, lo + length)
            removed.update(node // 2 for node in seq[lo:hi])
            if len(seen) >= n_routes:
                break
        for k in {where[s][0] for s in removed if s in where}:
            r = routes[k]
            routes[k] = self.route(r.vehicle, [x for x in r.seq[1:-1] if x // 2 not in removed])
        return [s for s in removed if s in where]

    def _cost_in(self, r: _Route, s: int) -> tuple[int, int, int]:
        delta, i, j = self.best_insertion(r, s)
        if delta < _INF and len(r.seq) == 2:
            delta += self.w_vehicle + self.fixed[r.vehicle]
        return delta, i, j

    def ruin(self, routes: list[_Route], size: int, seed: int) -> list[int]:
        """Remove ``size`` requests related to ``seed`` (or random ones); return them."""
        if self.rng.random() < _RANDOM_RUIN:
            chosen = self.rng.permutation(self.ns)[:size].tolist()
        else:
            chosen = self.neighbours[seed][:size]
        removed = set(chosen)
        where: dict[int, int] = {}
        for k, r in enumerate(routes):
            for node in r.seq[1:-1]:
                if node // 2 in removed:
                    where[node // 2] = k
        touched = set(where.values())
        for k in touched:
            r = routes[k]
            routes[k] = self.route(r.vehicle, [x for x in r.seq[1:-1] if x // 2 not in removed])
        return [s for s in chosen if s in where]


def improve(
    p: PdpProblem,
    start: PdpSolution,
    deadline: float,
    *,
    seed: int = 0,
) -> tuple[PdpSolution, dict[str, float]] | None:
    """Improve ``start`` by route minimisation and ruin and recreate until ``deadline``.

    Parameters
    ----------
    p
        A problem :func:`supports` accepts.
    start
        A feasible solution (unserved shipments allowed: they start in the request bank).
    deadline
        ``time.monotonic()`` value at which to stop.
    seed
        Seed of the random choices.

    Returns
    -------
    tuple or None
        The best solution found (timed) and statistics, or ``None`` when ``start`` is not a
        solution this search can read.
    """
    srch = _Search(p, seed)
    by_vehicle = {
        r.vehicle: [2 * st.shipment + (0 if st.is_pickup else 1) for st in r.stops]
        for r in start.routes
    }
    routes = [srch.route(v, by_vehicle.get(v, [])) for v in range(len(p.vehicles))]
    if not all(srch.feasible(r) for r in routes):
        return None
    bank = set(start.unserved)
    t0 = time.monotonic()
    span = max(1e-3, deadline - t0)
    best_routes, best_bank = list(routes), set(bank)
    best_obj = srch.objective(routes, bank)
    scale = max(1, sum(r.cost for r in routes)) / max(1, srch.ns)
    stats = {"lns_iterations": 0.0, "lns_accepted": 0.0, "lns_routes_removed": 0.0}
    rng = srch.rng
    w_empty = max(1, int(scale * _BANK_WEIGHT))
    # Odd seeds keep the distance phase strict (no request parked in the bank): the two
    # workers of a solve then search differently (each wins on some Li & Lim instances).
    w_dist = srch.w_unserved if seed % 2 else max(1, int(scale * _BANK_WEIGHT_DISTANCE))
    cur_obj = srch.objective(routes, bank, w_dist)
    route_min_until = t0 + span * _ROUTE_MIN_SHARE
    it = 0
    emptying = False
    attempt_until = route_min_until
    while True:
        now = time.monotonic()
        if now >= deadline:
            break
        # Route minimisation: with an empty bank, empty a small route into the bank.
        if not bank and now < route_min_until:
            used = [k for k, r in enumerate(routes) if len(r.seq) > 2]
            if len(used) > 1:
                sizes = np.asarray([len(routes[k].seq) for k in used], dtype=float)
                weights = 1.0 / sizes**2
                k = used[int(rng.choice(len(used), p=weights / weights.sum()))]
                bank = {x // 2 for x in routes[k].seq[1:-1]}
                routes = list(routes)
                routes[k] = srch.route(routes[k].vehicle, [])
                emptying = True
                attempt_until = min(route_min_until, now + span * _ATTEMPT_SHARE)
                cur_obj = srch.objective(routes, bank, w_empty)
        it += 1
        frac = (now - t0) / span
        temp = scale * _T0 * (_TF / _T0) ** frac
        new = list(routes)
        size = int(rng.integers(_RUIN_MIN, _RUIN_MAX + 1))
        seed_s = int(rng.choice(sorted(bank))) if bank else int(rng.integers(srch.ns))
        if rng.random() < _STRING_RUIN:
            removed = srch.strings(new, size, seed_s)
        else:
            removed = srch.ruin(new, size, seed_s)
        todo = sorted(set(removed) | bank)
        rng.shuffle(todo)
        # While emptying a route, do not open new vehicles (that would undo it); afterwards
        # only to serve requests the start left unserved.
        open_new = not emptying and bool(start.unserved)
        if rng.random() < _GREEDY:
            left = srch.greedy(new, todo, open_new=open_new)
        else:
            left = srch.repair(new, todo, open_new=open_new)
        new_bank = set(left)
        # The current state may leave requests in the bank at a finite price: that keeps the
        # search moving when the routes are packed tight; the best is kept by the true objective.
        w_bank = w_empty if emptying else w_dist
        obj = srch.objective(new, new_bank, w_bank)
        if obj < cur_obj or rng.random() < math.exp((cur_obj - obj) / temp):
            routes, bank, cur_obj = new, new_bank, obj
            stats["lns_accepted"] += 1
            obj = srch.objective(new, new_bank)
            if obj < best_obj:
                if len([r for r in new if len(r.seq) > 2]) < len(
                    [r for r in best_routes if len(r.seq) > 2]
                ):
                    stats["lns_routes_removed"] += 1
                    stats["lns_last_removal_s"] = now - t0
                best_obj, best_routes, best_bank = obj, list(new), set(new_bank)
        if emptying and not bank:
            emptying = False
            cur_obj = srch.objective(routes, bank, w_dist)
        elif emptying and now >= attempt_until:
            # Route minimisation is over: go back to the best full state.
            routes, bank = list(best_routes), set(best_bank)
            cur_obj = srch.objective(routes, bank, w_dist)
            emptying = False
            route_min_until = now
    stats["lns_iterations"] = float(it)
    sol = _timed(p, best_routes, best_bank)
    if sol is None:
        return None
    return sol, stats


def _timed(p: PdpProblem, routes: list[_Route], bank: set[int]) -> PdpSolution | None:
    """Time the routes exactly with :func:`schedule_route`; ``None`` if one does not time."""
    out: list[PdpRoute] = []
    for r in routes:
        if len(r.seq) <= 2:
            continue
        stops: list[RouteStop] = [(x // 2, x % 2 == 0) for x in r.seq[1:-1]]
        timed = schedule_route(p, r.vehicle, stops)
        if timed is None:
            return None
        start, starts, end = timed
        veh = p.vehicles[r.vehicle]
        prev = veh.start
        departure = start
        times: list[PdpStopTime] = []
        for (s, is_pickup), service_start in zip(stops, starts, strict=True):
            sh = p.shipments[s]
            here = sh.pickup if is_pickup else sh.delivery
            arrival = departure + (0 if prev is None else int(p.durations[prev, here]))
            times.append(PdpStopTime(s, is_pickup, arrival, service_start))
            departure = service_start + (sh.pickup_service if is_pickup else sh.delivery_service)
            prev = here
        out.append(PdpRoute(r.vehicle, start, tuple(times), end))
    return PdpSolution(tuple(out), tuple(sorted(bank)))
