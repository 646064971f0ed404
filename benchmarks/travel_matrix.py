"""Road-network travel matrix benchmark (issue 3): load times, matrix times, memory, networkx.

Usage::

    .venv/bin/python benchmarks/travel_matrix.py [--sizes 100,500,1000] [--nx-sources 20]
    .venv/bin/python benchmarks/travel_matrix.py --calibrate

Every measurement runs in its own subprocess, so "peak RSS" is that process's high-water mark
(``resource.getrusage``), imports included, and nothing leaks between cases. Networks: the real
north London extract (``../shared/data``), and synthetic street grids of 100x100 (10,000) and
224x224 (50,176) junctions. Points are random junctions moved up to 40 m off the road, so they
are snapped to the nearest point of a road as real addresses are. The library runs
``OsmTravelTimes.matrix`` (both matrices: seconds and metres); networkx runs
``single_source_dijkstra`` on the same ``MultiDiGraph`` from a subset of the points (their
nearest junctions), sums edge lengths along the returned paths for the metres, and is scaled up
to all points. Its times from those sources are checked against the library's (node snapping,
no approach legs) and must agree.

``--calibrate`` prints the straight-line calibration of ``roads/straight_line.py``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

EXTRACT_NAME = "osm_sample_north_london_NOT_LBBD.osm.bz2"
GRIDS = {"grid 10k": (100, 100), "grid 50k": (224, 224)}


def shared_dir() -> Path:
    """Return ../shared (or $CONNECT_ROTA_SHARED)."""
    env = os.environ.get("CONNECT_ROTA_SHARED")
    return Path(env) if env else Path(__file__).resolve().parents[1] / ".." / "shared"


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --------------------------------------------------------------------------------------------
# Cases, each run in a subprocess by `--case NAME ARGS-JSON`; each prints one JSON line.
# --------------------------------------------------------------------------------------------


def case_cold(args: dict[str, Any]) -> dict[str, Any]:
    """Build the real extract from the .osm.bz2 (OSMnx import counted apart) into a cache."""
    t0 = time.perf_counter()
    import osmnx  # noqa: F401

    from app.optimizer.roads.osm import load_network

    t1 = time.perf_counter()
    net = load_network(args["extract"], cache_dir=Path(args["cache_dir"]), refresh=True)
    t2 = time.perf_counter()
    return {
        "import_s": t1 - t0,
        "load_s": t2 - t1,
        "nodes": net.info.nodes,
        "edges": net.info.edges,
        "npz": net.info.cache_path,
        "rss_mb": peak_rss_mb(),
    }


def case_warm(args: dict[str, Any]) -> dict[str, Any]:
    """Load a cached network in a fresh process: imports, read, and ready to answer."""
    t0 = time.perf_counter()
    from app.optimizer.roads.osm import OsmTravelTimes
    from app.optimizer.roads.osm import load_network

    t1 = time.perf_counter()
    net = load_network(args["source"], cache_dir=Path(args["cache_dir"]))
    t2 = time.perf_counter()
    OsmTravelTimes(net)
    t3 = time.perf_counter()
    return {
        "import_s": t1 - t0,
        "read_s": t2 - t1,
        "init_s": t3 - t2,
        "osmnx_imported": "osmnx" in sys.modules,
        "rss_mb": peak_rss_mb(),
    }


def sample_points(npz: str, count: int, seed: int) -> list[Any]:
    """Random junctions of the network moved 0-40 m in a random direction."""
    import numpy as np

    from app.optimizer.roads.osm import load_network
    from app.optimizer.types import LatLon

    net = load_network(npz)
    rng = np.random.default_rng(seed)
    nodes = rng.choice(net.n_nodes, size=count, replace=count > net.n_nodes)
    angle = rng.uniform(0, 2 * math.pi, count)
    dist = rng.uniform(0, 40, count)
    dlat = dist * np.cos(angle) / 111_195
    dlon = dist * np.sin(angle) / (111_195 * np.cos(np.radians(net.lat[nodes])))
    return [
        LatLon(float(a), float(b))
        for a, b in zip(net.lat[nodes] + dlat, net.lon[nodes] + dlon, strict=True)
    ]


def case_matrix(args: dict[str, Any]) -> dict[str, Any]:
    """Time OsmTravelTimes.matrix on ``count`` points of a cached network."""
    from app.optimizer.roads.osm import OsmTravelTimes
    from app.optimizer.roads.osm import load_network

    travel = OsmTravelTimes(load_network(args["npz"]))
    points = sample_points(args["npz"], args["count"], args["seed"])
    rss_before = peak_rss_mb()
    best = math.inf
    for _ in range(args["repeat"]):
        t0 = time.perf_counter()
        m = travel.matrix(points)
        best = min(best, time.perf_counter() - t0)
    return {
        "matrix_s": best,
        "rss_before_mb": rss_before,
        "rss_mb": peak_rss_mb(),
        "max_s": int(m.duration_s.max()),
        "nodes": travel.info.nodes,
        "edges": travel.info.edges,
    }


def case_networkx(args: dict[str, Any]) -> dict[str, Any]:
    """Time networkx single_source_dijkstra from a subset of the points, check agreement."""
    import networkx as nx
    import numpy as np

    from app.optimizer.roads.osm import OsmParams
    from app.optimizer.roads.osm import OsmTravelTimes
    from app.optimizer.roads.osm import load_network

    net = load_network(args["npz"])
    graph = nx.MultiDiGraph()
    tails = np.repeat(np.arange(net.n_nodes), np.diff(net.indptr))
    graph.add_edges_from(
        (int(u), int(v), {"travel_time": t / 1000, "length": d / 10})
        for u, v, t, d in zip(tails, net.indices, net.time_ms, net.length_dm, strict=True)
    )
    points = sample_points(args["npz"], args["count"], args["seed"])
    by_node = OsmTravelTimes(net, OsmParams(snap="node", approach_speed_kmh=None))
    nodes = [s.from_osm_id for s in by_node.snap(points)]
    index = {int(osm): i for i, osm in enumerate(net.osm_id)}
    targets = [index[n] for n in nodes]
    k = min(args["sources"], len(points))
    t0 = time.perf_counter()
    for s in targets[:k]:
        nx.single_source_dijkstra_path_length(graph, s, weight="travel_time")
    times_only = time.perf_counter() - t0
    t0 = time.perf_counter()
    rows = []
    for s in targets[:k]:
        dist, paths = nx.single_source_dijkstra(graph, s, weight="travel_time")
        lengths = []
        for t in targets:
            path = paths[t]
            lengths.append(
                sum(
                    min(d["length"] for d in graph[a][b].values())
                    for a, b in zip(path[:-1], path[1:], strict=True)
                )
            )
        rows.append(([dist[t] for t in targets], lengths))
    elapsed = time.perf_counter() - t0
    ours = by_node.matrix(points[:k] + points)
    agree = all(
        int(ours.duration_s[i, k + j]) == math.ceil(round(rows[i][0][j] * 1000) / 1000 - 1e-6)
        for i in range(k)
        for j in range(len(points))
    )
    return {
        "per_source_s": elapsed / k,
        "times_only_per_source_s": times_only / k,
        "sources": k,
        "agree": agree,
        "rss_mb": peak_rss_mb(),
    }


def case_build_grid(args: dict[str, Any]) -> dict[str, Any]:
    """Build a synthetic grid's compact network and save it."""
    from app.optimizer.roads.grid import street_grid
    from app.optimizer.roads.osm import network_from_graph

    t0 = time.perf_counter()
    graph = street_grid(args["rows"], args["cols"], seed=1)
    net = network_from_graph(graph, source=f"street_grid({args['rows']}, {args['cols']})")
    net.save(Path(args["npz"]))
    return {"build_s": time.perf_counter() - t0, "nodes": net.n_nodes, "edges": net.n_edges}


