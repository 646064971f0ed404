"""A synthetic street grid shaped like an OSMnx drive graph (for benchmarks and tests).

There is no real Barking & Dagenham road network to be had here (see ``shared/data/README``),
so the benchmark and the tests that need *size* use this instead: a ``rows x cols`` lattice of
junctions ``spacing_m`` apart, slightly jittered, with a 30 mph primary road every
``arterial_every`` lines and 20 mph residential streets between them, a share of which are
one-way (alternating direction, as in a real one-way system). Pure: numpy and networkx only.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np

from app.optimizer.types import LatLon

_EARTH_RADIUS_M = 6_371_009.0
_MPH = 1.609344
_BARKING = LatLon(51.5362, 0.0813)


def street_grid(
    rows: int,
    cols: int,
    *,
    spacing_m: float = 100.0,
    origin: LatLon = _BARKING,
    arterial_every: int = 10,
    oneway_share: float = 0.2,
    jitter_m: float = 10.0,
    seed: int = 0,
) -> nx.MultiDiGraph:
    """Return a ``MultiDiGraph`` street grid with OSMnx-style attributes.

    Parameters
    ----------
    rows, cols
        Junctions north-south and east-west (``rows * cols`` nodes).
    spacing_m
        Distance between neighbouring junctions before jitter.
    origin
        South-west corner.
    arterial_every
        Every this many lines is a ``primary`` road (30 mph, two-way); the rest are
        ``residential`` (20 mph).
    oneway_share
        Share of residential lines that are one-way; consecutive one-way lines alternate.
    jitter_m
        Junctions move up to this far at random, so no two routes tie exactly.
    seed
        Seed of the random jitter and of which lines are one-way.

    Returns
    -------
    networkx.MultiDiGraph
        Nodes ``0..rows*cols-1`` with ``x`` (lon) and ``y`` (lat); edges with ``length`` (m),
        ``highway``, ``maxspeed``, ``speed_kph``, ``oneway`` and ``travel_time`` (s).
    """
    if rows < 2 or cols < 2 or spacing_m <= 0 or arterial_every < 1:
        msg = f"A street grid needs at least 2x2 junctions, got {rows}x{cols}."
        raise ValueError(msg)
    rng = np.random.default_rng(seed)
    deg_lat = math.degrees(spacing_m / _EARTH_RADIUS_M)
    deg_lon = deg_lat / math.cos(math.radians(origin.lat))
    jitter = rng.uniform(-jitter_m, jitter_m, size=(rows, cols, 2)) / spacing_m
    r_idx, c_idx = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
    lat = origin.lat + (r_idx + jitter[..., 0]) * deg_lat
    lon = origin.lon + (c_idx + jitter[..., 1]) * deg_lon

    graph = nx.MultiDiGraph(crs="epsg:4326", name=f"street grid {rows}x{cols}")
    ids = np.arange(rows * cols).reshape(rows, cols)
    graph.add_nodes_from(
        (int(ids[r, c]), {"y": float(lat[r, c]), "x": float(lon[r, c])})
        for r in range(rows)
        for c in range(cols)
    )
    for horizontal, lines, length in ((True, rows, cols), (False, cols, rows)):
        direction = 1
        for line in range(lines):
            arterial = line % arterial_every == 0
            oneway = not arterial and rng.random() < oneway_share
            if oneway:
                direction = -direction
            for step in range(length - 1):
                a = (line, step) if horizontal else (step, line)
                b = (line, step + 1) if horizontal else (step + 1, line)
                if oneway and direction < 0:
                    a, b = b, a
                _add_street(graph, int(ids[a]), int(ids[b]), arterial=arterial, oneway=oneway)
    return graph


def _add_street(graph: nx.MultiDiGraph, u: int, v: int, *, arterial: bool, oneway: bool) -> None:
    nu, nv = graph.nodes[u], graph.nodes[v]
    p1, p2 = math.radians(nu["y"]), math.radians(nv["y"])
    dlon = math.radians(nv["x"] - nu["x"])
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlon / 2) ** 2
    length = 2 * _EARTH_RADIUS_M * math.asin(math.sqrt(h))
    mph = 30 if arterial else 20
    speed = mph * _MPH
    attrs = {
        "length": length,
        "highway": "primary" if arterial else "residential",
        "maxspeed": f"{mph} mph",
        "speed_kph": speed,
        "oneway": oneway,
        "travel_time": length / (speed / 3.6),
    }
    graph.add_edge(u, v, **attrs)
    if not oneway:
        graph.add_edge(v, u, **attrs)
