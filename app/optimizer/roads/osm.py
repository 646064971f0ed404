"""Travel times over a real OpenStreetMap drive network (the only module that imports OSMnx).

A network is built once from one of four sources and then kept as a compact cache:

1. the cache itself (``.npz``: node coordinates and a CSR adjacency with per-edge time, length
   and geometry; loads in well under a second and needs neither OSMnx nor networkx);
2. an OSM XML extract (``.osm``, ``.osm.bz2``, ``.osm.gz``, ``.xml``), read with
   ``osmnx.graph_from_xml`` *after* its ways are filtered like OSMnx's ``drive`` network type
   (an extract holds every way; the real one in ``shared/data`` is mostly footways);
3. a GraphML file saved by OSMnx (``.graphml``);
4. a download through OSMnx by place name (``place:Barking and Dagenham, London``) or by
   boundary polygon (``polygon:/path/to/boundary.geojson``) with ``network_type="drive"``.

Every source goes through the same steps: speeds from OSM ``maxspeed`` where tagged, else the
London defaults below (``ox.add_edge_speeds`` then ``ox.add_edge_travel_times``); the largest
strongly connected component is kept, so every place can reach every other one; one-way streets
stay one-way (the graph is directed).

Matrix
------
Each point is snapped to the nearest point of the nearest road (``OsmParams.snap="edge"``, the
default): road polylines are sampled into a k-d tree on locally projected coordinates and the
exact foot of the perpendicular is taken on the candidate segments. A point farther than
``max_snap_m`` (default 500 m) from every road raises :class:`PointNotOnNetwork` naming the point
(index and coordinates); :meth:`OsmTravelTimes.snap` reports where each point went and how far
(great-circle metres). For the call, a vertex is spliced into the graph where a point meets a
road mid-way (the edge, and its opposite twin on a two-way street, are split there in
proportion), so a house beside a long street is neither sent to a junction 300 m away nor
refused because every junction is far; a one-way street is driven one way from such a vertex
too. ``snap="node"`` snaps to the nearest junction instead (cheaper, coarser on a simplified
graph, whose nodes are only junctions and dead ends).

``scipy.sparse.csgraph.dijkstra`` then runs once from each *distinct* vertex (points at the same
place share one), in chunks of sources that bound memory (about 64 MB of distances at a time).
Distances are those of the shortest-*time* paths, found in the same single pass: each edge
weighs ``time_units * M + length_dm`` with integer time units (1 ms unless the network is huge),
integer decimetres and ``M`` a power of two larger than any shortest-time path's length. All
sums stay below 2**53, so float64 adds them exactly; Dijkstra then minimises time first and
length second, and ``divmod(weight, M)`` gives both back. No predecessor walk is needed.

``scipy``'s Dijkstra holds the GIL (measured: a busy Python thread barely advanced during a
call), so threads would not use the second core; a process pool would, but forking inside web
and RQ workers is not worth at most 2x on a step that takes about a second at 10,000 nodes and
1,000 points (see ``benchmarks/travel_matrix.py``).

Approach time
-------------
A house 40 m back from the road is not *on* the road. When ``approach_speed_kmh`` is set
(default 20 km/h: pulling up and parking), each end of a trip adds its snap distance at that
speed, and the distance adds the snap distance. Two different points that meet the road at the
same place are joined directly (their straight-line distance at the approach speed) when that is
shorter. This keeps the triangle inequality. Identical points are 0 s and 0 m apart.

Rounding: seconds are rounded *up* (a plan never promises an arrival that cannot be made),
metres to the nearest metre.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import itertools
import json
import logging
import math
import os
import re
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from pathlib import Path
from typing import IO
from typing import TYPE_CHECKING
from typing import Any
from typing import Final
from typing import Literal
from typing import NamedTuple
from typing import cast
from xml.sax.saxutils import quoteattr

import networkx as nx
import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from app.optimizer.errors import PointNotOnNetwork
from app.optimizer.errors import RoadNetworkError
from app.optimizer.roads import RoadPath
from app.optimizer.roads import TravelMatrix
from app.optimizer.roads.straight_line import EARTH_RADIUS_M
from app.optimizer.roads.straight_line import haversine_m
from app.optimizer.roads.straight_line import points_array
from app.optimizer.types import LatLon

if TYPE_CHECKING:
    from types import ModuleType

    from shapely import MultiPolygon
    from shapely import Polygon

logger = logging.getLogger(__name__)

MPH: Final = 1.609344
"""Kilometres per hour in one mile per hour (UK limits are in mph)."""

LONDON_HWY_SPEEDS_KMH: Final[Mapping[str, float]] = {
    # Defaults for edges *without* a maxspeed tag, by OSM highway class, for a London borough.
    # England's limit on a street-lit "restricted road" is 30 mph (Road Traffic Regulation Act
    # 1984 s.81), which is what an untagged A/B road in outer London usually is. London boroughs
    # have moved residential streets to 20 mph; in the real north London extract 306 of the 482
    # residential ways that carry a maxspeed tag say 20 mph (176 say 30), so residential and
    # unclassified streets default to 20 mph. Trunk roads in and around Barking & Dagenham (A13,
    # A12, A406) are 40-50 mph: 40 mph is the cautious choice. These are limits, i.e. free-flow
    # speeds; they are not congested London speeds (see the issue 3 note).
    "motorway": 70 * MPH,
    "motorway_link": 40 * MPH,
    "trunk": 40 * MPH,
    "trunk_link": 30 * MPH,
    "primary": 30 * MPH,
    "primary_link": 30 * MPH,
    "secondary": 30 * MPH,
    "secondary_link": 30 * MPH,
    "tertiary": 30 * MPH,
    "tertiary_link": 30 * MPH,
    "unclassified": 20 * MPH,
    "residential": 20 * MPH,
    "living_street": 10 * MPH,
    "road": 30 * MPH,
}

DRIVE_FILTER: Final = (
    # OSMnx 2.x ``_overpass._get_network_filter("drive")`` with the default
    # ``settings.default_access``; tests check it still equals OSMnx's own filter.
    '["highway"]["area"!~"yes"]["access"!~"private"]'
    '["highway"!~"abandoned|bridleway|bus_guideway|construction|corridor|cycleway|elevator|'
    "escalator|footway|no|path|pedestrian|planned|platform|proposed|raceway|razed|rest_area|"
    'service|services|steps|track"]'
    '["motor_vehicle"!~"no"]["motorcar"!~"no"]'
    '["service"!~"alley|driveway|emergency_access|parking|parking_aisle|private"]'
)
"""The Overpass way filter OSMnx uses for ``network_type="drive"``."""

CACHE_FORMAT: Final = 1
"""Bumped whenever the cache layout or the build steps change; older caches are rebuilt."""

_MAX_EXACT: Final = 2.0**53
_SOURCE_CHUNK_BYTES: Final = 64 * 2**20

SourceKind = Literal["osm_xml", "graphml", "cache", "place", "polygon", "graph"]
_OSM_SUFFIXES: Final = (".osm", ".osm.bz2", ".osm.gz", ".xml", ".xml.bz2", ".xml.gz")


class BBox(NamedTuple):
    """A latitude/longitude box in WGS84 degrees."""

    south: float
    west: float
    north: float
    east: float


@dataclass(frozen=True, slots=True)
class RoadSpeeds:
    """Speeds used where an OSM way has no usable ``maxspeed`` tag.

    Parameters
    ----------
    hwy_speeds_kmh
        Default km/h by OSM ``highway`` class (passed to ``ox.add_edge_speeds``).
    fallback_kmh
        Km/h for a class neither tagged anywhere nor listed in ``hwy_speeds_kmh``.
    """

    hwy_speeds_kmh: Mapping[str, float] = field(default_factory=lambda: dict(LONDON_HWY_SPEEDS_KMH))
    fallback_kmh: float = 30 * MPH

    def __post_init__(self) -> None:
        speeds = [*self.hwy_speeds_kmh.values(), self.fallback_kmh]
        if not all(math.isfinite(s) and s > 0 for s in speeds):
            msg = f"Road speeds must be positive km/h, got {dict(self.hwy_speeds_kmh)}."
            raise RoadNetworkError(msg)

    def key(self) -> str:
        """Return a short stable hash of these speeds (part of the cache's name)."""
        text = json.dumps(
            [sorted((k, round(v, 6)) for k, v in self.hwy_speeds_kmh.items()), self.fallback_kmh]
        )
        return hashlib.sha1(text.encode()).hexdigest()[:8]


@dataclass(frozen=True, slots=True)
class NetworkInfo:
    """What a road network is and where it came from (shown by ``flask roads info``).

    Parameters
    ----------
    source
        The configured source: a file path, ``place:NAME`` or ``polygon:PATH``.
    kind
        Which loader built it: ``osm_xml``, ``graphml``, ``place``, ``polygon`` or ``graph``.
    nodes, edges
        Size of the routing graph (largest strongly connected component, parallel edges merged).
    dropped_nodes
        Nodes left out because they are not in the largest strongly connected component.
    bbox
        Extent of the nodes.
    length_km
        Total length of the routing graph's edges.
    speeds_kmh
        Mean speed actually used per ``highway`` class, weighted by length.
    default_speeds_kmh
        The defaults for untagged ways (:class:`RoadSpeeds`).
    maxspeed_tagged_share
        Share of edge length whose speed comes from an OSM ``maxspeed`` tag.
    built_at, built_with
        When (UTC, ISO 8601) and with which OSMnx the network was built.
    cache_path
        The cache file it was read from or written to, if any.
    """

    source: str
    kind: str
    nodes: int
    edges: int
    dropped_nodes: int
    bbox: BBox
    length_km: float
    speeds_kmh: Mapping[str, float]
    default_speeds_kmh: Mapping[str, float]
    maxspeed_tagged_share: float
    built_at: str
    built_with: str
    cache_path: str | None = None

    def to_json(self) -> str:
        """Return the info as a JSON object (stored inside the cache)."""
        data = asdict(self)
        data["bbox"] = list(self.bbox)
        data.pop("cache_path")
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str, *, cache_path: str | None = None) -> NetworkInfo:
        """Read the info written by :meth:`to_json`."""
        data = json.loads(text)
        data["bbox"] = BBox(*data["bbox"])
        return cls(**data, cache_path=cache_path)


