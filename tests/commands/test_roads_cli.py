"""``flask roads info | download | build`` (issue 3)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from shapely.geometry import box
from shapely.geometry import mapping

from app.services.roads import clear_loaded_networks
from tests.conftest import make_test_app
from tests.optimizer.fake_overpass import FakeOsmApi
from tests.optimizer.fake_overpass import grid_osm_xml
from tests.optimizer.fake_overpass import point_osmnx_at
from tests.optimizer.fake_overpass import serve


@pytest.fixture()
def roads_app(tmp_path: Path) -> Iterator[Any]:
    """Build an app whose instance folder is a temporary one, with ROAD_NETWORK as given."""
    clear_loaded_networks()

    def build(road_network: str | None) -> Flask:
        app = make_test_app(ROAD_NETWORK=road_network)
        app.instance_path = str(tmp_path / "instance")
        return app

    yield build
    clear_loaded_networks()


def test_info_without_a_network_shows_the_straight_line_figures(roads_app: Any) -> None:
    """`flask roads info` says travel times are straight-line estimates, with the figures."""
    result = roads_app(None).test_cli_runner().invoke(args=["roads", "info"])
    assert result.exit_code == 0, result.output
    assert "straight-line estimates (detour factor 1.45, 42 km/h)" in result.output


def test_info_on_the_real_extract(roads_app: Any, shared_data: Path) -> None:
    """`flask roads info` works on the real north London extract."""
    extract = shared_data / "osm_sample_north_london_NOT_LBBD.osm.bz2"
    result = roads_app(str(extract)).test_cli_runner().invoke(args=["roads", "info"])
    assert result.exit_code == 0, result.output
    assert "Nodes: 829" in result.output and "Bounding box: lat 51.59" in result.output
    assert "OSM maxspeed tagged on" in result.output and "roads-osm-sample" in result.output


def test_info_with_a_broken_network_fails_clearly(roads_app: Any, tmp_path: Path) -> None:
    """A network file that cannot be read is an error message, not a traceback."""
    bad = tmp_path / "empty.osm"
    bad.write_text("")
    result = roads_app(str(bad)).test_cli_runner().invoke(args=["roads", "info"])
    assert result.exit_code == 1
    assert "empty or not OSM XML" in result.output


def test_build_warms_the_cache(roads_app: Any, tmp_path: Path) -> None:
    """`flask roads build FILE` builds the cache and shows the network."""
    grid = grid_osm_xml(tmp_path / "grid.osm")
    app = roads_app(None)
    result = app.test_cli_runner().invoke(args=["roads", "build", str(grid)])
    assert result.exit_code == 0, result.output
    assert "Nodes:" in result.output
    assert list((Path(app.instance_path) / "roads").glob("roads-grid-osm-*.npz"))
    missing = app.test_cli_runner().invoke(args=["roads", "build"])
    assert missing.exit_code == 2 and "set ROAD_NETWORK" in missing.output


def test_download_by_polygon(
    roads_app: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`flask roads download --polygon FILE` downloads, caches and says how to use it."""
    api = FakeOsmApi.from_xml(grid_osm_xml(tmp_path / "grid.osm"))
    south, west, north, east = api.bbox()
    boundary = tmp_path / "boundary.geojson"
    boundary.write_text(json.dumps(mapping(box(west, south, east, north))))
    app = roads_app(None)
    with serve(api):
        point_osmnx_at(api, monkeypatch)
        result = app.test_cli_runner().invoke(args=["roads", "download", "--polygon", boundary])
        assert result.exit_code == 0, result.output
        assert f"set ROAD_NETWORK=polygon:{boundary.resolve()}" in result.output
        api.mode = "error"
        failed = app.test_cli_runner().invoke(args=["roads", "download", "--polygon", boundary])
        assert failed.exit_code == 1 and "failed" in failed.output


def test_download_needs_exactly_one_of_place_or_polygon(roads_app: Any) -> None:
    """Giving neither --place nor --polygon is a usage error."""
    result = roads_app(None).test_cli_runner().invoke(args=["roads", "download"])
    assert result.exit_code == 2
    assert "exactly one of --place or --polygon" in result.output
