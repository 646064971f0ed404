"""Which travel times the app uses, and the work behind the ``flask roads`` commands.

``ROAD_NETWORK`` unset (the embedded default) means straight-line estimates. Otherwise it names
the network, in one of these forms (see :class:`app.optimizer.roads.osm.NetworkSource`):

- a file: ``/srv/data/lbbd.osm.bz2`` (``.osm``/``.osm.bz2``/``.osm.gz``/``.xml``), an OSMnx
  ``.graphml``, or a ready ``.npz`` cache; relative paths are taken from the current directory;
- ``place:Barking and Dagenham, London, UK``: downloaded through OSMnx (Nominatim + Overpass);
- ``polygon:/srv/data/lbbd_boundary.geojson``: downloaded through OSMnx within that boundary.

The built network is cached in ``<instance>/roads/`` (compact ``.npz``). A file is rebuilt when
it changes; a download only by ``flask roads download``, which replaces the cache only once the
new one is complete. This module takes plain values (no Flask) so jobs and tests can call it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from app.optimizer.errors import RoadNetworkError
from app.optimizer.roads import TravelTimes
from app.optimizer.roads.osm import NetworkInfo
from app.optimizer.roads.osm import NetworkSource
from app.optimizer.roads.osm import OsmParams
from app.optimizer.roads.osm import OsmTravelTimes
from app.optimizer.roads.osm import RoadSpeeds
from app.optimizer.roads.osm import cache_path
from app.optimizer.roads.osm import load_network
from app.optimizer.roads.straight_line import DEFAULT_DETOUR_FACTOR
from app.optimizer.roads.straight_line import DEFAULT_SPEED_KMH
from app.optimizer.roads.straight_line import StraightLineParams
from app.optimizer.roads.straight_line import StraightLineTravelTimes

ROADS_FOLDER = "roads"
"""Sub-folder of the instance folder holding the road network caches."""


@dataclass(frozen=True, slots=True)
class RoadsStatus:
    """What ``flask roads info`` reports: the network in use, or the straight-line figures."""

    road_network: str | None
    network: NetworkInfo | None
    straight_line: StraightLineParams

    def lines(self) -> list[str]:
        """Return the status as lines of text for a terminal."""
        sl = self.straight_line
        if self.network is None:
            return [
                "ROAD_NETWORK is not set: travel times are straight-line estimates "
                f"(detour factor {sl.detour_factor:g}, {sl.speed_kmh:g} km/h)."
            ]
        return describe_network(self.network)


def roads_cache_dir(instance_path: str | Path) -> Path:
    """Return the folder of road network caches inside the instance folder."""
    return Path(instance_path) / ROADS_FOLDER


def straight_line_params(
    detour: float | None = None, speed_kmh: float | None = None
) -> StraightLineParams:
    """Return the straight-line figures, the calibrated defaults where a setting is None."""
    return StraightLineParams(
        detour_factor=DEFAULT_DETOUR_FACTOR if detour is None else float(detour),
        speed_kmh=DEFAULT_SPEED_KMH if speed_kmh is None else float(speed_kmh),
    )


def travel_times_from_config(
    road_network: str | None,
    instance_path: str | Path,
    *,
    max_snap_m: float = 500.0,
    approach_speed_kmh: float | None = 20.0,
    straight_line_detour: float | None = None,
    straight_line_speed_kmh: float | None = None,
    allow_download: bool = True,
) -> TravelTimes:
    """Return the app's travel times: the configured road network, else straight lines.

    A ``place:``/``polygon:`` network with no cache yet is downloaded on first use unless
    ``allow_download`` is False.
    """
    if road_network is None or not road_network.strip():
        return StraightLineTravelTimes(
            straight_line_params(straight_line_detour, straight_line_speed_kmh)
        )
    return _loaded_network(
        road_network.strip(),
        roads_cache_dir(instance_path),
        OsmParams(max_snap_m=float(max_snap_m), approach_speed_kmh=approach_speed_kmh),
        allow_download=allow_download,
    )


def road_info(
    road_network: str | None,
    instance_path: str | Path,
    *,
    straight_line_detour: float | None = None,
    straight_line_speed_kmh: float | None = None,
) -> RoadsStatus:
    """Describe the travel times in use, building a file network's cache if needed."""
    params = straight_line_params(straight_line_detour, straight_line_speed_kmh)
    if road_network is None or not road_network.strip():
        return RoadsStatus(None, None, params)
    travel = _loaded_network(
        road_network.strip(), roads_cache_dir(instance_path), OsmParams(), allow_download=False
    )
    return RoadsStatus(road_network.strip(), travel.info, params)