@dataclass(frozen=True, slots=True, eq=False)
class RoadNetwork:
    """A drive network in compact arrays: what the matrix needs and what the cache stores.

    Nodes are ``0..n-1``; edges are in CSR order (``indptr``/``indices``, sorted by head within
    each tail), one per ordered node pair (the fastest of any parallel edges). ``geom_ptr``
    indexes ``geom_lat``/``geom_lon``: the interior points of edge ``e`` (excluding its end
    nodes), in driving order, are ``geom_*[geom_ptr[e]:geom_ptr[e + 1]]``.
    """

    osm_id: npt.NDArray[np.int64]
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    indptr: npt.NDArray[np.int64]
    indices: npt.NDArray[np.int32]
    time_ms: npt.NDArray[np.int64]
    length_dm: npt.NDArray[np.int64]
    geom_ptr: npt.NDArray[np.int64]
    geom_lat: npt.NDArray[np.float64]
    geom_lon: npt.NDArray[np.float64]
    info: NetworkInfo
    signature: str = ""

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.lat.shape[0])

    @property
    def n_edges(self) -> int:
        """Number of directed edges."""
        return int(self.indices.shape[0])

    def save(self, path: Path) -> RoadNetwork:
        """Write the network to ``path`` atomically and return it with ``info.cache_path`` set.

        The file is written next to ``path`` under a temporary name and moved over it with
        ``os.replace``, so a failure at any point leaves a previous file untouched.
        """
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                np.savez(
                    handle,
                    format=np.array(CACHE_FORMAT),
                    info=np.array(self.info.to_json()),
                    signature=np.array(self.signature),
                    osm_id=self.osm_id,
                    lat=self.lat,
                    lon=self.lon,
                    indptr=self.indptr,
                    indices=self.indices,
                    time_ms=self.time_ms,
                    length_dm=self.length_dm,
                    geom_ptr=self.geom_ptr,
                    geom_lat=self.geom_lat,
                    geom_lon=self.geom_lon,
                )
                handle.flush()
                os.fsync(handle.fileno())
            # mkstemp makes the file private; the web app and the workers may run as other users
            os.chmod(tmp_name, 0o644)
            os.replace(tmp_name, path)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        return replace(self, info=replace(self.info, cache_path=str(path)))

    @classmethod
    def load(cls, path: Path) -> RoadNetwork:
        """Read a network written by :meth:`save`.

        Raises
        ------
        RoadNetworkError
            When the file is missing, unreadable, of another format version or inconsistent.
        """
        try:
            with np.load(path, allow_pickle=False) as data:
                fmt = int(data["format"])
                if fmt != CACHE_FORMAT:
                    msg = f"The road network cache {path} has format {fmt}, not {CACHE_FORMAT}."
                    raise RoadNetworkError(msg)
                net = cls(
                    osm_id=data["osm_id"],
                    lat=data["lat"],
                    lon=data["lon"],
                    indptr=data["indptr"],
                    indices=data["indices"],
                    time_ms=data["time_ms"],
                    length_dm=data["length_dm"],
                    geom_ptr=data["geom_ptr"],
                    geom_lat=data["geom_lat"],
                    geom_lon=data["geom_lon"],
                    info=NetworkInfo.from_json(str(data["info"]), cache_path=str(path)),
                    signature=str(data["signature"]),
                )
        except RoadNetworkError:
            raise
        except (OSError, ValueError, KeyError, TypeError, EOFError) as e:
            msg = f"The road network cache {path} cannot be read ({e})."
            raise RoadNetworkError(msg) from e
        net.check()
        return net

    def check(self) -> None:
        """Raise RoadNetworkError unless the arrays describe a usable graph."""
        n, m = self.n_nodes, self.n_edges
        ok = (
            n >= 2
            and m >= 1
            and self.lon.shape == (n,)
            and self.osm_id.shape == (n,)
            and self.indptr.shape == (n + 1,)
            and int(self.indptr[0]) == 0
            and int(self.indptr[-1]) == m
            and self.time_ms.shape == (m,)
            and self.length_dm.shape == (m,)
            and self.geom_ptr.shape == (m + 1,)
            and int(self.geom_ptr[-1]) == self.geom_lat.shape[0] == self.geom_lon.shape[0]
            and bool(np.all((self.indices >= 0) & (self.indices < n)))
            and bool(np.all(self.time_ms > 0))
            and bool(np.all(self.length_dm > 0))
        )
        if not ok:
            msg = f"The road network from {self.info.source} is empty or inconsistent."
            raise RoadNetworkError(msg)


@dataclass(frozen=True, slots=True)
class NetworkSource:
    """Where a road network comes from: parsed from the ``ROAD_NETWORK`` setting.

    Accepted forms: a path to ``.osm``/``.osm.bz2``/``.osm.gz``/``.xml``, ``.graphml`` or a
    ``.npz`` cache; ``place:NAME`` (geocoded by OSMnx through Nominatim); ``polygon:PATH`` (a
    GeoJSON boundary). Relative paths are resolved against the current directory.
    """

    kind: SourceKind
    value: str

    @classmethod
    def parse(cls, text: str) -> NetworkSource:
        """Parse a source string.

        Raises
        ------
        RoadNetworkError
            When the string is empty or names a file type no loader reads.
        """
        text = text.strip()
        if text.startswith("place:"):
            name = text.removeprefix("place:").strip()
            if not name:
                msg = "The road network source 'place:' names no place."
                raise RoadNetworkError(msg)
            return cls("place", name)
        if text.startswith("polygon:"):
            poly = text.removeprefix("polygon:").strip()
            if not poly:
                msg = "The road network source 'polygon:' names no GeoJSON file."
                raise RoadNetworkError(msg)
            return cls("polygon", str(Path(poly).expanduser().resolve()))
        if not text:
            msg = "The road network source is empty."
            raise RoadNetworkError(msg)
        path = Path(text).expanduser().resolve()
        name = path.name.lower()
        if name.endswith(_OSM_SUFFIXES):
            return cls("osm_xml", str(path))
        if name.endswith(".graphml"):
            return cls("graphml", str(path))
        if name.endswith(".npz"):
            return cls("cache", str(path))
        msg = (
            f"The road network source {text!r} is not a .osm/.osm.bz2/.osm.gz/.xml, .graphml or "
            "cached .npz file, nor 'place:NAME' or 'polygon:FILE.geojson'."
        )
        raise RoadNetworkError(msg)

    def __str__(self) -> str:
        if self.kind in ("place", "polygon"):
            return f"{self.kind}:{self.value}"
        return self.value

    @property
    def is_download(self) -> bool:
        """Whether building this source needs the internet."""
        return self.kind in ("place", "polygon")


