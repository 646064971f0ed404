"""Road-network travel times (issue 3): tiny hand-built graphs with known answers, OSM XML and
GraphML loading, the cache, bad input, and the real north London extract."""

from __future__ import annotations

import bz2
import itertools
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from typing import Literal

import networkx as nx
import numpy as np
import pytest
from shapely.geometry import LineString

from app.optimizer.errors import InvalidProblem
from app.optimizer.errors import PointNotOnNetwork
from app.optimizer.errors import RoadNetworkError
from app.optimizer.roads import TravelTimes
from app.optimizer.roads import osm
from app.optimizer.roads.grid import street_grid
from app.optimizer.roads.osm import DRIVE_FILTER
from app.optimizer.roads.osm import MPH
from app.optimizer.roads.osm import NetworkSource
from app.optimizer.roads.osm import OsmParams
from app.optimizer.roads.osm import OsmTravelTimes
from app.optimizer.roads.osm import RoadNetwork
from app.optimizer.roads.osm import cache_path
from app.optimizer.roads.osm import load_network
from app.optimizer.roads.osm import network_from_graph
from app.optimizer.roads.straight_line import haversine_m
from app.optimizer.types import LatLon

ORIGIN = LatLon(51.54, 0.08)
M_PER_DEG_LAT = 6_371_009.0 * math.pi / 180


def at(east_m: float, north_m: float) -> LatLon:
    """The point ``east_m`` east and ``north_m`` north of ORIGIN."""
    lat = ORIGIN.lat + north_m / M_PER_DEG_LAT
    lon = ORIGIN.lon + east_m / (M_PER_DEG_LAT * math.cos(math.radians(ORIGIN.lat)))
    return LatLon(lat, lon)


Edge = tuple[int, int, float, float]  # u, v, seconds, metres


def make_graph(
    nodes: dict[int, tuple[float, float]], edges: list[Edge], *, both_ways: bool = False
) -> nx.MultiDiGraph:
    """A MultiDiGraph with nodes placed in metres from ORIGIN and edges of known time/length."""
    graph = nx.MultiDiGraph(crs="epsg:4326")
    for node, (east, north) in nodes.items():
        p = at(east, north)
        graph.add_node(node, x=p.lon, y=p.lat)
    for u, v, seconds, metres in edges:
        graph.add_edge(u, v, travel_time=seconds, length=metres, highway="residential")
        if both_ways:
            graph.add_edge(v, u, travel_time=seconds, length=metres, highway="residential")
    return graph


def node_point(graph: nx.MultiDiGraph, node: int) -> LatLon:
    """Where ``node`` of ``graph`` is."""
    return LatLon(graph.nodes[node]["y"], graph.nodes[node]["x"])


SQUARE = {1: (0.0, 0.0), 2: (100.0, 0.0), 3: (100.0, 100.0), 4: (0.0, 100.0)}


@pytest.fixture()
def one_way_square() -> nx.MultiDiGraph:
    """A 100 m square: 1->2 is one-way, the other three sides two-way, 10 s each."""
    graph = make_graph(SQUARE, [(2, 3, 10, 100), (3, 4, 10, 100), (4, 1, 10, 100)], both_ways=True)
    graph.add_edge(1, 2, travel_time=10.0, length=100.0, highway="residential", oneway=True)
    return graph


def test_is_a_travel_times(one_way_square: nx.MultiDiGraph) -> None:
    """OsmTravelTimes satisfies the TravelTimes protocol."""
    travel: TravelTimes = OsmTravelTimes.from_graph(one_way_square)
    assert travel.matrix([at(0, 0)]).duration_s.tolist() == [[0]]


def test_one_way_street_is_respected(one_way_square: nx.MultiDiGraph) -> None:
    """With 1->2 one-way, 2 back to 1 goes round the other three sides."""
    travel = OsmTravelTimes.from_graph(one_way_square)
    m = travel.matrix([node_point(one_way_square, 1), node_point(one_way_square, 2)])
    assert m.duration_s.tolist() == [[0, 10], [30, 0]]
    assert m.distance_m.tolist() == [[0, 100], [300, 0]]


def test_faster_longer_road_wins() -> None:
    """The fastest route is chosen, and its distance (not the shortest distance) reported."""
    nodes = {1: (0.0, 0.0), 2: (1000.0, 0.0), 3: (500.0, 400.0)}
    graph = make_graph(nodes, [(1, 2, 120, 1000), (1, 3, 30, 640), (3, 2, 30, 640)], both_ways=True)
    m = OsmTravelTimes.from_graph(graph).matrix([node_point(graph, 1), node_point(graph, 2)])
    assert m.duration_s[0, 1] == 60
    assert m.distance_m[0, 1] == 1280


