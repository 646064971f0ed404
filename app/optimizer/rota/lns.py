"""The ruin-and-recreate search: every rule of a :class:`~app.optimizer.rota.pdptw.PdpProblem`.

One iteration removes a few related requests (a related, random or string ruin, as in Ropke &
Pisinger 2006 and Christiaens & Vanden Berghe 2020) and puts them back by greedy or regret-2
insertion; simulated annealing accepts the result. While the request bank is no fuller than the
best plan's, the search also tries to empty a small route (fewer drivers; Nagata & Kobayashi
2010). Hundreds to thousands of iterations fit in a few seconds because an insertion is checked
in constant time against each route's least and greatest schedule
(:mod:`~app.optimizer.rota.timing`), as in forward-time-slack checks:

* windows: the pushed times must stay within the route's greatest schedule (exact without ride
  or duration limits, a necessary condition with them);
* ride time and route duration: the drive without waiting must fit (necessary); the pushed
  least schedule keeps every ride and the duration when the push is no larger than the
  passengers' ride slack across the insertion points and the route's duration slack
  (sufficient). Only a candidate between the two is timed exactly, cheapest first, at most
  ``SearchParams.max_exact_checks`` per route and request;
* seats and wheelchair spaces (every capacity dimension), allowed vehicles (skills, car type,
  preferences, blocked pairs, DBS, pins), driving and distance limits (alone and shared by one
  driver's windows) and "a return only with its outbound" are exact.

Soft terms (moving a published lift to another driver, the driver of last time, a shifted
published pickup time, route span, the longest route's driving time) are exact in the
objective that accepts a state; insertion sees the per-driver terms, not the time-dependent
ones. The objective is lexicographic: unserved requests (weighted by priority), then vehicles
(when ``objective.vehicles_first``), then costs (:func:`solution_key`).

Every route returned is timed by :class:`~app.optimizer.rota.timing.RouteTimer`; a route that
does not time is a bug and makes :func:`improve` return ``None``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import replace

import numpy as np

from app.optimizer.rota.pdptw import PdpProblem
from app.optimizer.rota.pdptw import PdpRoute
from app.optimizer.rota.pdptw import PdpSolution
from app.optimizer.rota.pdptw import PdpStopTime
from app.optimizer.rota.pdptw import riders_with_friends
from app.optimizer.rota.pdptw import route_totals
from app.optimizer.rota.pdptw import shared_riders
from app.optimizer.rota.timing import RouteTimer
from app.optimizer.types import SearchParams

_INF = 1 << 62
_NONE = (_INF, -1, -1)


def unsupported(p: PdpProblem) -> list[str]:
    """Return the rules of ``p`` the search cannot model (empty: it models them all).

    Every field of the generic problem is modelled but one: an explicit
    ``objective.unserved_penalty`` (a price at which leaving a request out beats serving it);
    the search always serves first. This is the single place that names such rules, so that a
    problem with them is refused, never solved with a weaker search.
    """
    out = []
    if p.objective.unserved_penalty:
        out.append("an explicit unserved_penalty (the search always serves every request it can)")
    return out


def supports(p: PdpProblem) -> bool:
    """Return whether :func:`improve` models every rule of ``p``."""
    return not unsupported(p)


def solution_key(p: PdpProblem, sol: PdpSolution) -> tuple[int, int, int]:
    """Return the objective of a timed solution: unserved weight, vehicles, costs.

    The one objective key: the search minimises it, and both engines' answers and both
    workers' are compared by it. Vehicles count only with ``objective.vehicles_first``; costs
    are arc costs, fixed costs and every soft term at the solution's own times.
    """
    o = p.objective
    unserved = sum(1 + p.shipments[s].priority for s in sol.unserved)
    cost = longest = 0
    for r in sol.routes:
        stops = [(st.shipment, st.is_pickup) for st in r.stops]
        drive, _, arcs = route_totals(p, r.vehicle, stops)
        longest = max(longest, drive)
        cost += arcs + p.vehicles[r.vehicle].fixed_cost + o.span_cost * (r.end_time - r.start_time)
        for st in r.stops:
            if not st.is_pickup:
                continue
            sh = p.shipments[st.shipment]
            if sh.previous_vehicles and r.vehicle not in sh.previous_vehicles:
                cost += o.moved_vehicle_cost
            if sh.preferred_vehicles and r.vehicle not in sh.preferred_vehicles:
                cost += o.preferred_vehicle_cost
            if sh.planned_pickup is not None:
                shifted = abs(st.service_start - sh.planned_pickup) - o.shift_tolerance
                cost += o.shifted_time_cost * max(0, shifted)
        if o.shared_ride_bonus:
            cost -= o.shared_ride_bonus * shared_riders(p, stops)
        if o.friend_ride_bonus:
            cost -= o.friend_ride_bonus * riders_with_friends(p, stops)
    cost += o.fairness_cost * longest
    return unserved, len(sol.routes) if o.vehicles_first else 0, cost


@dataclass(slots=True)
class _Route:
    """One vehicle's sequence with its schedules, loads and totals (sentinels included)."""

    vehicle: int
    seq: list[int]  # node ids: start sentinel, stops, end sentinel
    early: list[int]  # least schedule
    late: list[int]  # greatest schedule
    load: list[tuple[int, ...]]  # load after each position
    cum: list[int]  # service and drive from the start to each position, no waiting
    cross: list[int]  # least ride slack of the passengers aboard on arc (k, k + 1)
    cost: int  # arc costs and soft terms
    drive: int
    dist: int
    multi: bool  # a stop with several windows (the constant-time bounds are not sufficient)