@dataclass(frozen=True, slots=True)
class OsmParams:
    """How points are put onto the network.

    Parameters
    ----------
    max_snap_m
        A point farther than this from every road is an error, never silently snapped.
    snap
        ``"edge"``: to the nearest point of the nearest road (a vertex is spliced into the
        graph there for the call); ``"node"``: to the nearest node (junction or dead end),
        cheaper but up to half a block off on a simplified graph.
    approach_speed_kmh
        Speed of the last stretch between a point and its snapped node; ``None`` ignores the
        snap distance altogether (every point is taken to be at its node).
    """

    max_snap_m: float = 500.0
    approach_speed_kmh: float | None = 20.0
    snap: Literal["edge", "node"] = "edge"

    def __post_init__(self) -> None:
        if not (math.isfinite(self.max_snap_m) and self.max_snap_m >= 0):
            msg = f"max_snap_m must be a distance in metres, got {self.max_snap_m}."
            raise RoadNetworkError(msg)
        speed = self.approach_speed_kmh
        if speed is not None and not (math.isfinite(speed) and speed > 0):
            msg = f"approach_speed_kmh must be a positive speed or None, got {speed}."
            raise RoadNetworkError(msg)


class Snap(NamedTuple):
    """Where one point meets the network.

    ``point`` is the nearest point of a road (or the nearest node when snapping to nodes),
    ``distance_m`` the great-circle distance to it, and the road runs from OSM node
    ``from_osm_id`` to ``to_osm_id`` with ``point`` at ``fraction`` of its length (both ids are
    the same node, fraction 0, when the point meets the network at a junction).
    """

    point: LatLon
    distance_m: float
    from_osm_id: int
    to_osm_id: int
    fraction: float


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


def _osmnx() -> ModuleType:
    """Import OSMnx on first use: it pulls in geopandas (~0.7 s), which a warm load never needs."""
    import osmnx

    return osmnx


def cache_path(source: str | NetworkSource, cache_dir: Path, speeds: RoadSpeeds) -> Path:
    """Return the cache file for ``source`` built with ``speeds`` inside ``cache_dir``."""
    src = NetworkSource.parse(source) if isinstance(source, str) else source
    digest = hashlib.sha1(f"{CACHE_FORMAT}|{src}|{speeds.key()}".encode()).hexdigest()[:12]
    stem = Path(src.value).name if src.kind != "place" else src.value
    slug = re.sub(r"[^A-Za-z0-9]+", "-", stem).strip("-").lower()[:40] or "network"
    return cache_dir / f"roads-{slug}-{digest}.npz"


def load_network(
    source: str | NetworkSource,
    *,
    cache_dir: Path | None = None,
    speeds: RoadSpeeds | None = None,
    refresh: bool = False,
    allow_download: bool = True,
) -> RoadNetwork:
    """Load a drive network, from the cache when it is up to date, else from its source.

    Parameters
    ----------
    source
        A path, ``place:NAME`` or ``polygon:PATH`` (see :class:`NetworkSource`).
    cache_dir
        Folder of the compact cache; ``None`` neither reads nor writes a cache.
    speeds
        Defaults for untagged ways; part of the cache's name, so changing them rebuilds.
    refresh
        Rebuild (re-download) even when a cache exists. The new cache replaces the old one
        only once it is complete.
    allow_download
        When False, a ``place:``/``polygon:`` source with no cache raises instead of
        downloading.

    Returns
    -------
    RoadNetwork
        The network; ``info.cache_path`` names the cache file when there is one.

    Raises
    ------
    RoadNetworkError
        When the source cannot be read or downloaded, or holds no drivable roads.
    """
    src = NetworkSource.parse(source) if isinstance(source, str) else source
    speeds = RoadSpeeds() if speeds is None else speeds
    if src.kind == "cache":
        return RoadNetwork.load(Path(src.value))
    cache = None if cache_dir is None else cache_path(src, cache_dir, speeds)
    signature = _source_signature(src)
    if cache is not None and not refresh and cache.exists():
        try:
            cached = RoadNetwork.load(cache)
        except RoadNetworkError as e:
            logger.warning("Ignoring unreadable road network cache: %s", e)
        else:
            if src.is_download or not signature or cached.signature == signature:
                return cached
            logger.info("Road network %s changed since it was cached; rebuilding.", src)
    if src.is_download and not (allow_download or refresh):
        msg = (
            f"The road network {src} has not been downloaded yet; run `flask roads download` first."
        )
        raise RoadNetworkError(msg)
    graph = _graph_from_source(src)
    network = network_from_graph(graph, source=str(src), kind=src.kind, speeds=speeds)
    network = replace(network, signature=signature)
    if cache is not None:
        network = network.save(cache)
    return network


def _source_signature(src: NetworkSource) -> str:
    """Return size and modification time of a file source ('' for downloads or missing)."""
    if src.is_download:
        return ""
    try:
        st = Path(src.value).stat()
    except OSError:
        return ""
    return f"{st.st_size}:{st.st_mtime_ns}"


def _graph_from_source(src: NetworkSource) -> nx.MultiDiGraph:
    if src.kind == "osm_xml":
        return graph_from_osm_xml(Path(src.value))
    if src.kind == "graphml":
        return _graph_from_graphml(Path(src.value))
    if src.kind == "place":
        return _download(src, lambda ox: ox.graph_from_place(src.value, network_type="drive"))
    polygon = read_polygon(Path(src.value))
    return _download(src, lambda ox: ox.graph_from_polygon(polygon, network_type="drive"))


def _download(
    src: NetworkSource, fetch: Callable[[ModuleType], nx.MultiDiGraph]
) -> nx.MultiDiGraph:
    """Run an OSMnx download and turn its failures into one clear RoadNetworkError."""
    ox = _osmnx()
    import requests

    # Our compact cache is the cache. OSMnx's HTTP cache would make a refresh replay the old
    # response, and it writes ./cache wherever the process happens to run.
    use_cache = ox.settings.use_cache
    ox.settings.use_cache = False
    try:
        graph: nx.MultiDiGraph = fetch(ox)
    except (ValueError, TypeError, OSError, requests.RequestException) as e:
        # OSMnx raises InsufficientResponseError (place not found, empty area),
        # ResponseStatusCodeError (server error) and requests' errors (no connection).
        msg = f"Downloading the road network for {src} failed: {e}"
        raise RoadNetworkError(msg) from e
    finally:
        ox.settings.use_cache = use_cache
    return graph


def read_polygon(path: Path) -> Polygon | MultiPolygon:
    """Read a (Multi)Polygon boundary in WGS84 from a GeoJSON file.

    Accepts a FeatureCollection (all features are merged), a Feature or a bare geometry.

    Raises
    ------
    RoadNetworkError
        When the file cannot be read or holds no polygon.
    """
    import shapely
    from shapely.geometry import MultiPolygon
    from shapely.geometry import Polygon
    from shapely.geometry import shape

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("type") == "FeatureCollection":
            geoms = [shape(f["geometry"]) for f in data["features"]]
        elif data.get("type") == "Feature":
            geoms = [shape(data["geometry"])]
        else:
            geoms = [shape(data)]
        geom = shapely.union_all([shapely.make_valid(g) for g in geoms])
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
        msg = f"The boundary file {path} cannot be read as GeoJSON ({e})."
        raise RoadNetworkError(msg) from e
    if isinstance(geom, Polygon | MultiPolygon) and not geom.is_empty:
        return geom
    msg = f"The boundary file {path} holds no polygon (found {geom.geom_type})."
    raise RoadNetworkError(msg)