def test_equal_times_take_the_shorter_route() -> None:
    """Between two routes of the same time, the shorter one gives the distance."""
    nodes = {1: (0.0, 0.0), 2: (1000.0, 0.0), 3: (500.0, 400.0), 4: (500.0, -100.0)}
    edges: list[Edge] = [(1, 3, 30, 640), (3, 2, 30, 640), (1, 4, 30, 550), (4, 2, 30, 550)]
    graph = make_graph(nodes, edges, both_ways=True)
    m = OsmTravelTimes.from_graph(graph).matrix([node_point(graph, 1), node_point(graph, 2)])
    assert (m.duration_s[0, 1], m.distance_m[0, 1]) == (60, 1100)


def test_unreachable_pieces_are_dropped(one_way_square: nx.MultiDiGraph) -> None:
    """An island and a one-way spur are left out; a point on the island is not snapped to it."""
    graph = one_way_square.copy()
    island_a, island_b = at(2000, 0), at(2100, 0)
    graph.add_node(10, x=island_a.lon, y=island_a.lat)
    graph.add_node(11, x=island_b.lon, y=island_b.lat)
    graph.add_edge(10, 11, travel_time=10.0, length=100.0)
    graph.add_edge(11, 10, travel_time=10.0, length=100.0)
    spur = at(-300, 0)
    graph.add_node(12, x=spur.lon, y=spur.lat)
    graph.add_edge(1, 12, travel_time=30.0, length=300.0)  # in, never out
    travel = OsmTravelTimes.from_graph(graph)
    assert travel.info.nodes == 4
    assert travel.info.dropped_nodes == 3
    with pytest.raises(PointNotOnNetwork, match=r"Point 1 \(51\.54\d+, 0\.10\d+\) is 1,900 m"):
        travel.matrix([at(0, 0), island_a])
    # the spur's end is 300 m from node 1: snapped there, with the approach time added
    m = travel.matrix([spur, at(0, 0)])
    assert m.distance_m[0, 1] == 300
    assert m.duration_s[0, 1] == math.ceil(300 / (20 / 3.6))


