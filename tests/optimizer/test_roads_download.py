"""Downloading a road network through OSMnx (issue 3), against a local Overpass/Nominatim.

The machines have no internet, so OSMnx's ``overpass_url``/``nominatim_url`` settings point at
a server started here that answers from the real north London extract (or, without
``shared/data``, from a generated street grid: these tests never skip). The code under test is
the deployment's own: ``load_network("polygon:…"/"place:…", refresh=True)`` ->
``ox.graph_from_polygon``/``ox.graph_from_place`` -> HTTP -> the compact cache.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from shapely.geometry import box
from shapely.geometry import mapping

from app.optimizer.errors import RoadNetworkError
from app.optimizer.roads.osm import DRIVE_FILTER
from app.optimizer.roads.osm import OsmTravelTimes
from app.optimizer.roads.osm import load_network
from app.optimizer.types import LatLon
from tests.conftest import shared_dir
from tests.optimizer.fake_overpass import FakeOsmApi
from tests.optimizer.fake_overpass import grid_osm_xml
from tests.optimizer.fake_overpass import point_osmnx_at
from tests.optimizer.fake_overpass import serve

PLACE = "Wood Green, London"


@pytest.fixture(scope="module")
def osm_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeOsmApi]:
    """The fake API, serving the real extract when present, else a generated grid."""
    extract = shared_dir() / "data" / "osm_sample_north_london_NOT_LBBD.osm.bz2"
    if not extract.is_file():
        extract = grid_osm_xml(tmp_path_factory.mktemp("osm") / "grid.osm")
    api = FakeOsmApi.from_xml(extract)
    api.places[PLACE] = _inner_box(api)
    with serve(api):
        yield api


def _inner_box(api: FakeOsmApi) -> object:
    south, west, north, east = api.bbox()
    dlat, dlon = (north - south) / 5, (east - west) / 5
    return box(west + dlon, south + dlat, east - dlon, north - dlat)


@pytest.fixture()
def overpass(osm_api: FakeOsmApi, monkeypatch: pytest.MonkeyPatch) -> FakeOsmApi:
    """Point OSMnx at the fake API for one test; every setting is restored afterwards."""
    return point_osmnx_at(osm_api, monkeypatch)


@pytest.fixture()
def boundary(osm_api: FakeOsmApi, tmp_path: Path) -> Path:
    """A GeoJSON boundary (like lbbd_boundary.geojson) around the middle of the data."""
    path = tmp_path / "boundary.geojson"
    feature = {"type": "Feature", "properties": {}, "geometry": mapping(osm_api.places[PLACE])}
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    return path


def test_download_by_polygon_builds_and_caches(
    overpass: FakeOsmApi, boundary: Path, tmp_path: Path
) -> None:
    """A polygon download asks Overpass for the drive network and caches what comes back."""
    import osmnx as ox

    cache_dir = tmp_path / "roads"
    net = load_network(f"polygon:{boundary}", cache_dir=cache_dir, refresh=True)
    assert net.info.kind == "polygon" and net.info.source == f"polygon:{boundary.resolve()}"
    assert net.info.nodes > 20 and net.info.edges > 40
    assert net.info.cache_path is not None and Path(net.info.cache_path).is_file()
    assert "GET /api/status" in overpass.requests  # OSMnx's slot check ran too
    posts = [r for r in overpass.requests if r.startswith("POST /api/interpreter")]
    assert posts and all(f"(way{DRIVE_FILTER}(poly:" in r for r in posts)
    assert ox.settings.use_cache is True  # switched off for the download only
    # later loads (a plan) come from the cache: no request, even with downloads disallowed
    overpass.requests.clear()
    travel = OsmTravelTimes.from_source(
        f"polygon:{boundary}", cache_dir=cache_dir, allow_download=False
    )
    assert overpass.requests == []
    b = travel.info.bbox
    inside = [
        LatLon(b.south + (b.north - b.south) * f, b.west + (b.east - b.west) * g)
        for f, g in ((0.3, 0.3), (0.7, 0.6), (0.5, 0.8))
    ]
    m = travel.matrix([travel.snap([p])[0].point for p in inside])
    assert (m.duration_s[~(m.duration_s == 0)] > 0).all() and m.duration_s.sum() > 0


def test_download_by_place_name(overpass: FakeOsmApi, tmp_path: Path) -> None:
    """A place is geocoded by Nominatim to its boundary, then downloaded like a polygon."""
    net = load_network(f"place:{PLACE}", cache_dir=tmp_path, refresh=True)
    assert net.info.kind == "place" and net.info.nodes > 20
    assert overpass.requests[0] == "GET /search"
    assert any(r.startswith("POST /api/interpreter") for r in overpass.requests)


def test_failed_download_leaves_the_previous_cache(
    overpass: FakeOsmApi, boundary: Path, tmp_path: Path
) -> None:
    """When the server fails, the error says so and the previous cache stays as it was."""
    source = f"polygon:{boundary}"
    first = load_network(source, cache_dir=tmp_path, refresh=True)
    cache = Path(first.info.cache_path or "")
    before = cache.read_bytes()
    overpass.mode = "error"
    with pytest.raises(
        RoadNetworkError, match=r"Downloading the road network for polygon:.*failed"
    ):
        load_network(source, cache_dir=tmp_path, refresh=True)
    assert cache.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["boundary.geojson", cache.name])
    assert load_network(source, cache_dir=tmp_path).info == first.info


def test_area_without_roads_is_a_clear_error(
    overpass: FakeOsmApi, boundary: Path, tmp_path: Path
) -> None:
    """An answer with no ways at all is reported, and no cache is written."""
    overpass.mode = "empty"
    with pytest.raises(RoadNetworkError, match="No data elements"):
        load_network(f"polygon:{boundary}", cache_dir=tmp_path / "roads", refresh=True)
    assert not (tmp_path / "roads").exists()


def test_unknown_place_is_a_clear_error(overpass: FakeOsmApi, tmp_path: Path) -> None:
    """A place Nominatim cannot find is named in the error."""
    with pytest.raises(RoadNetworkError, match="place:Nowhere-on-Thames.*0 results"):
        load_network("place:Nowhere-on-Thames", cache_dir=tmp_path, refresh=True)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "cannot be read as GeoJSON"),
        ('{"type": "Point", "coordinates": [0.1, 51.5]}', "holds no polygon"),
        ('{"type": "FeatureCollection", "features": []}', "holds no polygon"),
    ],
)
def test_bad_boundary_files_are_clear_errors(tmp_path: Path, content: str, message: str) -> None:
    """A boundary that is not a GeoJSON polygon is rejected before any download."""
    path = tmp_path / "boundary.geojson"
    path.write_text(content)
    with pytest.raises(RoadNetworkError, match=message):
        load_network(f"polygon:{path}", cache_dir=tmp_path, refresh=True)