def _graph_from_graphml(path: Path) -> nx.MultiDiGraph:
    ox = _osmnx()
    try:
        graph: nx.MultiDiGraph = ox.load_graphml(path)
    except (OSError, ValueError, KeyError, TypeError, ET.ParseError, nx.NetworkXError) as e:
        msg = f"The road network file {path} cannot be read as GraphML ({e})."
        raise RoadNetworkError(msg) from e
    drop = [(u, v, k) for u, v, k, d in graph.edges(keys=True, data=True) if not _is_drivable(d)]
    graph.remove_edges_from(drop)
    graph.remove_nodes_from([n for n in list(graph.nodes) if graph.degree(n) == 0])
    return graph


# The drive filter as (key, operator, compiled regex) rules, with Overpass semantics:
# ["k"] needs the tag; ["k"!~"re"] passes when the tag is absent or its value does not match.
_FILTER_RULE = re.compile(r'\["([^"]+)"(?:(!?~)"([^"]*)")?\]')
_DRIVE_RULES: Final = tuple(
    (key, op, re.compile(pattern) if op else None)
    for key, op, pattern in _FILTER_RULE.findall(DRIVE_FILTER)
)


def _is_drivable(tags: Mapping[str, Any]) -> bool:
    """Whether a way (or edge) with these tags is in OSMnx's ``drive`` network."""
    for key, op, pattern in _DRIVE_RULES:
        raw = tags.get(key)
        values = [] if raw is None else [str(v) for v in (raw if isinstance(raw, list) else [raw])]
        if pattern is None:
            if not values:
                return False
        elif op == "!~":
            # a simplified edge may carry several values: it passes if any of them does
            if values and all(pattern.search(v) for v in values):
                return False
        elif not any(pattern.search(v) for v in values):
            return False
    return True


def _open_maybe_compressed(path: Path) -> IO[bytes]:
    import bz2

    with path.open("rb") as probe:
        magic = probe.read(3)
    if magic.startswith(b"BZh"):
        return bz2.open(path, "rb")
    if magic.startswith(b"\x1f\x8b"):
        return cast("IO[bytes]", gzip.open(path, "rb"))
    return path.open("rb")


def graph_from_osm_xml(path: Path) -> nx.MultiDiGraph:
    """Build the drive graph of an OSM XML extract (plain, bzip2 or gzip).

    The extract's ways are filtered as OSMnx's ``drive`` network type (:data:`DRIVE_FILTER`)
    *before* the graph is built, so footways and service roads never join or split streets;
    the kept ways and their nodes are written to a temporary OSM file that
    ``osmnx.graph_from_xml`` reads (public API only). Ways referring to nodes missing from a
    clipped extract are cut at the gap.

    Raises
    ------
    RoadNetworkError
        When the file is missing, unreadable, empty, not OSM XML or has no drivable way.
    """
    nodes: dict[str, tuple[str, str, list[tuple[str, str]]]] = {}
    ways: list[tuple[str, list[str], list[tuple[str, str]]]] = []
    n_ways = 0
    try:
        with _open_maybe_compressed(path) as stream:
            context = ET.iterparse(stream, events=("start", "end"))
            _, root = next(context)
            if root.tag != "osm":
                msg = f"The road network file {path} is not OSM XML (root <{root.tag}>)."
                raise RoadNetworkError(msg)
            for event, elem in context:
                if event != "end":
                    continue
                if elem.tag == "node":
                    tags = [(t.get("k", ""), t.get("v", "")) for t in elem.iter("tag")]
                    nodes[elem.get("id", "")] = (elem.get("lat", ""), elem.get("lon", ""), tags)
                    root.clear()
                elif elem.tag == "way":
                    n_ways += 1
                    tags = [(t.get("k", ""), t.get("v", "")) for t in elem.iter("tag")]
                    if _is_drivable(dict(tags)):
                        refs = [nd.get("ref", "") for nd in elem.iter("nd")]
                        ways.append((elem.get("id", ""), refs, tags))
                    root.clear()
                elif elem.tag == "relation":
                    root.clear()
    except RoadNetworkError:
        raise
    except (ET.ParseError, StopIteration) as e:
        msg = f"The road network file {path} is empty or not OSM XML ({e or 'no elements'})."
        raise RoadNetworkError(msg) from e
    except (OSError, EOFError) as e:
        msg = f"The road network file {path} cannot be read ({e or type(e).__name__})."
        raise RoadNetworkError(msg) from e
    if not ways:
        msg = (
            f"The road network file {path} has no drivable roads "
            f"({n_ways:,} ways, none passing OSMnx's 'drive' filter)."
        )
        raise RoadNetworkError(msg)
    return _graph_from_kept_ways(path, nodes, ways)