def download_network(source: str, instance_path: str | Path) -> NetworkInfo:
    """Download a ``place:NAME`` or ``polygon:FILE`` network and replace its cache."""
    src = NetworkSource.parse(source)
    if not src.is_download:
        msg = f"{source!r} is a file, not a place or polygon to download; use `flask roads build`."
        raise RoadNetworkError(msg)
    return _rebuild(src, instance_path)


def build_network(source: str, instance_path: str | Path) -> NetworkInfo:
    """Build (or rebuild) the cache of a network file so the next plan loads it at once."""
    src = NetworkSource.parse(source)
    if src.is_download:
        msg = f"{source!r} is a download; use `flask roads download`."
        raise RoadNetworkError(msg)
    if src.kind == "cache":
        return load_network(src).info
    return _rebuild(src, instance_path)


def describe_network(info: NetworkInfo) -> list[str]:
    """Return a road network's facts as lines of text for a terminal."""
    b = info.bbox
    speeds = ", ".join(f"{k} {v:g}" for k, v in info.speeds_kmh.items())
    defaults = ", ".join(f"{k} {v:g}" for k, v in info.default_speeds_kmh.items())
    return [
        f"Road network: {info.source} ({info.kind})",
        f"Nodes: {info.nodes:,}  edges: {info.edges:,}  length: {info.length_km:,.1f} km "
        f"({info.dropped_nodes:,} nodes outside the largest strongly connected part dropped)",
        f"Bounding box: lat {b.south:.5f} to {b.north:.5f}, lon {b.west:.5f} to {b.east:.5f}",
        f"Speeds used (km/h, length-weighted): {speeds}",
        f"OSM maxspeed tagged on {info.maxspeed_tagged_share:.0%} of the length; "
        f"defaults elsewhere (km/h): {defaults}",
        f"Built {info.built_at} with {info.built_with}; cache: {info.cache_path or 'none'}",
    ]


def clear_loaded_networks() -> None:
    """Forget the networks this process holds in memory (tests, after a download)."""
    with _LOCK:
        _LOADED.clear()


# One loaded network per (source, cache folder, params), reused while neither the cache file
# nor the source file changes: a plan or a route map should not reload it every time.
_LOADED: dict[tuple[str, Path, OsmParams], tuple[tuple[int, int], OsmTravelTimes]] = {}
_LOCK = threading.Lock()


def _stamp(src: NetworkSource, cache_dir: Path) -> tuple[int, int]:
    def mtime(path: Path) -> int:
        try:
            return path.stat().st_mtime_ns
        except OSError:
            return -1

    source_file = -1 if src.is_download else mtime(Path(src.value))
    return mtime(cache_path(src, cache_dir, RoadSpeeds())), source_file


def _loaded_network(
    source: str, cache_dir: Path, params: OsmParams, *, allow_download: bool
) -> OsmTravelTimes:
    src = NetworkSource.parse(source)
    key = (str(src), cache_dir, params)
    with _LOCK:
        held = _LOADED.get(key)
        if held is not None and held[0] == _stamp(src, cache_dir):
            return held[1]
        network = load_network(src, cache_dir=cache_dir, allow_download=allow_download)
        travel = OsmTravelTimes(network, params)
        _LOADED[key] = (_stamp(src, cache_dir), travel)
        return travel


def _rebuild(src: NetworkSource, instance_path: str | Path) -> NetworkInfo:
    cache_dir = roads_cache_dir(instance_path)
    network = load_network(src, cache_dir=cache_dir, refresh=True)
    clear_loaded_networks()
    return network.info