CASES = {
    "cold": case_cold,
    "warm": case_warm,
    "matrix": case_matrix,
    "networkx": case_networkx,
    "build_grid": case_build_grid,
}


def run_case(name: str, **args: Any) -> dict[str, Any]:  # noqa: ANN401
    """Run one case in a fresh interpreter and return its JSON result."""
    out = subprocess.run(
        [sys.executable, __file__, "--case", name, json.dumps(args)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


# --------------------------------------------------------------------------------------------


def calibrate(extract: Path) -> None:
    """Print the straight-line calibration figures quoted in roads/straight_line.py."""
    import numpy as np

    from app.optimizer.roads.osm import OsmParams
    from app.optimizer.roads.osm import OsmTravelTimes
    from app.optimizer.roads.straight_line import StraightLineParams
    from app.optimizer.roads.straight_line import StraightLineTravelTimes
    from app.optimizer.roads.straight_line import haversine_m
    from app.optimizer.types import LatLon

    with tempfile.TemporaryDirectory() as tmp:
        travel = OsmTravelTimes.from_source(
            str(extract), cache_dir=Path(tmp), params=OsmParams(approach_speed_kmh=None)
        )
    net = travel.network
    nodes = [LatLon(float(a), float(b)) for a, b in zip(net.lat, net.lon, strict=True)]
    m = travel.matrix(nodes)
    straight = haversine_m(net.lat[:, None], net.lon[:, None], net.lat[None, :], net.lon[None, :])
    print(f"network: {net.info.nodes:,} nodes, {net.info.edges:,} edges")
    for low in (500, 2000):
        far = straight >= low
        h, d, t = straight[far], m.distance_m[far].astype(float), m.duration_s[far].astype(float)
        ratio = d / h
        detour = float(np.median(ratio))
        speed = float(np.median(detour * h / t)) * 3.6
        q10, q90 = np.quantile(ratio, [0.1, 0.9])
        print(
            f"pairs >= {low} m apart: {far.sum():,} (mean {h.mean():,.0f} m, max {h.max():,.0f} m)"
        )
        print(
            f"  distance ratio median {detour:.3f} (10-90% {q10:.2f}-{q90:.2f}, "
            f"ratio of sums {d.sum() / h.sum():.3f})"
        )
        print(
            f"  speed along route {3.6 * d.sum() / t.sum():.1f} km/h; "
            f"speed matching median times given the detour: {speed:.1f} km/h"
        )
    far = straight >= 500
    model = StraightLineTravelTimes(StraightLineParams()).matrix(nodes).duration_s
    rel = model[far] / m.duration_s[far] - 1
    q10, q25, q50, q75, q90 = np.quantile(rel, [0.1, 0.25, 0.5, 0.75, 0.9])
    print(
        f"defaults {StraightLineParams()}: time error median {q50:+.1%}, "
        f"25-75% {q25:+.1%}/{q75:+.1%}, 10-90% {q10:+.1%}/{q90:+.1%}"
    )


def main() -> None:
    """Run every case and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,500,1000")
    parser.add_argument("--nx-sources", type=int, default=20)
    parser.add_argument("--calibrate", action="store_true")
    parser.add_argument("--case", nargs=2, help=argparse.SUPPRESS)
    opts = parser.parse_args()
    if opts.case:
        print(json.dumps(CASES[opts.case[0]](json.loads(opts.case[1]))))
        return
    extract = shared_dir() / "data" / EXTRACT_NAME
    if opts.calibrate:
        calibrate(extract)
        return
    sizes = [int(s) for s in opts.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        networks: dict[str, str] = {}
        print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}")
        if extract.is_file():
            cold = run_case("cold", extract=str(extract), cache_dir=tmp)
            warm = [run_case("warm", source=str(extract), cache_dir=tmp) for _ in range(3)]
            best = min(warm, key=lambda w: w["read_s"] + w["init_s"])
            networks["north London"] = cold["npz"]
            print(
                f"real extract {EXTRACT_NAME}: {cold['nodes']:,} nodes, {cold['edges']:,} edges\n"
                f"  cold load from .osm.bz2: {cold['load_s']:.2f} s "
                f"(+ {cold['import_s']:.2f} s importing OSMnx)\n"
                f"  warm load from cache: {best['read_s'] * 1000:.1f} ms read + "
                f"{best['init_s'] * 1000:.1f} ms ready to answer = "
                f"{(best['read_s'] + best['init_s']) * 1000:.1f} ms "
                f"(+ {best['import_s']:.2f} s imports in a fresh process; "
                f"OSMnx imported: {best['osmnx_imported']}; peak RSS {best['rss_mb']:.0f} MB)"
            )
        else:
            print(f"real extract {EXTRACT_NAME} not found under {shared_dir()}: skipped")
        for name, (rows, cols) in GRIDS.items():
            npz = str(Path(tmp) / f"{rows}x{cols}.npz")
            built = run_case("build_grid", rows=rows, cols=cols, npz=npz)
            networks[name] = npz
            print(
                f"{name}: {built['nodes']:,} nodes, {built['edges']:,} edges "
                f"(generated and compacted in {built['build_s']:.1f} s)"
            )
        print()
        header = (
            f"{'network':<13} {'nodes':>7} {'points':>6} {'matrix s':>9} {'peak RSS MB':>11} "
            f"{'nx s':>7} {'speed-up':>8} {'nx time-only s':>14} {'speed-up':>8} "
            f"{'nx src':>6} {'agree':>5}"
        )
        print(header)
        print("-" * len(header))
        for name, npz in networks.items():
            for count in sizes:
                repeat = 1 if name == "grid 50k" and count >= 500 else 3
                ours = run_case("matrix", npz=npz, count=count, seed=count, repeat=repeat)
                theirs = run_case(
                    "networkx", npz=npz, count=count, seed=count, sources=opts.nx_sources
                )
                nx_full = theirs["per_source_s"] * count
                nx_times = theirs["times_only_per_source_s"] * count
                print(
                    f"{name:<13} {ours['nodes']:>7,} {count:>6} {ours['matrix_s']:>9.3f} "
                    f"{ours['rss_mb']:>11.0f} {nx_full:>7.1f} {nx_full / ours['matrix_s']:>7.0f}x "
                    f"{nx_times:>14.1f} {nx_times / ours['matrix_s']:>7.0f}x "
                    f"{theirs['sources']:>6} {'yes' if theirs['agree'] else 'NO':>5}"
                )
        print(
            "\nmatrix s: OsmTravelTimes.matrix, seconds and metres, best of 3 (1 for 50k x 500+);"
            "\npeak RSS: that subprocess's high-water mark, imports included;"
            "\nnx s: networkx single_source_dijkstra (times + paths, metres summed along them)"
            " from 'nx src' of the points, scaled to all; nx time-only s: "
            "single_source_dijkstra_path_length;\nagree: networkx's times equal the library's"
            " (node snapping, no approach legs) from those sources."
        )


if __name__ == "__main__":
    main()