def _graph_from_kept_ways(
    path: Path,
    nodes: Mapping[str, tuple[str, str, list[tuple[str, str]]]],
    ways: Sequence[tuple[str, list[str], list[tuple[str, str]]]],
) -> nx.MultiDiGraph:
    # a way cut at nodes missing from a clipped extract becomes one way per run of known
    # nodes; the later pieces get new negative ids so OSMnx keeps them apart
    pieces: list[tuple[str, list[str], list[tuple[str, str]]]] = []
    for way_id, refs, tags in ways:
        for i, run in enumerate(_present_runs(refs, nodes)):
            pieces.append((way_id if i == 0 else str(-1 - len(pieces)), run, tags))
    if not pieces:
        msg = f"The road network file {path} has no drivable road with known nodes."
        raise RoadNetworkError(msg)
    used = sorted({ref for _, run, _ in pieces for ref in run})
    ox = _osmnx()
    fd, tmp_name = tempfile.mkstemp(suffix=".osm", prefix="connect-rota-drive-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write("<?xml version='1.0' encoding='UTF-8'?>\n")
            out.write('<osm version="0.6" generator="Connect Rota drive filter">\n')
            for node_id in used:
                lat, lon, tags = nodes[node_id]
                attrs = f"id={quoteattr(node_id)} lat={quoteattr(lat)} lon={quoteattr(lon)}"
                out.write(f"<node {attrs}>{_tags_xml(tags)}</node>\n")
            for way_id, run, tags in pieces:
                refs_xml = "".join(f"<nd ref={quoteattr(r)}/>" for r in run)
                out.write(f"<way id={quoteattr(way_id)}>{refs_xml}{_tags_xml(tags)}</way>\n")
            out.write("</osm>\n")
        graph: nx.MultiDiGraph = ox.graph_from_xml(
            tmp_name, bidirectional=False, simplify=True, retain_all=True
        )
    except (ValueError, KeyError) as e:
        msg = f"OSMnx could not build a graph from {path}: {e}"
        raise RoadNetworkError(msg) from e
    finally:
        Path(tmp_name).unlink(missing_ok=True)
    return graph


def _present_runs(refs: Sequence[str], nodes: Mapping[str, Any]) -> list[list[str]]:
    runs: list[list[str]] = [[]]
    for ref in refs:
        if ref in nodes:
            runs[-1].append(ref)
        elif runs[-1]:
            runs.append([])
    return [run for run in runs if len(run) >= 2]


def _tags_xml(tags: Iterable[tuple[str, str]]) -> str:
    return "".join(f"<tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags)


# --------------------------------------------------------------------------------------------
# From a networkx graph to compact arrays
# --------------------------------------------------------------------------------------------


def network_from_graph(
    graph: nx.MultiDiGraph,
    *,
    source: str = "graph",
    kind: str = "graph",
    speeds: RoadSpeeds | None = None,
) -> RoadNetwork:
    """Turn an OSMnx-style ``MultiDiGraph`` into a :class:`RoadNetwork`.

    Nodes need ``x`` (lon) and ``y`` (lat). Edges use ``travel_time`` (s) when every edge has
    one; otherwise speeds are added with ``ox.add_edge_speeds`` (OSM ``maxspeed``, else
    ``speeds``) and times with ``ox.add_edge_travel_times``, on a copy. ``length`` (m) defaults
    to the great-circle distance of the edge's geometry. Only the largest strongly connected
    component is kept.

    Raises
    ------
    RoadNetworkError
        When the graph has no drivable edge, or nodes lack coordinates.
    """
    speeds = RoadSpeeds() if speeds is None else speeds
    edges_total = graph.number_of_edges()
    if edges_total == 0:
        msg = f"The road network from {source} has no drivable roads."
        raise RoadNetworkError(msg)
    for node, data in graph.nodes(data=True):
        if not (_finite(data.get("x")) and _finite(data.get("y"))):
            msg = f"Node {node} of the road network from {source} has no coordinates."
            raise RoadNetworkError(msg)
    graph = _with_lengths_and_times(graph, source, speeds)
    largest = max(nx.strongly_connected_components(graph), key=len)
    if len(largest) < 2:
        msg = f"The road network from {source} has no two places connected both ways."
        raise RoadNetworkError(msg)
    return _compact(graph, largest, source=source, kind=kind, speeds=speeds)


def _finite(value: Any) -> bool:  # noqa: ANN401
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _with_lengths_and_times(
    graph: nx.MultiDiGraph, source: str, speeds: RoadSpeeds
) -> nx.MultiDiGraph:
    has_length = all("length" in d for _, _, d in graph.edges(data=True))
    has_time = all("travel_time" in d for _, _, d in graph.edges(data=True))
    if has_length and has_time:
        return graph
    graph = graph.copy()
    for u, v, data in graph.edges(data=True):
        if "length" not in data:
            data["length"] = _polyline_length_m(_edge_coords(graph, u, v, data))
        data.setdefault("highway", "road")
    if not has_time:
        ox = _osmnx()
        try:
            graph = ox.add_edge_speeds(
                graph, hwy_speeds=dict(speeds.hwy_speeds_kmh), fallback=speeds.fallback_kmh
            )
            graph = ox.add_edge_travel_times(graph)
        except (ValueError, KeyError) as e:
            msg = f"Speeds could not be set on the road network from {source}: {e}"
            raise RoadNetworkError(msg) from e
    return graph


def _edge_coords(
    graph: nx.MultiDiGraph,
    u: Any,
    v: Any,
    data: Mapping[str, Any],  # noqa: ANN401
) -> npt.NDArray[np.float64]:
    """Return the edge's (lat, lon) points from u to v, end nodes included."""
    start = (float(graph.nodes[u]["y"]), float(graph.nodes[u]["x"]))
    end = (float(graph.nodes[v]["y"]), float(graph.nodes[v]["x"]))
    geom = data.get("geometry")
    if geom is None:
        return np.array([start, end])
    coords = np.array([(float(y), float(x)) for x, y in geom.coords])
    if len(coords) >= 2 and _hav_m(coords[0], start) > _hav_m(coords[-1], start):
        coords = coords[::-1]  # stored the other way round: drive it from u to v
    coords[0], coords[-1] = start, end
    return coords


def _hav_m(a: npt.ArrayLike, b: npt.ArrayLike) -> float:
    pa, pb = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(haversine_m(pa[0], pa[1], pb[0], pb[1]))


def _polyline_length_m(coords: npt.NDArray[np.float64]) -> float:
    return float(np.sum(haversine_m(coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1])))


def _compact(
    graph: nx.MultiDiGraph,
    keep: set[Any],
    *,
    source: str,
    kind: str,
    speeds: RoadSpeeds,
) -> RoadNetwork:
    order = list(keep)
    order.sort(key=lambda n: (str(type(n)), n))
    index = {node: i for i, node in enumerate(order)}
    lat = np.array([float(graph.nodes[n]["y"]) for n in order])
    lon = np.array([float(graph.nodes[n]["x"]) for n in order])
    osm_id = np.array([n if isinstance(n, int) else i for i, n in enumerate(order)], np.int64)

    tails: list[int] = []
    heads: list[int] = []
    times: list[float] = []
    lengths: list[float] = []
    geoms: list[npt.NDArray[np.float64]] = []
    by_class: dict[str, list[float]] = {}
    tagged_m = 0.0
    for u, v, data in graph.edges(data=True):
        if u == v or u not in index or v not in index:
            continue
        t, length = float(data["travel_time"]), float(data["length"])
        if not (math.isfinite(t) and t >= 0 and math.isfinite(length) and length >= 0):
            msg = f"Edge {u}->{v} of the road network from {source} has no valid time/length."
            raise RoadNetworkError(msg)
        tails.append(index[u])
        heads.append(index[v])
        times.append(t)
        lengths.append(length)
        geoms.append(_edge_coords(graph, u, v, data)[1:-1] if "geometry" in data else _NO_GEOM)
        hwy = data.get("highway", "road")
        cls_name = str(hwy[0] if isinstance(hwy, list) else hwy)
        stats = by_class.setdefault(cls_name, [0.0, 0.0])
        stats[0] += length
        stats[1] += t
        if data.get("maxspeed") is not None:
            tagged_m += length

    time_ms = np.maximum(1, np.rint(np.array(times) * 1000)).astype(np.int64)
    length_dm = np.maximum(1, np.rint(np.array(lengths) * 10)).astype(np.int64)
    tail = np.array(tails, dtype=np.int64)
    head = np.array(heads, dtype=np.int64)
    # one edge per ordered pair: the fastest (then shortest) of any parallel edges
    order_e = np.lexsort((length_dm, time_ms, head, tail))
    first = np.ones(order_e.shape[0], dtype=bool)
    first[1:] = (tail[order_e][1:] != tail[order_e][:-1]) | (
        head[order_e][1:] != head[order_e][:-1]
    )
    chosen = order_e[first]
    n = len(order)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(tail[chosen], minlength=n), out=indptr[1:])
    chosen_geoms = [geoms[i] for i in chosen]
    geom_ptr = np.zeros(len(chosen) + 1, dtype=np.int64)
    np.cumsum([len(g) for g in chosen_geoms], out=geom_ptr[1:])
    all_geom = np.concatenate([*chosen_geoms, _NO_GEOM]) if chosen_geoms else _NO_GEOM

    total_m = sum(s[0] for s in by_class.values())
    info = NetworkInfo(
        source=source,
        kind=kind,
        nodes=n,
        edges=int(chosen.shape[0]),
        dropped_nodes=graph.number_of_nodes() - n,
        bbox=BBox(float(lat.min()), float(lon.min()), float(lat.max()), float(lon.max())),
        length_km=round(float(length_dm[chosen].sum()) / 10_000, 3),
        speeds_kmh={
            k: round(s[0] / s[1] * 3.6, 1) if s[1] > 0 else 0.0 for k, s in sorted(by_class.items())
        },
        default_speeds_kmh={k: round(v, 1) for k, v in sorted(speeds.hwy_speeds_kmh.items())},
        maxspeed_tagged_share=round(tagged_m / total_m, 3) if total_m > 0 else 0.0,
        built_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        built_with=_osmnx_version(),
    )
    network = RoadNetwork(
        osm_id=osm_id,
        lat=lat,
        lon=lon,
        indptr=indptr,
        indices=head[chosen].astype(np.int32),
        time_ms=time_ms[chosen],
        length_dm=length_dm[chosen],
        geom_ptr=geom_ptr,
        geom_lat=np.ascontiguousarray(all_geom[:, 0]),
        geom_lon=np.ascontiguousarray(all_geom[:, 1]),
        info=info,
    )
    network.check()
    return network


_NO_GEOM: Final = np.empty((0, 2), dtype=np.float64)


def _osmnx_version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version

    try:
        return f"OSMnx {version('osmnx')}"
    except PackageNotFoundError:  # pragma: no cover - osmnx is a dependency
        return "OSMnx (unknown version)"


# --------------------------------------------------------------------------------------------
# Travel times
# --------------------------------------------------------------------------------------------