class _Search:
    """The problem as flat lists, the routes' bookkeeping and the ruin and recreate operators."""

    def __init__(self, p: PdpProblem, sp: SearchParams, seed: int) -> None:
        self.p = p
        self.sp = sp
        ns = len(p.shipments)
        self.ns = ns
        self.nv = len(p.vehicles)
        self.rng = np.random.default_rng(seed)
        self.timer = tm = RouteTimer(p)
        self.T, self.loc, self.e, self.lt, self.svc = tm.T, tm.loc, tm.e, tm.lt, tm.svc
        self.ride, self.multi = tm.ride, tm.multi
        self.C: list[list[int]] = np.pad(p.cost_matrix, ((0, 1), (0, 1))).tolist()
        need_dist = any(v.max_distance is not None for v in p.vehicles)
        self.D: list[list[int]] | None = (
            np.pad(p.distances, ((0, 1), (0, 1))).tolist() if need_dist else None
        )
        self.dims = len(p.vehicles[0].capacity)
        zero = (0,) * self.dims
        self.amount = [sh.amount for sh in p.shipments]
        self.qdims = [[k for k in range(self.dims) if a[k]] for a in self.amount]
        self.dem: list[tuple[int, ...]] = []
        for a in self.amount:
            self.dem += [a, tuple(-x for x in a)]
        self.dem += [zero] * (2 * self.nv)
        self.cap = [veh.capacity for veh in p.vehicles]
        self.fixed = [veh.fixed_cost for veh in p.vehicles]
        self.allowed = [frozenset(p.allowed_vehicles(s)) for s in range(ns)]
        self.drive_limit = [veh.max_travel_time for veh in p.vehicles]
        self.dist_limit = [veh.max_distance for veh in p.vehicles]
        self.dur_limit = tm.duration_limit
        self.groups: list[list[tuple[tuple[int, ...], int]]] = [[] for _ in p.vehicles]
        for group, limit in p.shared_travel_limits:
            for v in group:
                self.groups[v].append((tuple(group), limit))
        self.requires = [sh.requires for sh in p.shipments]
        self.dependants = p.dependants()
        self.weight = [1 + sh.priority for sh in p.shipments]
        o = p.objective
        self.moved = [o.moved_vehicle_cost if sh.previous_vehicles else 0 for sh in p.shipments]
        self.preferred = [
            o.preferred_vehicle_cost if sh.preferred_vehicles else 0 for sh in p.shipments
        ]
        self.any_soft = any(self.moved) or any(self.preferred)
        self.share_bonus = o.shared_ride_bonus
        self.friend_bonus = o.friend_ride_bonus
        # Named friends, both ways (either naming the other is enough).
        self.friends: list[set[int]] = [set(sh.friends) for sh in p.shipments]
        for s, sh in enumerate(p.shipments):
            for f in sh.friends:
                self.friends[f].add(s)
        key_ids: dict[str, int] = {}
        self.share_keys = [
            -1 if sh.share_key is None else key_ids.setdefault(sh.share_key, len(key_ids))
            for sh in p.shipments
        ]
        self.timed_soft = bool(o.span_cost) or (
            bool(o.shifted_time_cost) and any(sh.planned_pickup is not None for sh in p.shipments)
        )
        arc = int(p.cost_matrix.max(initial=0))
        horizon = max(
            [v.time_window[1] for v in p.vehicles if v.time_window[1] < 10**11] or [0]
        ) + arc * (2 * ns + 2)
        soft = ns * (
            o.moved_vehicle_cost
            + o.preferred_vehicle_cost
            + o.shared_ride_bonus
            + o.friend_ride_bonus
        )
        soft += o.fairness_cost * int(p.durations.max(initial=0)) * (2 * ns + 2)
        if self.timed_soft:
            soft += (o.span_cost * self.nv + o.shifted_time_cost * ns) * horizon
        # Hierarchy of the objective: unserved requests, then (if first) vehicles, then costs.
        base = arc * (2 * ns + 2) + sum(self.fixed) + soft + 1
        self.w_vehicle = base if o.vehicles_first else 0
        self.w_unserved = base * (self.nv + 1)
        pick = np.asarray([sh.pickup for sh in p.shipments], dtype=np.int64)
        drop = np.asarray([sh.delivery for sh in p.shipments], dtype=np.int64)
        rel = p.durations[np.ix_(pick, pick)] + p.durations[np.ix_(drop, drop)]
        self.neighbours: list[list[int]] = np.argsort(rel, axis=1, kind="stable").tolist()

    # ---- routes

    def soft_cost(self, s: int, v: int) -> int:
        """Return the per-driver soft cost of vehicle ``v`` serving shipment ``s``."""
        sh = self.p.shipments[s]
        c = 0
        if self.moved[s] and v not in sh.previous_vehicles:
            c += self.moved[s]
        if self.preferred[s] and v not in sh.preferred_vehicles:
            c += self.preferred[s]
        return c

    def route(self, v: int, stops: list[int]) -> _Route | None:
        """Build a route of vehicle ``v`` over node ids ``stops``; ``None`` when infeasible."""
        ns2 = 2 * self.ns
        seq = [ns2 + 2 * v, *stops, ns2 + 2 * v + 1]
        timer = self.timer
        pairs = timer.pairs(seq)
        if pairs is None:
            return None
        early = timer.least(seq, pairs=pairs)
        if early is None:
            return None
        late = timer.greatest(seq, pairs=pairs)
        if late is None:  # cannot happen when ``early`` exists
            return None
        loc, svc, T, C, dem = self.loc, self.svc, self.T, self.C, self.dem
        n = len(seq)
        cum = [0] * n
        cost = drive = dist = 0
        Dm = self.D
        mt = self.multi
        multi = False
        c1 = 0
        cur: tuple[int, ...] = (0,) * self.dims
        load: list[tuple[int, ...]] = [cur] * n
        for k in range(1, n):
            a, b = seq[k - 1], seq[k]
            la, lb = loc[a], loc[b]
            t = T[la][lb]
            cum[k] = cum[k - 1] + svc[a] + t
            drive += t
            cost += C[la][lb]
            if Dm is not None:
                dist += Dm[la][lb]
            if mt[b]:
                multi = True
            if b >= ns2:
                load[k] = load[k - 1]
            elif self.dims == 1:
                c1 += dem[b][0]
                load[k] = (c1,)
            else:
                cur = tuple(x + y for x, y in zip(cur, dem[b], strict=True))
                load[k] = cur
        cross = [_INF] * n
        for pk, dk, lim in pairs:
            slack = lim - (early[dk] - early[pk])
            for m in range(pk, dk):
                if slack < cross[m]:
                    cross[m] = slack
        if self.any_soft:
            for node in seq[1:-1]:
                if node % 2 == 0:
                    cost += self.soft_cost(node // 2, v)
        if self.timed_soft:
            cost += self._timed_soft(seq)
        if self.share_bonus and len(seq) > 4:
            cost -= self.share_bonus * self._shared(seq)
        if self.friend_bonus and len(seq) > 4:
            cost -= self.friend_bonus * self._with_friends(seq)
        return _Route(v, seq, early, late, load, cum, cross, cost, drive, dist, multi)

    def _with_friends(self, seq: list[int]) -> int:
        """Count riders aboard with a named friend (see ``riders_with_friends``)."""
        friends = self.friends
        aboard: set[int] = set()
        together: set[int] = set()
        for node in seq[1:-1]:
            s = node // 2
            if node % 2 == 0:
                mine = friends[s]
                if mine:
                    for o in aboard & mine:
                        together.update((s, o))
                aboard.add(s)
            else:
                aboard.discard(s)
        return len(together)

    def _shared(self, seq: list[int]) -> int:
        """Count riders aboard with another of the same activity (see ``shared_riders``)."""
        keys = self.share_keys
        aboard: dict[int, set[int]] = {}
        shared: set[int] = set()
        for node in seq[1:-1]:
            s = node // 2
            k = keys[s]
            if k < 0:
                continue
            group = aboard.setdefault(k, set())
            if node % 2 == 0:
                if group:
                    shared.add(s)
                    shared.update(group)
                group.add(s)
            else:
                group.discard(s)
        return len(shared)

    def _timed_soft(self, seq: list[int]) -> int:
        """Return the span and shifted-time costs of ``seq`` at the times drivers are given."""
        times = self.timer.schedule(seq)
        if times is None:
            return 0
        o = self.p.objective
        cost = o.span_cost * (times[-1] - times[0])
        if o.shifted_time_cost:
            for k, node in enumerate(seq):
                if node < 2 * self.ns and node % 2 == 0:
                    planned = self.p.shipments[node // 2].planned_pickup
                    if planned is not None:
                        moved = abs(times[k] - planned) - o.shift_tolerance
                        if moved > 0:
                            cost += o.shifted_time_cost * moved
        return cost

    def caps(self, routes: list[_Route], k: int) -> tuple[int | None, int | None]:
        """Return the room left under route ``k``'s driving and distance limits.

        ``routes[v]`` is always vehicle ``v``'s route.
        """
        r = routes[k]
        v = r.vehicle
        drive_limit, dist_limit = self.drive_limit[v], self.dist_limit[v]
        drive_room = None if drive_limit is None else drive_limit - r.drive
        for group, limit in self.groups[v]:
            room = limit - sum(routes[m].drive for m in group)
            drive_room = room if drive_room is None else min(drive_room, room)
        dist_room = None if dist_limit is None else dist_limit - r.dist
        return drive_room, dist_room

    def best_insertion(
        self,
        r: _Route,
        s: int,
        drive_room: int | None = None,
        dist_room: int | None = None,
    ) -> tuple[int, int, int]:
        """Return ``(cost increase, i, j)`` of the cheapest feasible insertion of ``s`` in ``r``.

        The pickup goes after position ``i`` and the delivery after position ``j >= i`` of the
        current sequence; ``(_INF, -1, -1)`` when no position is feasible.
        """
        v = r.vehicle
        if v not in self.allowed[s]:
            return _NONE
        loc, e, lt, svc, T, C, Dm = self.loc, self.e, self.lt, self.svc, self.T, self.C, self.D
        seq, early, late, load, cum, cross = r.seq, r.early, r.late, r.load, r.cum, r.cross
        pn, dn = 2 * s, 2 * s + 1
        lp, ld = loc[pn], loc[dn]
        ep, lpl, sp = e[pn], lt[pn], svc[pn]
        ed, ldl, sd = e[dn], lt[dn], svc[dn]
        if ed > late[-1] or early[0] > lpl:
            return _NONE  # the route is over before the drop-off or starts after the pickup
        ride = self.ride[dn]
        cap, q = self.cap[v], self.amount[s]
        room = [(k, cap[k] - q[k]) for k in self.qdims[s]]
        if not room:
            full = [False] * len(seq)
        elif len(room) == 1:
            k0, r0 = room[0]
            full = [ld[k0] > r0 for ld in load]
        else:
            full = [any(ld[k] > rm for k, rm in room) for ld in load]
        multi = r.multi or self.multi[pn] or self.multi[dn]
        dlim = self.dur_limit[v]
        dur_room = None if dlim is None else dlim - cum[-1]
        dur_slack = _INF if dlim is None else dlim - (early[-1] - early[0])
        Tp, Td, Cp, Cd = T[lp], T[ld], C[lp], C[ld]
        Dp = Dd = None
        if dist_room is not None and Dm is not None:
            Dp, Dd = Dm[lp], Dm[ld]
        best, bi, bj = _INF, -1, -1
        unsure: list[tuple[int, int, int]] = []
        n = len(seq)
        for i in range(n - 1):
            if early[i] > lpl:
                break  # no later position can make the pickup
            if full[i]:
                continue
            a, b = seq[i], seq[i + 1]
            la, lb = loc[a], loc[b]
            Ta = T[la]
            tp = early[i] + svc[a] + Ta[lp]
            if tp < ep:
                tp = ep
            if tp > lpl:
                continue
            ca = C[la]
            dp = ca[lp] + Cp[lb] - ca[lb]
            if dp >= best:
                continue
            eb, lateb = e[b], late[i + 1]
            # delivery right after the pickup
            td = tp + sp + Tp[ld]
            if td < ed:
                td = ed
            if td <= ldl and (ride < 0 or sp + Tp[ld] <= ride):
                tb = td + sd + Td[lb]
                if tb < eb:
                    tb = eb
                if tb <= lateb:
                    added = Ta[lp] + Tp[ld] + Td[lb] - Ta[lb]
                    ok = (dur_room is None or added + sp + sd <= dur_room) and (
                        drive_room is None or added <= drive_room
                    )
                    if ok and Dp is not None and Dd is not None and dist_room is not None:
                        Da = Dm[la]  # type: ignore[index]
                        ok = Da[lp] + Dp[ld] + Dd[lb] - Da[lb] <= dist_room
                    if ok:
                        delta = ca[lp] + Cp[ld] + Cd[lb] - ca[lb]
                        if delta < best:
                            push = tb - early[i + 1]
                            if (
                                not multi
                                and (ride < 0 or td - tp <= ride)
                                and push <= cross[i]
                                and push <= dur_slack
                            ):
                                best, bi, bj = delta, i, i
                            else:
                                unsure.append((delta, i, i))
            # delivery later: push the times of positions i+1.. forward
            t = tp + sp + Tp[lb]
            if t < eb:
                t = eb
            if t > lateb:
                continue
            if t < early[i + 1]:
                t = early[i + 1]
            push1 = t - early[i + 1]
            add_p = Ta[lp] + Tp[lb] - Ta[lb]
            path0 = sp + Tp[lb] - cum[i + 1]
            for j in range(i + 1, n - 1):
                if full[j]:
                    break
                c = seq[j]
                if ride >= 0 and path0 + cum[j] > ride:
                    break
                lc = loc[c]
                nx = seq[j + 1]
                lnx = loc[nx]
                Tc = T[lc]
                td = t + svc[c] + Tc[ld]
                if td < ed:
                    td = ed
                if td <= ldl and (ride < 0 or path0 + cum[j] + svc[c] + Tc[ld] <= ride):
                    tn = td + sd + Td[lnx]
                    if tn < e[nx]:
                        tn = e[nx]
                    if tn <= late[j + 1]:
                        added = add_p + Tc[ld] + Td[lnx] - Tc[lnx]
                        ok = (dur_room is None or added + sp + sd <= dur_room) and (
                            drive_room is None or added <= drive_room
                        )
                        if ok and Dp is not None and Dd is not None and dist_room is not None:
                            Da, Dc = Dm[la], Dm[lc]  # type: ignore[index]
                            extra = Da[lp] + Dp[lb] - Da[lb] + Dc[ld] + Dd[lnx] - Dc[lnx]
                            ok = extra <= dist_room
                        if ok:
                            cc = C[lc]
                            delta = dp + cc[ld] + Cd[lnx] - cc[lnx]
                            if delta < best:
                                push2 = tn - early[j + 1]
                                if push2 < 0:
                                    push2 = 0
                                pmax = push1 if push1 > push2 else push2
                                if (
                                    not multi
                                    and (ride < 0 or td - tp <= ride)
                                    and pmax <= cross[i]
                                    and push2 <= cross[j]
                                    and pmax <= dur_slack
                                ):
                                    best, bi, bj = delta, i, j
                                else:
                                    unsure.append((delta, i, j))
                t2 = t + svc[c] + Tc[lnx]
                if t2 < e[nx]:
                    t2 = e[nx]
                if t2 > late[j + 1]:
                    break
                if t2 <= early[j + 1]:
                    # no push any more: the remaining positions keep their own times
                    t2 = early[j + 1]
                t = t2
        if unsure:
            unsure.sort()
            for checked, (delta, i, j) in enumerate(unsure):
                if delta >= best or checked >= self.sp.max_exact_checks:
                    break
                if self.timer.least(self._with(seq, s, i, j)) is not None:
                    best, bi, bj = delta, i, j
                    break
        if best >= _INF:
            return _NONE
        return best + self.soft_cost(s, v), bi, bj

    @staticmethod
    def _with(seq: list[int], s: int, i: int, j: int) -> list[int]:
        """Return ``seq`` with shipment ``s`` inserted at ``(i, j)``."""
        out = [*seq[: j + 1], 2 * s + 1, *seq[j + 1 :]]
        out.insert(i + 1, 2 * s)
        return out

    def insert(self, r: _Route, s: int, i: int, j: int) -> _Route:
        """Return ``r`` with shipment ``s`` inserted at ``(i, j)`` (see :meth:`best_insertion`)."""
        new = self.route(r.vehicle, self._with(r.seq, s, i, j)[1:-1])
        if new is None:  # best_insertion only proposes feasible positions
            msg = "An insertion the search checked does not time (a bug)."
            raise AssertionError(msg)
        return new

    def empty(self, v: int) -> _Route:
        """Return the empty route of vehicle ``v``."""
        r = self.route(v, [])
        if r is None:
            ns2 = 2 * self.ns
            t = self.e[ns2 + 2 * v]
            seq = [ns2 + 2 * v, ns2 + 2 * v + 1]
            z = (0,) * self.dims
            return _Route(v, seq, [t, t], [t, t], [z, z], [0, 0], [_INF, _INF], 0, 0, 0, False)
        return r

    # ---- states

    def bank_weight(self, bank: set[int]) -> int:
        """Return the priority weight of the requests in ``bank``."""
        return sum(self.weight[s] for s in bank)

    def objective(self, routes: list[_Route], bank: set[int], bank_price: int = 0) -> int:
        """Return the objective of a state (``bank_price`` per banked request: a current state).

        With a bank price, vehicles are not counted (emptying a route opens none).
        """
        used = [r for r in routes if len(r.seq) > 2]
        total = sum(r.cost + self.fixed[r.vehicle] for r in used)
        o = self.p.objective
        if o.fairness_cost and used:
            total += o.fairness_cost * max(r.drive for r in used)
        if bank_price:
            return total + bank_price * self.bank_weight(bank)
        return total + self.w_vehicle * len(used) + self.w_unserved * self.bank_weight(bank)

    def served(self, routes: list[_Route]) -> set[int]:
        """Return the shipments on ``routes``."""
        return {x // 2 for r in routes for x in r.seq[1:-1] if x % 2 == 0}

    def _cost_in(self, routes: list[_Route], k: int, s: int) -> tuple[int, int, int]:
        r = routes[k]
        drive_room, dist_room = self.caps(routes, k)
        delta, i, j = self.best_insertion(r, s, drive_room, dist_room)
        if delta < _INF and len(r.seq) == 2:
            delta += self.w_vehicle + self.fixed[r.vehicle]
        return delta, i, j

    def _group_mates(self, routes: list[_Route], k: int) -> list[int]:
        """Return the other routes sharing a driving limit with route ``k``."""
        v = routes[k].vehicle
        return sorted({m for g, _ in self.groups[v] for m in g if m != v})

    def repair(
        self,
        routes: list[_Route],
        todo: list[int],
        *,
        open_new: bool,
        deadline: float = math.inf,
    ) -> list[int]:
        """Insert ``todo`` by regret-2 into ``routes`` (in place); return those left out.

        With ``open_new`` an empty vehicle may take a request (at the cost of a vehicle). A
        request that requires another waits until that one is placed. Past ``deadline`` the
        requests not yet placed are left out (a construction that keeps to the time limit).

        Each request keeps only the routes it fits in: an insertion never makes a route take
        a request it could not take before (more stops, less room), so after inserting into a
        route only the requests that still fit it are re-priced.
        """
        cand = [k for k, r in enumerate(routes) if open_new or len(r.seq) > 2]
        served = self.served(routes)
        rows: dict[int, dict[int, tuple[int, int, int]]] = {}
        keys: dict[int, tuple[int, float]] = {}
        users: dict[int, set[int]] = {}  # route -> pending requests that fit it
        waiting: dict[int, list[int]] = {}
        pending: list[int] = []
        noise = self.rng.random(len(todo)).tolist()
        order = dict(zip(todo, noise, strict=True))
        w_unserved = self.w_unserved

        def key(s: int, row: dict[int, tuple[int, int, int]]) -> tuple[int, float]:
            b1 = b2 = _INF
            for c in row.values():
                x = c[0]
                if x < b1:
                    b1, b2 = x, b1
                elif x < b2:
                    b2 = x
            if b1 >= _INF:
                return (_INF, order[s])  # insert nowhere: settle at once
            return (min(b2, w_unserved * self.weight[s]) - b1, order[s])

        def fill(s: int) -> None:
            row: dict[int, tuple[int, int, int]] = {}
            for k in cand:
                c = self._cost_in(routes, k, s)
                if c[0] < _INF:
                    row[k] = c
                    users.setdefault(k, set()).add(s)
            rows[s] = row
            keys[s] = key(s, row)
            pending.append(s)

        left: list[int] = []
        for s in todo:
            if time.monotonic() >= deadline:
                left.append(s)
                continue
            req = self.requires[s]
            if req is not None and req not in served:
                waiting.setdefault(req, []).append(s)
                continue
            fill(s)
        while pending:
            if time.monotonic() >= deadline:
                left.extend(pending)
                break
            pick = max(pending, key=keys.__getitem__)
            pending.remove(pick)
            row = rows.pop(pick)
            del keys[pick]
            for x in row:
                users[x].discard(pick)
            if not row:
                left.append(pick)
                left.extend(self._all_waiting(waiting, pick))
                continue
            k, (_, i, j) = min(row.items(), key=lambda kv: kv[1][0])
            routes[k] = self.insert(routes[k], pick, i, j)
            served.add(pick)
            touched = [k, *self._group_mates(routes, k)]
            affected: set[int] = set()
            for x in touched:
                affected |= users.get(x, set())
            for s in affected:
                srow = rows[s]
                for x in touched:
                    if x in srow:
                        c = self._cost_in(routes, x, s)
                        if c[0] < _INF:
                            srow[x] = c
                        else:
                            del srow[x]
                            users[x].discard(s)
                keys[s] = key(s, srow)
            for s in waiting.pop(pick, []):
                fill(s)
        for rest in waiting.values():
            left.extend(rest)
        return left

    def warm_start(self, routes: list[_Route], todo: list[int]) -> list[int]:
        """Put each request back with its published vehicle, in published pickup order.

        The warm start of a re-plan (after a decline or a cancellation): what was published
        and still fits stays as it was; returns the requests not placed (for the regret
        construction).
        """
        p = self.p

        def planned(s: int) -> tuple[int, int]:
            t = p.shipments[s].planned_pickup
            return (0, t) if t is not None else (1, 0)

        left: list[int] = []
        served = self.served(routes)
        for s in sorted(todo, key=planned):
            req = self.requires[s]
            best, bk, bi, bj = _INF, -1, -1, -1
            if req is None or req in served:
                for v in sorted(p.shipments[s].previous_vehicles):
                    delta, i, j = self._cost_in(routes, v, s)
                    if delta < best:
                        best, bk, bi, bj = delta, v, i, j
            if best >= _INF:
                left.append(s)
            else:
                routes[bk] = self.insert(routes[bk], s, bi, bj)
                served.add(s)
        return left

    def _all_waiting(self, waiting: dict[int, list[int]], s: int) -> list[int]:
        out = []
        for d in waiting.pop(s, []):
            out.append(d)
            out.extend(self._all_waiting(waiting, d))
        return out

    def greedy(self, routes: list[_Route], todo: list[int], *, open_new: bool) -> list[int]:
        """Insert ``todo`` one by one, each at its cheapest place, in a random or time order."""
        if self.rng.random() < self.sp.time_order:
            todo = sorted(todo, key=lambda s: self.e[2 * s])
        served = self.served(routes)
        # A request that requires another goes after it.
        todo = sorted(todo, key=lambda s: self.requires[s] is not None)
        left: list[int] = []
        for s in todo:
            req = self.requires[s]
            if req is not None and req not in served:
                left.append(s)
                continue
            best, bk, bi, bj = _INF, -1, -1, -1
            for k, r in enumerate(routes):
                if not open_new and len(r.seq) == 2:
                    continue
                delta, i, j = self._cost_in(routes, k, s)
                if delta < best:
                    best, bk, bi, bj = delta, k, i, j
            if best >= _INF:
                left.append(s)
            else:
                routes[bk] = self.insert(routes[bk], s, bi, bj)
                served.add(s)
        return left

    def _closure(self, out: set[int]) -> set[int]:
        """Return ``out`` with every request that requires one of them, recursively."""
        todo = list(out)
        while todo:
            for d in self.dependants.get(todo.pop(), ()):
                if d not in out:
                    out.add(d)
                    todo.append(d)
        return out

    def remove(self, routes: list[_Route], removed: set[int]) -> set[int]:
        """Take ``removed`` (and the returns that require them) off ``routes``, in place.

        Returns every request taken off. A route that no longer times after a removal (travel
        times without the triangle inequality) is emptied too.
        """
        out = self._closure(set(removed))
        while True:
            grew = False
            for k, r in enumerate(routes):
                if not any(x // 2 in out for x in r.seq[1:-1]):
                    continue
                rest = [x for x in r.seq[1:-1] if x // 2 not in out]
                new = self.route(r.vehicle, rest)
                if new is None:
                    out.update(x // 2 for x in rest)
                    grew = True
                    new = self.empty(r.vehicle)
                routes[k] = new
            if not grew:
                return out
            out = self._closure(out)

    def relocate_descent(
        self, routes: list[_Route], bank: set[int], passes: int, deadline: float = math.inf
    ) -> int:
        """Move single requests (pickup and drop-off together) while it lowers the objective.

        The pair-relocate local search, first improvement, in place, until ``deadline``; a
        request another one requires (an outbound with its return aboard) stays. Returns the
        moves made.
        """
        moves = 0
        for _ in range(passes):
            improved = False
            obj = self.objective(routes, bank)
            where = {x // 2: k for k, r in enumerate(routes) for x in r.seq[1:-1] if x % 2 == 0}
            order = sorted(where)
            self.rng.shuffle(order)
            for s in order:
                if time.monotonic() >= deadline:
                    return moves
                if any(d in where for d in self.dependants.get(s, ())):
                    continue
                k0 = where[s]
                r0 = routes[k0]
                rest = self.route(r0.vehicle, [x for x in r0.seq[1:-1] if x // 2 != s])
                if rest is None:
                    continue
                trial = list(routes)
                trial[k0] = rest
                best, bk, bi, bj = _INF, -1, -1, -1
                for k in range(len(trial)):
                    if len(trial[k].seq) == 2 and k != k0:
                        continue  # no new vehicle for a move
                    delta, i, j = self._cost_in(trial, k, s)
                    if delta < best:
                        best, bk, bi, bj = delta, k, i, j
                if bk < 0:
                    continue
                trial[bk] = self.insert(trial[bk], s, bi, bj)
                new_obj = self.objective(trial, bank)
                if new_obj < obj:
                    routes[:] = trial
                    obj = new_obj
                    where[s] = bk
                    moves += 1
                    improved = True
            if not improved:
                break
        return moves

    def fits(self, routes: list[_Route], k: int) -> bool:
        """Return whether route ``k`` keeps the rules timing does not check: allowed vehicles,
        every capacity, driving and distance limits (its own and shared with its mates)."""
        r = routes[k]
        v = r.vehicle
        cap = self.cap[v]
        for node in r.seq[1:-1]:
            if node % 2 == 0 and v not in self.allowed[node // 2]:
                return False
        for ld in r.load:
            if any(x > c for x, c in zip(ld, cap, strict=True)):
                return False
        drive_room, dist_room = self.caps(routes, k)
        return (drive_room is None or drive_room >= 0) and (dist_room is None or dist_room >= 0)

    def exchange_descent(
        self, routes: list[_Route], bank: set[int], passes: int, deadline: float = math.inf
    ) -> int:
        """Swap two requests of different routes, each put at its best place in the other,
        while it lowers the objective (first improvement, in place; the nearest
        ``SearchParams.neighbours`` requests are tried). Returns the moves made."""
        moves = 0
        near = self.sp.neighbours
        for _ in range(passes):
            improved = False
            obj = self.objective(routes, bank)
            where = {x // 2: k for k, r in enumerate(routes) for x in r.seq[1:-1] if x % 2 == 0}
            order = sorted(where)
            self.rng.shuffle(order)
            for a in order:
                if time.monotonic() >= deadline:
                    return moves
                if self.dependants.get(a):
                    continue
                for b in self.neighbours[a][1 : near + 1]:
                    ka, kb = where[a], where.get(b, -1)
                    if kb < 0 or kb == ka or self.dependants.get(b):
                        continue
                    ra, rb = routes[ka], routes[kb]
                    if ra.vehicle not in self.allowed[b] or rb.vehicle not in self.allowed[a]:
                        continue
                    rest_a = self.route(ra.vehicle, [x for x in ra.seq[1:-1] if x // 2 != a])
                    rest_b = self.route(rb.vehicle, [x for x in rb.seq[1:-1] if x // 2 != b])
                    if rest_a is None or rest_b is None:
                        continue
                    trial = list(routes)
                    trial[ka], trial[kb] = rest_a, rest_b
                    da, ia, ja = self._cost_in(trial, ka, b)
                    if da >= _INF:
                        continue
                    trial[ka] = self.insert(rest_a, b, ia, ja)
                    db, ib, jb = self._cost_in(trial, kb, a)
                    if db >= _INF:
                        continue
                    trial[kb] = self.insert(rest_b, a, ib, jb)
                    new_obj = self.objective(trial, bank)
                    if new_obj < obj:
                        routes[:] = trial
                        obj = new_obj
                        where[a], where[b] = kb, ka
                        moves += 1
                        improved = True
                        break
            if not improved:
                break
        return moves

    def two_opt_star_descent(
        self, routes: list[_Route], bank: set[int], passes: int, deadline: float = math.inf
    ) -> int:
        """Swap the tails of two routes after points where nobody is aboard (2-opt* between
        routes: every pickup stays with its drop-off), while it lowers the objective (the best
        swap of each pair of routes, in place; a swap is timed only when its arcs cost less).
        Returns the moves made."""
        moves = 0
        C, loc = self.C, self.loc
        for _ in range(passes):
            improved = False
            obj = self.objective(routes, bank)
            used = [k for k, r in enumerate(routes) if len(r.seq) > 2]
            for x, ka in enumerate(used):
                for kb in used[x + 1 :]:
                    if time.monotonic() >= deadline:
                        return moves
                    ra, rb = routes[ka], routes[kb]
                    cuts_a = [i for i in range(len(ra.seq) - 1) if not any(ra.load[i])]
                    cuts_b = [j for j in range(len(rb.seq) - 1) if not any(rb.load[j])]
                    end_a, end_b = loc[ra.seq[-1]], loc[rb.seq[-1]]
                    best: tuple[int, list[_Route]] | None = None
                    for i in cuts_a:
                        a0, a1 = loc[ra.seq[i]], loc[ra.seq[i + 1]]
                        a_last = loc[ra.seq[-2]]  # the last stop of A's tail (or the cut)
                        for j in cuts_b:
                            if i == 0 and j == 0:
                                continue  # the whole routes change vehicles: not a 2-opt*
                            if i == len(ra.seq) - 2 and j == len(rb.seq) - 2:
                                continue
                            b0, b1 = loc[rb.seq[j]], loc[rb.seq[j + 1]]
                            b_last = loc[rb.seq[-2]]
                            # Arcs after the swap: each head to the other's tail (or its own
                            # end when that tail is empty), each tail to its new route's end.
                            tail_a = i < len(ra.seq) - 2
                            tail_b = j < len(rb.seq) - 2
                            old = C[a0][a1] + C[b0][b1]
                            old += (C[a_last][end_a] if tail_a else 0) + (
                                C[b_last][end_b] if tail_b else 0
                            )
                            new = (C[a0][b1] if tail_b else C[a0][end_a]) + (
                                C[b0][a1] if tail_a else C[b0][end_b]
                            )
                            new += (C[b_last][end_a] if tail_b else 0) + (
                                C[a_last][end_b] if tail_a else 0
                            )
                            if new >= old:
                                continue
                            new_a = self.route(ra.vehicle, ra.seq[1 : i + 1] + rb.seq[j + 1 : -1])
                            new_b = self.route(rb.vehicle, rb.seq[1 : j + 1] + ra.seq[i + 1 : -1])
                            if new_a is None or new_b is None:
                                continue
                            trial = list(routes)
                            trial[ka], trial[kb] = new_a, new_b
                            if not (self.fits(trial, ka) and self.fits(trial, kb)):
                                continue
                            new_obj = self.objective(trial, bank)
                            if new_obj < obj and (best is None or new_obj < best[0]):
                                best = (new_obj, trial)
                    if best is not None:  # the best swap of this pair of routes
                        obj, trial = best
                        routes[:] = trial
                        moves += 1
                        improved = True
            if not improved:
                break
        return moves

    def local_search(
        self, routes: list[_Route], bank: set[int], passes: int, deadline: float = math.inf
    ) -> dict[str, int]:
        """Run the operators of ``SearchParams.local_search`` in turn until none improves (or
        ``passes`` rounds, or ``deadline``); return the moves made by each."""
        ops: dict[str, Callable[[list[_Route], set[int], int, float], int]] = {
            "relocate": self.relocate_descent,
            "exchange": self.exchange_descent,
            "two_opt_star": self.two_opt_star_descent,
        }
        made = dict.fromkeys(self.sp.local_search, 0)
        for _ in range(passes):
            round_moves = 0
            for name in self.sp.local_search:
                n = ops[name](routes, bank, 1, deadline)
                made[name] += n
                round_moves += n
            if not round_moves or time.monotonic() >= deadline:
                break
        return made

    def related_ruin(self, routes: list[_Route], size: int, seed: int) -> set[int]:
        """Choose ``size`` requests related to ``seed`` (or random ones) to remove."""
        if self.rng.random() < self.sp.random_ruin:
            return {int(x) for x in self.rng.permutation(self.ns)[:size]}
        return set(self.neighbours[seed][:size])

    def string_ruin(self, routes: list[_Route], size: int, seed: int) -> set[int]:
        """Choose strings of consecutive stops from the routes near ``seed`` (simplified SISR)."""
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
        return removed


ProgressHook = Callable[[], None]


def improve(
    p: PdpProblem,
    start: PdpSolution,
    deadline: float,
    *,
    seed: int = 0,
    params: SearchParams | None = None,
    on_improvement: ProgressHook | None = None,
) -> tuple[PdpSolution, dict[str, float]] | None:
    """Construct (when ``start`` leaves requests out) and improve a solution until ``deadline``.

    Parameters
    ----------
    p
        The problem.
    start
        A feasible solution; its unserved requests start in the request bank and are inserted
        first (an empty solution: the search constructs its own).
    deadline
        ``time.monotonic()`` value at which to stop.
    seed
        Seed of the random choices.
    params
        The search's knobs (defaults: :class:`SearchParams`).
    on_improvement
        Called each time the best solution improves.

    Returns
    -------
    tuple or None
        The best solution found (timed) and statistics, or ``None`` when ``start`` is not a
        solution this search can read.
    """
    sp = params or SearchParams()
    srch = _Search(p, sp, seed)
    by_vehicle = {
        r.vehicle: [2 * st.shipment + (0 if st.is_pickup else 1) for st in r.stops]
        for r in start.routes
    }
    built = [srch.route(v, by_vehicle.get(v, [])) for v in range(len(p.vehicles))]
    if any(r is None for r in built):
        return None
    routes: list[_Route] = [r for r in built if r is not None]
    t0 = time.monotonic()
    span = max(1e-3, deadline - t0)
    rng = srch.rng
    stats = {"lns_iterations": 0.0, "lns_accepted": 0.0, "lns_routes_removed": 0.0}
    bank = set(start.unserved)
    served = srch.served(routes)
    orphans = {s for s in served if srch.requires[s] is not None and srch.requires[s] not in served}
    if orphans:  # a start that breaks "a return only with its outbound" (OR-Tools' first)
        bank |= srch.remove(routes, orphans)
    if bank:
        # Construction: a published plan's requests back with their drivers first (a re-plan's
        # warm start); then every request that fits, by regret insertion, vehicles opened freely.
        todo = sorted(bank)
        if any(p.shipments[s].previous_vehicles for s in todo):
            todo = srch.warm_start(routes, todo)
            stats["warm_started"] = float(len(bank) - len(todo))
        until = t0 + sp.construction_share * span
        bank = set(srch.repair(routes, todo, open_new=True, deadline=until))
        stats["construction_s"] = time.monotonic() - t0
    if on_improvement is not None:
        on_improvement()  # a first solution
    best_routes, best_bank = list(routes), set(bank)
    best_obj = srch.objective(routes, bank)
    scale = max(1, sum(r.cost for r in routes)) / max(1, srch.ns)
    w_empty = max(1, int(scale * sp.bank_weight_empty))
    w_dist = (
        srch.w_unserved
        if sp.bank_weight_distance is None
        else max(1, int(scale * sp.bank_weight_distance))
    )
    cur_obj = srch.objective(routes, bank, w_dist)
    max_it = sp.max_iterations

    def progress(it: int, now: float) -> float:
        if max_it is not None:
            return it / max_it
        return (now - t0) / span

    it = 0
    emptying = False
    route_min_until = sp.route_min_share
    attempt_until = route_min_until
    target = srch.bank_weight(bank)
    loop_end = deadline - sp.polish_share * span  # the rest for the final descent
    last_best = 0
    while True:
        now = time.monotonic()
        if now >= loop_end or (max_it is not None and it >= max_it):
            break
        frac = progress(it, now)
        # Route minimisation: with a bank no fuller than the best's, empty a small route.
        if not emptying and frac < route_min_until:
            target = srch.bank_weight(best_bank)
            used = [k for k, r in enumerate(routes) if len(r.seq) > 2]
            if srch.bank_weight(bank) <= target and len(used) > 1:
                sizes = np.asarray([len(routes[k].seq) for k in used], dtype=float)
                weights = 1.0 / sizes**2
                k = used[int(rng.choice(len(used), p=weights / weights.sum()))]
                routes = list(routes)
                bank |= srch.remove(routes, {x // 2 for x in routes[k].seq[1:-1]})
                emptying = True
                attempt_until = min(route_min_until, frac + sp.attempt_share)
                cur_obj = srch.objective(routes, bank, w_empty)
        it += 1
        temp = (
            scale
            * sp.temperature_start
            * (sp.temperature_end / sp.temperature_start) ** min(1.0, frac)
        )
        new = list(routes)
        size = int(rng.integers(sp.ruin_min, sp.ruin_max + 1))
        seed_s = int(rng.choice(sorted(bank))) if bank else int(rng.integers(srch.ns))
        if rng.random() < sp.string_ruin:
            chosen = srch.string_ruin(new, size, seed_s)
        else:
            chosen = srch.related_ruin(new, size, seed_s)
        removed = srch.remove(new, chosen - bank)
        todo = sorted(removed | bank)
        rng.shuffle(todo)
        if rng.random() < sp.greedy:
            left = srch.greedy(new, todo, open_new=False)
        else:
            left = srch.repair(new, todo, open_new=False)
        new_bank = set(left)
        # The current state may leave requests in the bank at a finite price: that keeps the
        # search moving when the routes are packed tight; the best is kept by the true objective.
        price = w_empty if emptying else w_dist
        obj = srch.objective(new, new_bank, price)
        if obj < cur_obj or rng.random() < math.exp((cur_obj - obj) / max(temp, 1e-9)):
            routes, bank, cur_obj = new, new_bank, obj
            stats["lns_accepted"] += 1
            true_obj = srch.objective(new, new_bank)
            if true_obj < best_obj:
                n_new = sum(1 for r in new if len(r.seq) > 2)
                if n_new < sum(1 for r in best_routes if len(r.seq) > 2):
                    stats["lns_routes_removed"] += 1
                    stats["lns_last_removal_s"] = now - t0
                best_obj, best_routes, best_bank = true_obj, list(new), set(new_bank)
                last_best = it
                stats["lns_last_best_s"] = now - t0
                if on_improvement is not None:
                    on_improvement()
        if (
            sp.stall_iterations
            and not emptying
            and it - last_best >= sp.stall_iterations
            and sp.local_search
        ):
            # Stalled: the local search on the best plan, and go on from there (an iterated
            # local search's intensification).
            last_best = it
            polished = list(best_routes)
            if sum(srch.local_search(polished, best_bank, 1, loop_end).values()):
                best_routes, best_obj = polished, srch.objective(polished, best_bank)
                stats["lns_polished"] = stats.get("lns_polished", 0.0) + 1
            # ... and from now on no request is parked in the bank: a search that parks them
            # can drift among incomplete plans and never find a better complete one.
            w_dist = srch.w_unserved
            routes, bank = list(best_routes), set(best_bank)
            cur_obj = srch.objective(routes, bank, w_dist)
            stats["lns_stalled"] = stats.get("lns_stalled", 0.0) + 1
        if emptying and srch.bank_weight(bank) <= target:
            emptying = False
            cur_obj = srch.objective(routes, bank, w_dist)
        elif emptying and frac >= attempt_until:
            # Route minimisation is over: go back to the best full state.
            routes, bank = list(best_routes), set(best_bank)
            cur_obj = srch.objective(routes, bank, w_dist)
            emptying = False
            route_min_until = frac
    stats["lns_iterations"] = float(it)
    # Last: every request still out that fits somewhere on its own goes in (a driver may be
    # opened for it); the true objective can only improve.
    if best_bank:
        srch.sp = replace(sp, max_exact_checks=_INF)  # here every candidate is timed exactly
        final = list(best_routes)
        left = srch.repair(final, sorted(best_bank), open_new=True, deadline=deadline)
        if len(left) < len(best_bank):
            best_routes, best_bank = final, set(left)
    if sp.relocate_passes and sp.local_search:
        best_routes = list(best_routes)
        made = srch.local_search(best_routes, best_bank, sp.relocate_passes, deadline)
        stats.update({f"ls_{name}": float(n) for name, n in made.items()})
    sol = _timed(srch, best_routes, best_bank)
    if sol is None:
        return None
    return sol, stats


def _timed(srch: _Search, routes: list[_Route], bank: set[int]) -> PdpSolution | None:
    """Time the routes for drivers (shortest day); ``None`` if one does not time."""
    out: list[PdpRoute] = []
    timer = srch.timer
    for r in routes:
        if len(r.seq) <= 2:
            continue
        times = timer.schedule(r.seq)
        if times is None:
            return None
        arrivals = timer.arrivals(r.seq, times)
        stops = tuple(
            PdpStopTime(node // 2, node % 2 == 0, arrival, service_start)
            for node, arrival, service_start in zip(
                r.seq[1:-1], arrivals[1:-1], times[1:-1], strict=True
            )
        )
        out.append(PdpRoute(r.vehicle, times[0], stops, times[-1]))
    out.sort(key=lambda x: x.vehicle)
    return PdpSolution(tuple(out), tuple(sorted(bank)))