def test_duplicate_points_are_computed_once(
    one_way_square: nx.MultiDiGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Points at the same node cost one Dijkstra run; identical points are 0 s apart."""
    calls: list[int] = []
    real = osm.dijkstra

    def counting(*args: Any, **kwargs: Any) -> Any:  # noqa: ANN401
        calls.append(np.size(kwargs["indices"]))
        return real(*args, **kwargs)

    travel = OsmTravelTimes.from_graph(one_way_square)
    monkeypatch.setattr(osm, "dijkstra", counting)
    a, b = node_point(one_way_square, 1), node_point(one_way_square, 3)
    m = travel.matrix([a, b, a, a, b])
    assert calls == [2]
    assert (m.duration_s[0] == m.duration_s[2]).all()
    assert m.duration_s[0, 2] == 0 and m.distance_m[3, 0] == 0
    assert m.duration_s[0, 1] == 20


def test_approach_time_and_distance_are_added(one_way_square: nx.MultiDiGraph) -> None:
    """A point 30 m from its node adds 30 m and 30 m at 20 km/h at that end."""
    travel = OsmTravelTimes.from_graph(one_way_square)
    near_1 = at(0, -30)
    m = travel.matrix([near_1, node_point(one_way_square, 2)])
    assert m.distance_m[0, 1] == 130
    assert m.duration_s[0, 1] == math.ceil(10 + 30 / (20 / 3.6))
    snap = travel.snap([near_1])[0]
    assert (snap.from_osm_id, snap.to_osm_id, snap.fraction) == (1, 1, 0.0)
    assert snap.distance_m == pytest.approx(30, abs=0.01)
    flat = OsmTravelTimes(travel.network, OsmParams(approach_speed_kmh=None))
    assert flat.matrix([near_1, node_point(one_way_square, 2)]).duration_s[0, 1] == 10


@pytest.mark.parametrize(
    ("snap", "a", "b"),
    [("edge", at(50, -20), at(50, -40)), ("node", at(-20, -40), at(20, -40))],
)
def test_neighbours_at_one_place_are_joined_directly(
    one_way_square: nx.MultiDiGraph, snap: Literal["edge", "node"], a: LatLon, b: LatLon
) -> None:
    """Two houses meeting the road at the same place are as far apart as the straight line."""
    travel = OsmTravelTimes.from_graph(one_way_square, params=OsmParams(snap=snap))
    m = travel.matrix([a, b])
    straight = round(float(haversine_m(a.lat, a.lon, b.lat, b.lon)))
    assert m.distance_m[0, 1] == straight
    assert m.duration_s[0, 1] == math.ceil(straight / (20 / 3.6))
    p = travel.path(a, b)
    assert p.points == (a, b) and (p.duration_s, p.distance_m) == (m.duration_s[0, 1], straight)


def long_street(*, one_way: bool) -> nx.MultiDiGraph:
    """A 1 km street 1-2 (100 s) with a way back through 3 (two 707 m, 70 s streets)."""
    nodes = {1: (0.0, 0.0), 2: (1000.0, 0.0), 3: (500.0, 500.0)}
    graph = make_graph(nodes, [(2, 3, 70, 707.1), (3, 1, 70, 707.1)], both_ways=True)
    graph.add_edge(1, 2, travel_time=100.0, length=1000.0, highway="residential")
    if not one_way:
        graph.add_edge(2, 1, travel_time=100.0, length=1000.0, highway="residential")
    return graph


def test_mid_block_point_joins_the_street_beside_it() -> None:
    """A point 20 m beside a long street joins it there, not at a junction 300 m away."""
    graph = long_street(one_way=False)
    travel = OsmTravelTimes.from_graph(graph)
    p, end = at(300, 20), node_point(graph, 2)
    snap = travel.snap([p])[0]
    assert snap.distance_m == pytest.approx(20, abs=0.1)
    assert (snap.from_osm_id, snap.to_osm_id) == (1, 2) and snap.fraction == pytest.approx(0.3)
    m = travel.matrix([p, end])
    assert m.distance_m[0, 1] == pytest.approx(720, abs=1)
    assert m.duration_s[0, 1] == math.ceil(70 + 20 / (20 / 3.6))
    assert m.duration_s[1, 0] == m.duration_s[0, 1]
    by_node = OsmTravelTimes.from_graph(graph, params=OsmParams(snap="node"))
    assert by_node.snap([p])[0].distance_m == pytest.approx(300.7, abs=0.1)


def test_points_on_a_one_way_street_go_round_to_turn_back() -> None:
    """From further along a one-way street back to an earlier point means going round."""
    travel = OsmTravelTimes.from_graph(long_street(one_way=True))
    p, q = at(300, 20), at(600, -20)
    m = travel.matrix([p, q])
    approach_s = 40 / (20 / 3.6)
    assert m.distance_m[0, 1] == pytest.approx(340, abs=1)
    assert m.duration_s[0, 1] == math.ceil(30 + approach_s)
    assert m.distance_m[1, 0] == pytest.approx(400 + 1414.2 + 300 + 40, abs=1)
    assert m.duration_s[1, 0] == math.ceil(40 + 140 + 30 + approach_s)
    back = travel.path(q, p)
    assert (back.duration_s, back.distance_m) == (m.duration_s[1, 0], m.distance_m[1, 0])
    assert back.points[0] == q and back.points[-1] == p
    assert back.points[1].lat == pytest.approx(ORIGIN.lat, abs=1e-9)  # joins the street
    assert any(pt.lat > ORIGIN.lat + 0.004 for pt in back.points)  # by node 3, 500 m north


def test_triangle_inequality_with_approach(one_way_square: nx.MultiDiGraph) -> None:
    """Via a third place is never faster, approach legs included."""
    travel = OsmTravelTimes.from_graph(one_way_square)
    pts = [at(-20, -40), at(20, -40), at(100, 30), at(60, 110), at(0, 0), at(110, 110)]
    m = travel.matrix(pts).duration_s
    for a, b, c in itertools.permutations(range(len(pts)), 3):
        assert m[a, c] <= m[a, b] + m[b, c]


def test_path_follows_the_edge_geometry() -> None:
    """path() walks the road's own geometry and agrees with the matrix."""
    graph = make_graph(SQUARE, [(2, 3, 10, 100), (3, 4, 10, 100), (4, 1, 10, 100)], both_ways=True)
    bend = at(50, -20)
    ends = [(node_point(graph, 1).lon, node_point(graph, 1).lat), (bend.lon, bend.lat)]
    geometry = LineString([*ends, (node_point(graph, 2).lon, node_point(graph, 2).lat)])
    graph.add_edge(1, 2, travel_time=5.0, length=108.0, geometry=geometry)
    graph.add_edge(2, 1, travel_time=5.0, length=108.0, geometry=geometry.reverse())
    travel = OsmTravelTimes.from_graph(graph)
    a, b = at(-10, 0), at(100, 100)
    p = travel.path(a, b)
    m = travel.matrix([a, b])
    assert (p.duration_s, p.distance_m) == (m.duration_s[0, 1], m.distance_m[0, 1])
    assert p.points[0] == a and p.points[-1] == b
    lats = [round(q.lat, 7) for q in p.points]
    assert round(bend.lat, 7) in lats
    assert p.points[1:4] == (node_point(graph, 1), pytest.approx(bend), node_point(graph, 2))
    back = travel.path(node_point(graph, 2), node_point(graph, 1))
    assert back.points[1] == pytest.approx(bend)


def test_empty_points_give_an_empty_matrix(one_way_square: nx.MultiDiGraph) -> None:
    """No points, no matrix."""
    assert OsmTravelTimes.from_graph(one_way_square).matrix([]).duration_s.shape == (0, 0)


@pytest.mark.parametrize("bad", [LatLon(math.nan, 0.08), LatLon(51.54, math.inf), LatLon(91, 0)])
def test_nan_coordinates_are_a_clear_error(one_way_square: nx.MultiDiGraph, bad: LatLon) -> None:
    """A point without real coordinates raises InvalidProblem naming it."""
    travel = OsmTravelTimes.from_graph(one_way_square)
    with pytest.raises(InvalidProblem, match="point 2"):
        travel.matrix([at(0, 0), at(100, 0), bad])
    with pytest.raises(InvalidProblem):
        travel.path(bad, at(0, 0))


def test_max_snap_is_configurable(one_way_square: nx.MultiDiGraph) -> None:
    """A point 300 m away is fine at the default limit, an error at 200 m."""
    travel = OsmTravelTimes.from_graph(one_way_square, params=OsmParams(max_snap_m=200))
    with pytest.raises(PointNotOnNetwork, match=r"Point 0 .*\(limit 200 m\)"):
        travel.matrix([at(-300, 0)])


def test_speeds_from_maxspeed_else_london_defaults() -> None:
    """Untagged residential streets get 20 mph; a 30 mph tag is used where present."""
    graph = make_graph({1: (0.0, 0.0), 2: (1000.0, 0.0), 3: (2000.0, 0.0)}, [])
    for u, v in ((1, 2), (2, 1)):
        graph.add_edge(u, v, length=1000.0, highway="residential")
    for u, v in ((2, 3), (3, 2)):
        graph.add_edge(u, v, length=1000.0, highway="residential", maxspeed="30 mph")
    travel = OsmTravelTimes.from_graph(graph)
    m = travel.matrix([node_point(graph, 1), node_point(graph, 2), node_point(graph, 3)])
    assert m.duration_s[0, 1] == math.ceil(1000 / (20 * MPH / 3.6))
    assert m.duration_s[1, 2] == math.ceil(1000 / (30 * MPH / 3.6))
    assert travel.info.maxspeed_tagged_share == pytest.approx(0.5)
    assert travel.info.speeds_kmh["residential"] == pytest.approx(2 / (1 / 32.19 + 1 / 48.28), 0.01)
    assert graph.edges[1, 2, 0].get("travel_time") is None  # the caller's graph is untouched


def test_missing_lengths_come_from_the_geometry() -> None:
    """An edge with no length is measured along the great circle."""
    graph = make_graph({1: (0.0, 0.0), 2: (300.0, 400.0)}, [])
    graph.add_edge(1, 2, travel_time=50.0)
    graph.add_edge(2, 1, travel_time=50.0)
    m = OsmTravelTimes.from_graph(graph).matrix([node_point(graph, 1), node_point(graph, 2)])
    assert m.distance_m[0, 1] == 500


def test_graph_without_roads_is_rejected() -> None:
    """A graph with no edges, or no two-way connected pair, is a RoadNetworkError."""
    with pytest.raises(RoadNetworkError, match="no drivable roads"):
        network_from_graph(make_graph(SQUARE, []))
    with pytest.raises(RoadNetworkError, match="no two places connected"):
        network_from_graph(make_graph(SQUARE, [(1, 2, 10, 100)]))
    graph = make_graph(SQUARE, [(1, 2, 10, 100)], both_ways=True)
    del graph.nodes[1]["x"]
    with pytest.raises(RoadNetworkError, match="Node 1 .* no coordinates"):
        network_from_graph(graph)


def test_memory_bounded_chunks_give_the_same_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    """Running Dijkstra a few sources at a time changes nothing."""
    travel = OsmTravelTimes.from_graph(street_grid(12, 12, seed=3))
    rng = np.random.default_rng(0)
    pts = [
        LatLon(float(travel.network.lat[i]), float(travel.network.lon[i]))
        for i in rng.choice(travel.network.n_nodes, 30, replace=False)
    ]
    whole = travel.matrix(pts)
    monkeypatch.setattr(osm, "_SOURCE_CHUNK_BYTES", 8 * travel.network.n_nodes * 7)
    chunked = travel.matrix(pts)
    assert (whole.duration_s == chunked.duration_s).all()
    assert (whole.distance_m == chunked.distance_m).all()


def test_matrix_matches_networkx_on_a_grid() -> None:
    """Times equal networkx's Dijkstra; distances are those of the fastest path."""
    graph = street_grid(15, 15, oneway_share=0.4, seed=5)
    travel = OsmTravelTimes.from_graph(graph, params=OsmParams(approach_speed_kmh=None))
    rng = np.random.default_rng(1)
    chosen = [int(n) for n in rng.choice(graph.number_of_nodes(), 12, replace=False)]
    m = travel.matrix([node_point(graph, n) for n in chosen])
    simple = nx.DiGraph()
    for u, v, d in graph.edges(data=True):
        w = round(d["travel_time"] * 1000)
        if not simple.has_edge(u, v) or simple[u][v]["ms"] > w:
            simple.add_edge(u, v, ms=w, dm=round(d["length"] * 10))
    for i, u in enumerate(chosen):
        for j, v in enumerate(chosen):
            if u == v:
                continue
            route = nx.dijkstra_path(simple, u, v, weight="ms")
            ms = sum(simple[a][b]["ms"] for a, b in itertools.pairwise(route))
            assert m.duration_s[i, j] == math.ceil(ms / 1000)
            dm = sum(simple[a][b]["dm"] for a, b in itertools.pairwise(route))
            assert abs(m.distance_m[i, j] - dm / 10) <= 1


def test_coarser_time_units_for_huge_networks(monkeypatch: pytest.MonkeyPatch) -> None:
    """When millisecond sums could overflow float64's exact integers, coarser units are used."""
    graph = street_grid(6, 6, seed=2)
    fine = OsmTravelTimes.from_graph(graph, params=OsmParams(approach_speed_kmh=None))
    monkeypatch.setattr(osm, "_MAX_EXACT", 2.0**28)
    coarse = OsmTravelTimes(fine.network, fine.params)
    assert coarse._unit_ms > 1  # noqa: SLF001
    pts = [node_point(graph, n) for n in (0, 7, 20, 35)]
    a, b = fine.matrix(pts), coarse.matrix(pts)
    assert np.abs(a.duration_s - b.duration_s).max() <= 1
    assert (a.distance_m == b.distance_m).all()


# --------------------------------------------------------------------------------------------
# OSM XML and GraphML files, the cache, bad files
# --------------------------------------------------------------------------------------------

XML_NODES = {
    1: (0.0, 0.0),
    2: (200.0, 0.0),
    3: (400.0, 0.0),
    4: (400.0, 200.0),
    5: (0.0, 200.0),
    6: (600.0, 0.0),
    7: (200.0, -200.0),
    8: (-200.0, 0.0),
}


def osm_xml(ways: list[tuple[int, list[int], dict[str, str]]]) -> str:
    """An OSM XML document with XML_NODES and ``ways`` (id, node refs, tags)."""
    parts = ["<?xml version='1.0' encoding='UTF-8'?>", '<osm version="0.6" generator="test">']
    for node, (east, north) in XML_NODES.items():
        p = at(east, north)
        parts.append(f'<node id="{node}" lat="{p.lat:.7f}" lon="{p.lon:.7f}"/>')
    for way_id, refs, tags in ways:
        body = "".join(f'<nd ref="{r}"/>' for r in refs)
        body += "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items())
        parts.append(f'<way id="{way_id}">{body}</way>')
    parts.append("</osm>")
    return "\n".join(parts)


STREETS = [
    (100, [1, 2, 3], {"highway": "primary", "maxspeed": "30 mph", "name": "High Street"}),
    (101, [3, 4], {"highway": "residential", "oneway": "yes", "name": "One Way"}),
    (102, [4, 5, 1], {"highway": "residential", "name": "Back Lane"}),
    (103, [1, 4], {"highway": "footway"}),  # a short cut only on foot
    (104, [2, 5], {"highway": "service", "service": "driveway"}),
    (105, [3, 6], {"highway": "residential", "access": "private"}),
    (106, [5, 99, 4], {"highway": "residential", "name": "Clipped"}),  # node 99 not in file
    (107, [2, 7], {"highway": "residential", "name": "Side Street"}),
    (108, [8, 1], {"highway": "unclassified", "name": "West Road"}),
]


@pytest.fixture()
def streets_file(tmp_path: Path) -> Path:
    """A small OSM XML extract, bzip2-compressed like the real one."""
    path = tmp_path / "streets.osm.bz2"
    path.write_bytes(bz2.compress(osm_xml(STREETS).encode()))
    return path


def test_osm_xml_keeps_only_drivable_ways(streets_file: Path) -> None:
    """Footways, driveways and private roads are filtered out before the graph is built."""
    net = load_network(str(streets_file))
    assert net.info.kind == "osm_xml"
    assert set(net.info.speeds_kmh) == {"primary", "residential", "unclassified"}
    assert 6 not in net.osm_id.tolist()  # only reachable by the private road
    travel = OsmTravelTimes(net, OsmParams(approach_speed_kmh=None))
    p1, p3, p4 = at(0, 0), at(400, 0), at(400, 200)
    m = travel.matrix([p1, p3, p4])
    # 1 -> 4 cannot use the footway (~283 m): High Street then One Way is 400 + 200 m
    assert m.distance_m[0, 2] == pytest.approx(600, abs=2)
    # 4 -> 3 against One Way: round by Back Lane and High Street, 400 + 200 + 400 m
    assert m.distance_m[2, 1] == pytest.approx(1000, abs=3)


def test_drive_filter_is_osmnx_own() -> None:
    """The file filter is OSMnx's drive filter, so files and downloads agree."""
    import osmnx as ox

    assert ox._overpass._get_network_filter("drive") == DRIVE_FILTER  # noqa: SLF001


def test_cache_is_written_then_used(
    streets_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second load comes from the compact cache without parsing the file again."""
    cache_dir = tmp_path / "cache"
    first = load_network(str(streets_file), cache_dir=cache_dir)
    assert first.info.cache_path is not None and Path(first.info.cache_path).is_file()

    def no_parsing(path: Path) -> nx.MultiDiGraph:
        raise AssertionError(path)

    monkeypatch.setattr(osm, "graph_from_osm_xml", no_parsing)
    second = load_network(str(streets_file), cache_dir=cache_dir)
    assert second.info == first.info
    for name in ("lat", "lon", "indptr", "indices", "time_ms", "length_dm", "geom_ptr"):
        assert (getattr(second, name) == getattr(first, name)).all()
    assert load_network(first.info.cache_path).info.nodes == first.info.nodes


def test_changed_file_is_rebuilt_and_failed_rebuild_keeps_cache(
    streets_file: Path, tmp_path: Path
) -> None:
    """A changed file is rebuilt; one that no longer reads fails and leaves the cache alone."""
    cache_dir = tmp_path / "cache"
    first = load_network(str(streets_file), cache_dir=cache_dir)
    cache = Path(first.info.cache_path or "")
    streets_file.write_bytes(bz2.compress(osm_xml(STREETS[:3]).encode()))
    second = load_network(str(streets_file), cache_dir=cache_dir)
    assert second.info.built_at >= first.info.built_at and second.signature != first.signature
    before = cache.read_bytes()
    streets_file.write_bytes(b"BZh91AY&SY garbage")
    with pytest.raises(RoadNetworkError, match="cannot be read"):
        load_network(str(streets_file), cache_dir=cache_dir)
    assert cache.read_bytes() == before
    assert [p.name for p in cache_dir.iterdir()] == [cache.name]  # no temp file left


def test_unreadable_cache_is_rebuilt_or_reported(streets_file: Path, tmp_path: Path) -> None:
    """A corrupt cache of a file is rebuilt; a corrupt .npz named directly is an error."""
    cache_dir = tmp_path / "cache"
    cache = cache_path(str(streets_file), cache_dir, osm.RoadSpeeds())
    cache_dir.mkdir()
    cache.write_bytes(b"not a zip")
    assert load_network(str(streets_file), cache_dir=cache_dir).info.nodes > 0
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"not a zip")
    with pytest.raises(RoadNetworkError, match="broken.npz cannot be read"):
        load_network(str(broken))


def test_graphml_is_loaded_and_filtered(tmp_path: Path) -> None:
    """A GraphML saved by OSMnx loads; a footway in it is dropped."""
    import osmnx as ox

    graph = make_graph(SQUARE, [(1, 2, 10, 100), (2, 3, 10, 100), (3, 4, 10, 100)], both_ways=True)
    graph.add_edge(4, 1, travel_time=1.0, length=100.0, highway="footway")
    graph.add_edge(1, 4, travel_time=1.0, length=100.0, highway="footway")
    path = tmp_path / "square.graphml"
    ox.save_graphml(graph, path)
    travel = OsmTravelTimes(load_network(str(path)))
    assert travel.info.kind == "graphml"
    m = travel.matrix([node_point(graph, 1), node_point(graph, 4)])
    assert m.duration_s[0, 1] == 30  # not 1 s by the footway


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty or not OSM XML"),
        (b"this is not xml", "empty or not OSM XML"),
        (b"<html><body>nope</body></html>", r"not OSM XML \(root <html>\)"),
        (b"BZh91AY&SY garbage", "cannot be read"),
        (b"\x1f\x8b\x08garbage", "cannot be read"),
        (osm_xml([(1, [1, 2], {"highway": "footway"})]).encode(), "has no drivable roads"),
        (osm_xml([]).encode(), "has no drivable roads"),
    ],
)
def test_bad_osm_files_are_clear_errors(tmp_path: Path, content: bytes, message: str) -> None:
    """Empty, non-XML, corrupt or roadless files raise RoadNetworkError naming the file."""
    path = tmp_path / "bad.osm"
    path.write_bytes(content)
    with pytest.raises(RoadNetworkError, match=message) as info:
        load_network(str(path))
    assert str(path) in str(info.value)


def test_missing_file_and_unknown_sources_are_clear_errors(tmp_path: Path) -> None:
    """A missing file, an unknown file type or an empty place name is a RoadNetworkError."""
    with pytest.raises(RoadNetworkError, match=r"missing\.osm\.bz2 cannot be read"):
        load_network(str(tmp_path / "missing.osm.bz2"))
    with pytest.raises(RoadNetworkError, match="is not a .osm"):
        load_network(str(tmp_path / "roads.shp"))
    with pytest.raises(RoadNetworkError, match="names no place"):
        NetworkSource.parse("place:  ")
    with pytest.raises(RoadNetworkError, match="cannot be read as GraphML"):
        load_network(str(tmp_path / "missing.graphml"))


def test_download_source_without_cache_is_not_fetched_when_not_allowed(tmp_path: Path) -> None:
    """With downloads not allowed, a place with no cache says to run `flask roads download`."""
    with pytest.raises(RoadNetworkError, match="flask roads download"):
        load_network("place:Barking", cache_dir=tmp_path, allow_download=False)


# --------------------------------------------------------------------------------------------
# The real north London extract
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_extract(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """The real OSM extract and a cache folder, or a skip when shared/data is absent."""
    from tests.conftest import shared_dir

    extract = shared_dir() / "data" / "osm_sample_north_london_NOT_LBBD.osm.bz2"
    if not extract.is_file():
        pytest.skip(f"the real OSM extract {extract} is not present on this machine")
    yield extract, tmp_path_factory.mktemp("roads-cache")


@pytest.fixture(scope="module")
def real_travel(real_extract: tuple[Path, Path]) -> OsmTravelTimes:
    """The real extract's travel times, built once for the module."""
    extract, cache_dir = real_extract
    return OsmTravelTimes(load_network(str(extract), cache_dir=cache_dir))


def test_real_extract_is_a_drive_network(real_travel: OsmTravelTimes) -> None:
    """The extract loads as a drive network of the right size, place and road classes."""
    info = real_travel.info
    assert 600 < info.nodes < 1200 and 1400 < info.edges < 2600
    assert 51.59 < info.bbox.south < info.bbox.north < 51.64
    assert -0.16 < info.bbox.west < info.bbox.east < -0.09
    assert set(info.speeds_kmh) <= {
        "trunk", "trunk_link", "primary", "primary_link", "secondary", "secondary_link",
        "tertiary", "tertiary_link", "residential", "unclassified", "living_street", "road",
    }  # fmt: skip
    assert 0.5 < info.maxspeed_tagged_share <= 1


def test_real_extract_has_one_way_streets_and_all_pairs_reachable(
    real_travel: OsmTravelTimes,
) -> None:
    """Some streets are one-way, and every node reaches every other one."""
    net = real_travel.network
    tails = np.repeat(np.arange(net.n_nodes), np.diff(net.indptr))
    pairs = set(zip(tails.tolist(), net.indices.tolist(), strict=True))
    assert any((v, u) not in pairs for u, v in pairs)
    rng = np.random.default_rng(7)
    chosen = rng.choice(net.n_nodes, 60, replace=False)
    pts = [LatLon(float(net.lat[i]), float(net.lon[i])) for i in chosen]
    m = real_travel.matrix(pts)
    off = ~np.eye(len(pts), dtype=bool)
    assert (m.duration_s[off] > 0).all() and (m.duration_s < 3600).all()
    assert (m.duration_s != m.duration_s.T).any()
    straight = haversine_m(
        net.lat[chosen, None], net.lon[chosen, None], net.lat[chosen], net.lon[chosen]
    )
    assert (m.distance_m[off] >= np.floor(straight[off])).all()


def test_real_extract_snaps_and_rejects_far_points(real_travel: OsmTravelTimes) -> None:
    """A point near a road is snapped with its distance; Barking (wrong area) is rejected."""
    net = real_travel.network
    near = LatLon(float(net.lat[10]) + 0.0003, float(net.lon[10]))
    snap = real_travel.snap([near])[0]
    assert snap.distance_m <= 34
    with pytest.raises(PointNotOnNetwork, match=r"Point 1 \(51\.536500, 0\.080600\) is 1[0-9],"):
        real_travel.matrix([near, LatLon(51.5365, 0.0806)])


def test_real_extract_path_follows_roads(real_travel: OsmTravelTimes) -> None:
    """A route's line runs along the road with the matrix's time and length."""
    net = real_travel.network
    a = LatLon(float(net.lat[0]), float(net.lon[0]))
    b = LatLon(float(net.lat[-1]), float(net.lon[-1]))
    p = real_travel.path(a, b)
    m = real_travel.matrix([a, b])
    assert (p.duration_s, p.distance_m) == (m.duration_s[0, 1], m.distance_m[0, 1])
    lat = np.array([q.lat for q in p.points])
    lon = np.array([q.lon for q in p.points])
    along = haversine_m(lat[:-1], lon[:-1], lat[1:], lon[1:]).sum()
    assert along == pytest.approx(p.distance_m, rel=0.01)
    assert len(p.points) > 3


def test_real_extract_warm_load_uses_the_cache(
    real_extract: tuple[Path, Path], real_travel: OsmTravelTimes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Loading again reads the compact cache, not the XML."""
    extract, cache_dir = real_extract
    monkeypatch.setattr(osm, "graph_from_osm_xml", lambda path: pytest.fail(str(path)))
    again = load_network(str(extract), cache_dir=cache_dir)
    assert isinstance(again, RoadNetwork) and again.info.nodes == real_travel.info.nodes


def test_random_points_on_a_grid_are_consistent() -> None:
    """Random addresses: triangle inequality, symmetry on two-way streets, path() == matrix."""
    graph = street_grid(8, 8, oneway_share=0.0, seed=11)
    travel = OsmTravelTimes.from_graph(graph)
    rng = np.random.default_rng(4)
    b = travel.info.bbox
    pts = [
        LatLon(float(rng.uniform(b.south, b.north)), float(rng.uniform(b.west, b.east)))
        for _ in range(40)
    ]
    m = travel.matrix(pts)
    t, d = m.duration_s, m.distance_m
    assert (t[:, None, :] <= t[:, :, None] + t[None, :, :]).all()  # t[a,c] <= t[a,b] + t[b,c]
    assert np.abs(t - t.T).max() <= 1 and np.abs(d - d.T).max() <= 1
    for i, j in rng.choice(len(pts), size=(15, 2)):
        p = travel.path(pts[i], pts[j])
        assert (p.duration_s, p.distance_m) == (t[i, j], d[i, j])
        lat = np.array([q.lat for q in p.points])
        lon = np.array([q.lon for q in p.points])
        drawn = haversine_m(lat[:-1], lon[:-1], lat[1:], lon[1:]).sum()
        assert drawn == pytest.approx(d[i, j], abs=2)