class OsmTravelTimes:
    """Driving times and distances over a :class:`RoadNetwork` (the production TravelTimes).

    Parameters
    ----------
    network
        The network, usually from :func:`load_network`.
    params
        Snapping mode and limit, and the approach speed (:class:`OsmParams`).

    Examples
    --------
    >>> travel = OsmTravelTimes.from_source("north_london.osm.bz2", cache_dir=Path("instance"))
    >>> travel.matrix([LatLon(51.61, -0.12), LatLon(51.62, -0.11)]).duration_s
    """

    def __init__(self, network: RoadNetwork, params: OsmParams | None = None) -> None:
        self._net = network
        self._params = OsmParams() if params is None else params
        n = network.n_nodes
        self._unit_ms, self._base, self._units, self._weights = _lexicographic_weights(network)
        self._tails = np.repeat(np.arange(n, dtype=np.int64), np.diff(network.indptr))
        self._csr = csr_matrix((self._weights, network.indices, network.indptr), shape=(n, n))
        # positions are found on a local equirectangular projection (exact enough within a
        # borough); reported snap distances are great-circle ones
        self._lat0 = math.radians(float(np.mean(network.lat)))
        edge_mode = self._params.snap == "edge"
        self._roads = _Roads.build(self._net, self._project) if edge_mode else None
        self._node_tree = None if edge_mode else cKDTree(self._project(network.lat, network.lon))

    @classmethod
    def from_source(
        cls,
        source: str | NetworkSource,
        *,
        cache_dir: Path | None = None,
        speeds: RoadSpeeds | None = None,
        params: OsmParams | None = None,
        allow_download: bool = True,
    ) -> OsmTravelTimes:
        """Load a network with :func:`load_network` and wrap it."""
        network = load_network(
            source, cache_dir=cache_dir, speeds=speeds, allow_download=allow_download
        )
        return cls(network, params)

    @classmethod
    def from_graph(
        cls,
        graph: nx.MultiDiGraph,
        *,
        speeds: RoadSpeeds | None = None,
        params: OsmParams | None = None,
        source: str = "graph",
    ) -> OsmTravelTimes:
        """Wrap an in-memory ``MultiDiGraph`` (see :func:`network_from_graph`)."""
        return cls(network_from_graph(graph, source=source, speeds=speeds), params)

    @property
    def network(self) -> RoadNetwork:
        """The compact network."""
        return self._net

    @property
    def info(self) -> NetworkInfo:
        """Size, extent, source and speeds of the network."""
        return self._net.info

    @property
    def params(self) -> OsmParams:
        """Snapping parameters."""
        return self._params

    def snap(self, points: Sequence[LatLon]) -> list[Snap]:
        """Return where each point joins the network and how far away that is.

        Raises
        ------
        InvalidProblem
            When a point has NaN, infinite or impossible coordinates.
        PointNotOnNetwork
            When a point is farther than ``max_snap_m`` from every road; the message names the
            point's index and coordinates.
        """
        placed = self._place(points_array(points))
        net = self._net
        snaps = []
        for i in range(placed.count):
            u, v = int(placed.tail[i]), int(placed.head[i])
            snaps.append(
                Snap(
                    point=LatLon(float(placed.lat[i]), float(placed.lon[i])),
                    distance_m=float(placed.dist_m[i]),
                    from_osm_id=int(net.osm_id[u]),
                    to_osm_id=int(net.osm_id[v]),
                    fraction=float(placed.frac[i]),
                )
            )
        return snaps

    def matrix(self, points: Sequence[LatLon]) -> TravelMatrix:
        """Return driving seconds (rounded up) and metres between every pair of ``points``.

        Parameters
        ----------
        points
            Places in any order; duplicates are allowed and cost nothing extra.

        Returns
        -------
        TravelMatrix
            ``duration_s[i, j]`` and ``distance_m[i, j]`` from ``points[i]`` to ``points[j]``
            along the fastest route; zero on the diagonal.

        Raises
        ------
        InvalidProblem
            When a point has NaN, infinite or impossible coordinates.
        PointNotOnNetwork
            When a point is farther than ``max_snap_m`` from every road.
        """
        pts = points_array(points)
        if pts.shape[0] == 0:
            empty = np.zeros((0, 0), dtype=np.int64)
            return TravelMatrix(empty, empty.copy())
        placed = self._place(pts)
        graph, vertex, _ = self._augmented(placed)
        distinct, inverse = np.unique(vertex, return_inverse=True)
        time_ms, length_dm = self._decode(self._many_to_many(graph, distinct))
        time_ms, length_dm = time_ms[np.ix_(inverse, inverse)], length_dm[np.ix_(inverse, inverse)]
        same = inverse[:, None] == inverse[None, :]
        ends = (pts, placed.dist_m)
        seconds, metres = self._add_approach(time_ms, length_dm, ends, ends, same)
        np.fill_diagonal(seconds, 0.0)
        np.fill_diagonal(metres, 0.0)
        return TravelMatrix(_ceil_s(seconds), _round_m(metres))

    def path(self, a: LatLon, b: LatLon) -> RoadPath:
        """Return the road line from ``a`` to ``b``, with the same time and length as matrix.

        The line starts at ``a``, joins the road where ``a`` was snapped, follows the roads'
        geometry and leaves the road where ``b`` was snapped to end at ``b``.

        Raises
        ------
        InvalidProblem
            When a point has NaN, infinite or impossible coordinates.
        PointNotOnNetwork
            When a point is farther than ``max_snap_m`` from every road.
        """
        pts = points_array([a, b])
        placed = self._place(pts)
        graph, vertex, pieces = self._augmented(placed)
        s, t = int(vertex[0]), int(vertex[1])
        if s == t:
            weights, route = np.zeros((1, 1)), [s]
        else:
            dist, pred = dijkstra(graph, directed=True, indices=s, return_predecessors=True)
            if not math.isfinite(float(dist[t])):  # pragma: no cover - strongly connected
                msg = f"No road leads from {a} to {b}."
                raise RoadNetworkError(msg)
            route = [t]
            while route[-1] != s:
                route.append(int(pred[route[-1]]))
            route.reverse()
            weights = np.array([[float(dist[t])]])
        time_ms, length_dm = self._decode(weights)
        same = np.array([[s == t]])
        seconds, metres = self._add_approach(
            time_ms, length_dm, (pts[:1], placed.dist_m[:1]), (pts[1:], placed.dist_m[1:]), same
        )
        # same rule as _add_approach: two points at one place may be joined directly
        direct = bool(s == t and metres[0, 0] < placed.dist_m.sum())
        coords = [LatLon(float(pts[0, 0]), float(pts[0, 1]))]
        if not direct:
            coords.extend(self._route_coords(route, placed, vertex, pieces))
        coords.append(LatLon(float(pts[1, 0]), float(pts[1, 1])))
        deduped = [p for i, p in enumerate(coords) if i == 0 or p != coords[i - 1]]
        return RoadPath(
            points=tuple(deduped),
            duration_s=int(_ceil_s(seconds)[0, 0]),
            distance_m=int(_round_m(metres)[0, 0]),
        )

    # -- placing points ----------------------------------------------------------------------

    def _project(
        self, lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.float64]:
        x = EARTH_RADIUS_M * math.cos(self._lat0) * np.radians(lon)
        y = EARTH_RADIUS_M * np.radians(lat)
        return np.column_stack([x, y])

    def _unproject(self, xy: npt.NDArray[np.float64]) -> tuple[Any, Any]:
        lat = np.degrees(xy[:, 1] / EARTH_RADIUS_M)
        lon = np.degrees(xy[:, 0] / (EARTH_RADIUS_M * math.cos(self._lat0)))
        return lat, lon

    def _place(self, pts: npt.NDArray[np.float64]) -> _Placed:
        """Snap points to the nearest road point (or node), raising for one too far away."""
        xy = self._project(pts[:, 0], pts[:, 1])
        if self._roads is not None:
            edge, frac, foot = self._roads.nearest(xy)
            offset = frac * self._roads.edge_len[edge]
            tail, head = self._tails[edge], self._net.indices[edge].astype(np.int64)
            # a foot within half a metre of a junction is the junction itself
            at_tail = offset < 0.5
            at_head = ~at_tail & (self._roads.edge_len[edge] - offset < 0.5)
            node = np.where(at_tail, tail, np.where(at_head, head, -1))
            frac = np.where(at_tail, 0.0, np.where(at_head, 1.0, frac))
            foot_lat, foot_lon = self._unproject(foot)
        else:
            assert self._node_tree is not None
            _, idx = self._node_tree.query(xy)
            node = tail = head = np.asarray(idx, dtype=np.int64)
            edge = np.full(node.shape, -1, dtype=np.int64)
            frac = np.zeros(node.shape)
            foot_lat, foot_lon = self._net.lat[node], self._net.lon[node]
        on_node = node >= 0
        foot_lat = np.where(on_node, self._net.lat[np.maximum(node, 0)], foot_lat)
        foot_lon = np.where(on_node, self._net.lon[np.maximum(node, 0)], foot_lon)
        dist = haversine_m(pts[:, 0], pts[:, 1], foot_lat, foot_lon)
        too_far = np.flatnonzero(dist > self._params.max_snap_m)
        if too_far.size:
            i = int(too_far[0])
            msg = (
                f"Point {i} ({pts[i, 0]:.6f}, {pts[i, 1]:.6f}) is {dist[i]:,.0f} m from the "
                f"nearest road of the network (limit {self._params.max_snap_m:,.0f} m)"
            )
            if too_far.size > 1:
                msg += f"; {too_far.size - 1} more point(s) are too far as well"
            raise PointNotOnNetwork(msg + ".")
        return _Placed(
            node=node,
            edge=np.where(on_node, -1, edge),
            tail=np.where(on_node, node, tail),
            head=np.where(on_node, node, head),
            frac=frac,
            lat=foot_lat,
            lon=foot_lon,
            dist_m=dist,
        )

    def _augmented(
        self, placed: _Placed
    ) -> tuple[csr_matrix, npt.NDArray[np.int64], dict[tuple[int, int], tuple[int, float, float]]]:
        """Splice a vertex into the graph where each point meets a road (mid-edge points).

        Returns the graph, each point's vertex and, for every spliced piece ``(x, y)``, the
        directed edge it is part of with the fractions it spans (to draw the route).
        """
        n = self._net.n_nodes
        vertex = placed.node.copy()
        mid = np.flatnonzero(placed.node < 0)
        if mid.size == 0:
            return self._csr, vertex, {}
        assert self._roads is not None
        # points at the same spot (within 10 cm along the same edge) share one vertex
        offset_dm = np.rint(placed.frac[mid] * self._roads.edge_len[placed.edge[mid]] * 10)
        keys = np.column_stack([placed.edge[mid], offset_dm.astype(np.int64)])
        uniq, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
        vertex[mid] = n + inverse.reshape(-1)
        frac_of = placed.frac[mid][first]
        tails: list[npt.NDArray[np.int64]] = [self._tails]
        heads: list[npt.NDArray[np.int64]] = [self._net.indices.astype(np.int64)]
        weights: list[npt.NDArray[np.float64]] = [self._weights]
        pieces: dict[tuple[int, int], tuple[int, float, float]] = {}
        # np.unique sorted the keys by edge, then by offset along it: each edge's points are
        # one run, in driving order
        edges, starts = np.unique(uniq[:, 0], return_index=True)
        for e, lo, hi in zip(edges, starts, [*starts[1:], uniq.shape[0]], strict=True):
            ids = n + np.arange(lo, hi)
            fracs = frac_of[lo:hi]
            u, v = int(self._tails[e]), int(self._net.indices[e])
            chain = [u, *ids.tolist(), v]
            bounds = np.concatenate([[0.0], fracs, [1.0]])
            twin = int(self._roads.twin[e])
            for edge, order, along in (
                (int(e), chain, bounds),
                (twin, chain[::-1], 1 - bounds[::-1]),
            ):
                if edge < 0:
                    continue
                units = np.rint(along * self._units[edge])
                dm = np.rint(along * self._net.length_dm[edge])
                piece_units = np.maximum(1.0, np.diff(units))
                piece_dm = np.maximum(1.0, np.diff(dm))
                tails.append(np.array(order[:-1], dtype=np.int64))
                heads.append(np.array(order[1:], dtype=np.int64))
                weights.append(piece_units * self._base + piece_dm)
                for k in range(len(order) - 1):
                    pieces[(order[k], order[k + 1])] = (edge, float(along[k]), float(along[k + 1]))
        size = n + uniq.shape[0]
        graph = csr_matrix(
            (np.concatenate(weights), (np.concatenate(tails), np.concatenate(heads))),
            shape=(size, size),
        )
        return graph, vertex, pieces

    # -- shortest paths ----------------------------------------------------------------------

    def _many_to_many(
        self, graph: csr_matrix, sources: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.float64]:
        """Weights between distinct vertices, Dijkstra run from each in memory-bounded chunks."""
        k, n = sources.shape[0], graph.shape[0]
        out = np.empty((k, k), dtype=np.float64)
        chunk = max(1, _SOURCE_CHUNK_BYTES // (8 * n))
        for start in range(0, k, chunk):
            rows = sources[start : start + chunk]
            dist = dijkstra(graph, directed=True, indices=rows)
            out[start : start + rows.shape[0]] = dist[:, sources]
        if not np.all(np.isfinite(out)):  # pragma: no cover - strongly connected by build
            msg = f"Some places cannot reach each other on the network from {self.info.source}."
            raise RoadNetworkError(msg)
        return out

    def _decode(
        self, weights: npt.NDArray[np.float64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        units = np.floor(weights / self._base)
        length_dm = (weights - units * self._base).astype(np.int64)
        return units.astype(np.int64) * self._unit_ms, length_dm

    def _add_approach(
        self,
        time_ms: npt.NDArray[np.int64],
        length_dm: npt.NDArray[np.int64],
        rows: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]],
        cols: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]],
        same: npt.NDArray[np.bool_],
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Return seconds and metres including the approach legs (see the module docstring).

        ``rows``/``cols`` are (points, snap distances) of the trips' starts and ends; ``same``
        marks pairs that meet the road at the same place.
        """
        seconds = time_ms / 1000.0
        metres = length_dm / 10.0
        speed = self._params.approach_speed_kmh
        if speed is None:
            return seconds, metres
        (row_pts, row_snap), (col_pts, col_snap) = rows, cols
        metres_per_s = speed / 3.6
        approach_m = row_snap[:, None] + col_snap[None, :]
        seconds = seconds + approach_m / metres_per_s
        metres = metres + approach_m
        i, j = np.nonzero(same)
        direct_m = haversine_m(row_pts[i, 0], row_pts[i, 1], col_pts[j, 0], col_pts[j, 1])
        shorter = direct_m < approach_m[i, j]
        i, j, direct_m = i[shorter], j[shorter], direct_m[shorter]
        seconds[i, j] = direct_m / metres_per_s
        metres[i, j] = direct_m
        return seconds, metres

    # -- drawing routes ----------------------------------------------------------------------

    def _route_coords(
        self,
        route: Sequence[int],
        placed: _Placed,
        vertex: npt.NDArray[np.int64],
        pieces: Mapping[tuple[int, int], tuple[int, float, float]],
    ) -> list[LatLon]:
        net = self._net
        n = net.n_nodes
        where = {int(v): i for i, v in enumerate(vertex)}

        def point(x: int) -> LatLon:
            if x < n:
                return LatLon(float(net.lat[x]), float(net.lon[x]))
            i = where[x]
            return LatLon(float(placed.lat[i]), float(placed.lon[i]))

        coords = [point(route[0])]
        for x, y in itertools.pairwise(route):
            if (x, y) in pieces:
                edge, f0, f1 = pieces[(x, y)]
            else:
                lo, hi = int(net.indptr[x]), int(net.indptr[x + 1])
                edge, f0, f1 = lo + int(np.searchsorted(net.indices[lo:hi], y)), 0.0, 1.0
            coords.extend(self._edge_interior(edge, f0, f1))
            coords.append(point(y))
        return coords

    def _edge_interior(self, edge: int, f0: float, f1: float) -> list[LatLon]:
        """Geometry points of ``edge`` strictly between fractions ``f0`` and ``f1`` of it."""
        net = self._net
        g0, g1 = int(net.geom_ptr[edge]), int(net.geom_ptr[edge + 1])
        if g0 == g1:
            return []
        u, v = int(self._tails[edge]), int(net.indices[edge])
        lat = np.concatenate([[net.lat[u]], net.geom_lat[g0:g1], [net.lat[v]]])
        lon = np.concatenate([[net.lon[u]], net.geom_lon[g0:g1], [net.lon[v]]])
        cum = np.concatenate([[0.0], np.cumsum(haversine_m(lat[:-1], lon[:-1], lat[1:], lon[1:]))])
        along = cum / cum[-1] if cum[-1] > 0 else cum
        inside = np.flatnonzero((along > f0) & (along < f1))
        return [LatLon(float(lat[i]), float(lon[i])) for i in inside]


@dataclass(frozen=True, slots=True, eq=False)
class _Placed:
    """Where points meet the network: a node (``node >= 0``) or a fraction along ``edge``."""

    node: npt.NDArray[np.int64]
    edge: npt.NDArray[np.int64]
    tail: npt.NDArray[np.int64]
    head: npt.NDArray[np.int64]
    frac: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    dist_m: npt.NDArray[np.float64]

    @property
    def count(self) -> int:
        return int(self.node.shape[0])


_SAMPLE_SPACING_M: Final = 25.0
_CANDIDATES: Final = 16


@dataclass(frozen=True, slots=True, eq=False)
class _Roads:
    """The network's road lines, for snapping a point to the nearest point of a road.

    Each two-way street appears once (its ``canonical`` edge; ``twin`` is the opposite edge or
    -1). Segments of the edges' polylines are sampled every 25 m or less into a k-d tree; the
    16 nearest samples name candidate segments, and the exact nearest point on those is
    taken. A segment's nearest sample is at most 12.5 m from any point of it, so a missed
    segment could only have been at most 12.5 m nearer.
    """

    twin: npt.NDArray[np.int64]
    edge_len: npt.NDArray[np.float64]
    seg_edge: npt.NDArray[np.int64]
    seg_a: npt.NDArray[np.float64]
    seg_b: npt.NDArray[np.float64]
    seg_before: npt.NDArray[np.float64]
    sample_seg: npt.NDArray[np.int64]
    tree: Any

    @classmethod
    def build(cls, net: RoadNetwork, project: Callable[..., npt.NDArray[np.float64]]) -> _Roads:
        n, m = net.n_nodes, net.n_edges
        tails = np.repeat(np.arange(n, dtype=np.int64), np.diff(net.indptr))
        heads = net.indices.astype(np.int64)
        keys = tails * n + heads  # sorted: CSR rows in order, heads sorted within rows
        pos = np.searchsorted(keys, heads * n + tails)
        pos = np.minimum(pos, m - 1)
        has_twin = keys[pos] == heads * n + tails
        twin = np.where(has_twin, pos, -1)
        canonical = np.flatnonzero(~has_twin | (tails < heads))
        # polyline vertices of each canonical edge: tail, geometry interior, head
        n_geom = net.geom_ptr[canonical + 1] - net.geom_ptr[canonical]
        counts = n_geom + 2
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        total = int(counts.sum())
        lat = np.empty(total)
        lon = np.empty(total)
        lat[starts], lon[starts] = net.lat[tails[canonical]], net.lon[tails[canonical]]
        ends = starts + counts - 1
        lat[ends], lon[ends] = net.lat[heads[canonical]], net.lon[heads[canonical]]
        interior = _ranges(starts + 1, n_geom)
        source = _ranges(net.geom_ptr[canonical], n_geom)
        lat[interior], lon[interior] = net.geom_lat[source], net.geom_lon[source]
        xy = project(lat, lon)
        is_last = np.zeros(total, dtype=bool)
        is_last[ends] = True
        seg_start = np.flatnonzero(~is_last)
        seg_edge_local = np.repeat(np.arange(canonical.shape[0]), counts - 1)
        seg_a, seg_b = xy[seg_start], xy[seg_start + 1]
        seg_len = np.hypot(*(seg_b - seg_a).T)
        cum = np.cumsum(seg_len)
        edge_total = np.add.reduceat(seg_len, starts - np.arange(canonical.shape[0]))
        first_seg = starts - np.arange(canonical.shape[0])
        seg_before = cum - seg_len - np.repeat(cum[first_seg] - seg_len[first_seg], counts - 1)
        edge_len = np.zeros(m)
        edge_len[canonical] = edge_total
        edge_len[twin[canonical][twin[canonical] >= 0]] = edge_total[twin[canonical] >= 0]
        per_seg = np.maximum(1, np.ceil(seg_len / _SAMPLE_SPACING_M)).astype(np.int64)
        sample_seg = np.repeat(np.arange(seg_start.shape[0]), per_seg)
        k = _ranges(np.zeros_like(per_seg), per_seg)
        t = (k + 0.5) / per_seg[sample_seg]
        samples = seg_a[sample_seg] + t[:, None] * (seg_b - seg_a)[sample_seg]
        return cls(
            twin=twin,
            edge_len=edge_len,
            seg_edge=canonical[seg_edge_local],
            seg_a=seg_a,
            seg_b=seg_b,
            seg_before=seg_before,
            sample_seg=sample_seg,
            tree=cKDTree(samples),
        )

    def nearest(
        self, xy: npt.NDArray[np.float64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Return (canonical edge, fraction along it, nearest point) for each point."""
        k = min(_CANDIDATES, self.sample_seg.shape[0])
        _, idx = self.tree.query(xy, k=k)
        seg = self.sample_seg[np.asarray(idx).reshape(xy.shape[0], k)]
        a, b = self.seg_a[seg], self.seg_b[seg]
        ab = b - a
        len2 = np.einsum("ijk,ijk->ij", ab, ab)
        t = np.einsum("ijk,ijk->ij", xy[:, None, :] - a, ab) / np.where(len2 > 0, len2, 1.0)
        t = np.clip(t, 0.0, 1.0)
        foot = a + t[..., None] * ab
        d2 = np.einsum("ijk,ijk->ij", foot - xy[:, None, :], foot - xy[:, None, :])
        best = np.argmin(d2, axis=1)
        rows = np.arange(xy.shape[0])
        chosen = seg[rows, best]
        edge = self.seg_edge[chosen]
        along = self.seg_before[chosen] + t[rows, best] * np.sqrt(len2[rows, best])
        length = self.edge_len[edge]
        frac = np.clip(np.where(length > 0, along / np.where(length > 0, length, 1.0), 0.0), 0, 1)
        return edge, frac, foot[rows, best]


