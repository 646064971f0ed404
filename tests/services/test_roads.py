"""Which travel times the app uses, and the road network use cases (issue 3)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from shapely.geometry import box
from shapely.geometry import mapping

from app.optimizer.errors import RoadNetworkError
from app.optimizer.roads.osm import OsmTravelTimes
from app.optimizer.roads.straight_line import DEFAULT_DETOUR_FACTOR
from app.optimizer.roads.straight_line import StraightLineTravelTimes
from app.services.roads import build_network
from app.services.roads import clear_loaded_networks
from app.services.roads import download_network
from app.services.roads import road_info
from app.services.roads import roads_cache_dir
from app.services.roads import travel_times_from_config
from tests.optimizer.fake_overpass import FakeOsmApi
from tests.optimizer.fake_overpass import grid_osm_xml
from tests.optimizer.fake_overpass import point_osmnx_at
from tests.optimizer.fake_overpass import serve


@pytest.fixture(autouse=True)
def _forget_loaded_networks() -> Iterator[None]:
    clear_loaded_networks()
    yield
    clear_loaded_networks()


@pytest.fixture()
def grid_file(tmp_path: Path) -> Path:
    """A small OSM XML street grid."""
    return grid_osm_xml(tmp_path / "grid.osm")


def test_unset_road_network_means_straight_lines(tmp_path: Path) -> None:
    """Without ROAD_NETWORK the app estimates from straight lines, with the set figures."""
    travel = travel_times_from_config(None, tmp_path)
    assert isinstance(travel, StraightLineTravelTimes)
    assert travel.params.detour_factor == DEFAULT_DETOUR_FACTOR
    tuned = travel_times_from_config(
        "  ", tmp_path, straight_line_detour=1.3, straight_line_speed_kmh=30
    )
    assert isinstance(tuned, StraightLineTravelTimes)
    assert (tuned.params.detour_factor, tuned.params.speed_kmh) == (1.3, 30.0)
    assert not roads_cache_dir(tmp_path).exists()


def test_road_network_file_is_loaded_through_the_instance_cache(
    grid_file: Path, tmp_path: Path
) -> None:
    """A network file is built once into <instance>/roads and then reused in memory."""
    instance = tmp_path / "instance"
    travel = travel_times_from_config(str(grid_file), instance, max_snap_m=250)
    assert isinstance(travel, OsmTravelTimes)
    assert travel.params.max_snap_m == 250
    assert [p.suffix for p in roads_cache_dir(instance).iterdir()] == [".npz"]
    assert travel_times_from_config(str(grid_file), instance, max_snap_m=250) is travel
    cache = next(roads_cache_dir(instance).iterdir())
    os.utime(cache, ns=(cache.stat().st_atime_ns, cache.stat().st_mtime_ns + 10**9))
    assert travel_times_from_config(str(grid_file), instance, max_snap_m=250) is not travel


def test_road_info_describes_the_network(grid_file: Path, tmp_path: Path) -> None:
    """Info gives nodes, edges, extent, source and speeds, or the straight-line figures."""
    unset = road_info(None, tmp_path)
    assert unset.network is None and "straight-line estimates" in unset.lines()[0]
    status = road_info(str(grid_file), tmp_path)
    assert status.network is not None and status.network.nodes > 100
    text = "\n".join(status.lines())
    for expected in (
        "Nodes:",
        "edges:",
        "Bounding box:",
        str(grid_file),
        "Speeds used",
        "tertiary",
    ):
        assert expected in text


def test_wrong_kind_of_source_is_refused(grid_file: Path, tmp_path: Path) -> None:
    """Download takes a place or polygon; build takes a file."""
    with pytest.raises(RoadNetworkError, match="not a place or polygon"):
        download_network(str(grid_file), tmp_path)
    with pytest.raises(RoadNetworkError, match="is a download"):
        build_network("place:Barking", tmp_path)
    assert build_network(str(grid_file), tmp_path).nodes > 100


def test_download_then_plan_from_the_cache(
    grid_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`flask roads download`'s service fills the cache that plans then load offline."""
    api = FakeOsmApi.from_xml(grid_file)
    south, west, north, east = api.bbox()
    boundary = tmp_path / "boundary.geojson"
    boundary.write_text(json.dumps(mapping(box(west, south, east, north))))
    source = f"polygon:{boundary}"
    with serve(api):
        point_osmnx_at(api, monkeypatch)
        with pytest.raises(RoadNetworkError, match="run `flask roads download`"):
            road_info(source, tmp_path)
        info = download_network(source, tmp_path)
        assert info.kind == "polygon" and info.nodes > 50
        api.requests.clear()
        travel = travel_times_from_config(source, tmp_path)
        assert isinstance(travel, OsmTravelTimes) and travel.info.nodes == info.nodes
        assert api.requests == []