def _ranges(starts: npt.NDArray[np.int64], counts: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Concatenate ``arange(s, s + c)`` for each start and count, without a Python loop."""
    counts = np.asarray(counts, dtype=np.int64)
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    return np.repeat(np.asarray(starts, dtype=np.int64) - offsets, counts) + np.arange(total)


def _lexicographic_weights(
    net: RoadNetwork,
) -> tuple[int, float, npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Return (time unit in ms, base M, edge time units, weights ``units * M + length_dm``).

    ``M`` is a power of two above the longest length any shortest-time path can have, so
    ``divmod(weight, M)`` recovers (time, length). A path's time is bounded through a hub
    ``r``: ``T(a, b) <= T(a, r) + T(r, b)``, two single-source Dijkstra runs, plus two whole
    edges for the pieces spliced in where points meet a road; its length is at most its time
    times the fastest edge's decimetres per unit, plus two edges. The unit grows from 1 ms by
    tens until every sum fits float64's 2**53 exact integers (only continental networks).
    """
    n = net.n_nodes
    unit_ms = 1
    while True:
        units = np.maximum(1, np.rint(net.time_ms / unit_ms)).astype(np.float64)
        graph = csr_matrix((units, net.indices, net.indptr), shape=(n, n))
        out_max = float(np.max(dijkstra(graph, directed=True, indices=0)))
        in_max = float(np.max(dijkstra(graph.T.tocsr(), directed=True, indices=0)))
        if not math.isfinite(out_max + in_max):
            msg = f"The road network from {net.info.source} is not strongly connected."
            raise RoadNetworkError(msg)
        t_bound = out_max + in_max + 2 * float(units.max()) + 2
        per_unit = float(np.max(net.length_dm / units))
        l_bound = t_bound * per_unit + 2 * float(net.length_dm.max()) + 2
        base = 2.0 ** math.ceil(math.log2(l_bound + 1))
        if (t_bound + 1) * base < _MAX_EXACT:
            return unit_ms, base, units, units * base + net.length_dm
        unit_ms *= 10


def _ceil_s(seconds: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    # the tolerance absorbs float noise (e.g. 12.000000001 s from ms / 1000) so exact
    # integers stay put; anything a millisecond over rounds up
    return np.ceil(seconds - 1e-6).astype(np.int64)


def _round_m(metres: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    return np.floor(metres + 0.5).astype(np.int64)
