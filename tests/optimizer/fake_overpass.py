"""A local stand-in for the Overpass and Nominatim APIs, answering from an OSM XML file.

It speaks just enough of both for OSMnx's download path (``graph_from_polygon`` /
``graph_from_place``): ``GET /api/status`` (slots available), ``POST /api/interpreter`` with an
Overpass QL ``way[filters](poly:"...");>;`` query, and Nominatim's ``GET /search``. The way
filter is applied here with its own small parser (not the library's), so a wrong filter in the
library would show up as a wrong network.
"""

from __future__ import annotations

import bz2
import json
import re
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs
from urllib.parse import urlparse

import shapely
from shapely.geometry import Polygon
from shapely.geometry import mapping

_RULE = re.compile(r'\["([^"]+)"(?:(!~|~|!=|=)"([^"]*)")?\]')
_QUERY = re.compile(r"\(way(?P<filter>.*)\(poly:['\"](?P<poly>[^'\"]*)['\"]\);>;\);out;")
STATUS = (
    "Connected as: 1\nCurrent time: 2026-07-26T10:58:30Z\nAnnounced endpoint: none\n"
    "Rate limit: 2\n2 slots available now.\nCurrently running queries:\n"
)


@dataclass
class FakeOsmApi:
    """Answers Overpass/Nominatim requests from one OSM XML extract."""

    nodes: dict[int, tuple[float, float, dict[str, str]]]
    ways: list[tuple[int, list[int], dict[str, str]]]
    places: dict[str, Polygon] = field(default_factory=dict)
    mode: str = "ok"  # "ok", "error" (HTTP 500 with an HTML page) or "empty" (no elements)
    requests: list[str] = field(default_factory=list)
    url: str = ""

    @classmethod
    def from_xml(cls, path: Path) -> FakeOsmApi:
        opener = bz2.open if path.suffix == ".bz2" else open
        with opener(path, "rb") as handle:
            root = ET.parse(handle).getroot()
        nodes = {
            int(n.get("id", "0")): (
                float(n.get("lat", "nan")),
                float(n.get("lon", "nan")),
                {t.get("k", ""): t.get("v", "") for t in n.iter("tag")},
            )
            for n in root.iter("node")
        }
        ways = [
            (
                int(w.get("id", "0")),
                [int(nd.get("ref", "0")) for nd in w.iter("nd")],
                {t.get("k", ""): t.get("v", "") for t in w.iter("tag")},
            )
            for w in root.iter("way")
        ]
        return cls(nodes=nodes, ways=ways)

    def bbox(self) -> tuple[float, float, float, float]:
        """(south, west, north, east) of the nodes used by ways."""
        used = {r for _, refs, _ in self.ways for r in refs if r in self.nodes}
        lats = [self.nodes[r][0] for r in used]
        lons = [self.nodes[r][1] for r in used]
        return min(lats), min(lons), max(lats), max(lons)

    def interpreter(self, query: str) -> dict[str, Any]:
        """Answer an Overpass network query like the real server."""
        match = _QUERY.search(query)
        if match is None:
            msg = f"unexpected query {query!r}"
            raise ValueError(msg)
        rules = _RULE.findall(match["filter"])
        coords = [float(c) for c in match["poly"].split()]
        poly = Polygon(list(zip(coords[1::2], coords[0::2], strict=True)))  # lon, lat
        elements: list[dict[str, Any]] = []
        wanted: set[int] = set()
        for way_id, refs, tags in self.ways:
            known = [r for r in refs if r in self.nodes]
            if not known or not all(_passes(tags, rule) for rule in rules):
                continue
            lon = [self.nodes[r][1] for r in known]
            lat = [self.nodes[r][0] for r in known]
            if not shapely.contains_xy(poly, lon, lat).any():
                continue
            wanted.update(known)
            elements.append({"type": "way", "id": way_id, "nodes": refs, "tags": tags})
        for node_id in sorted(wanted):
            lat, lon, tags = self.nodes[node_id]
            node: dict[str, Any] = {"type": "node", "id": node_id, "lat": lat, "lon": lon}
            if tags:
                node["tags"] = tags
            elements.insert(0, node)
        return {"version": 0.6, "generator": "fake Overpass", "elements": elements}

    def search(self, q: str) -> list[dict[str, Any]]:
        """Answer a Nominatim search for one of ``places``."""
        poly = self.places.get(q)
        if poly is None:
            return []
        west, south, east, north = poly.bounds
        centre = poly.centroid
        return [
            {
                "place_id": 1,
                "osm_type": "relation",
                "osm_id": 42,
                "lat": str(centre.y),
                "lon": str(centre.x),
                "boundingbox": [str(south), str(north), str(west), str(east)],
                "display_name": q,
                "class": "boundary",
                "type": "administrative",
                "importance": 0.7,
                "geojson": mapping(poly),
            }
        ]


def _passes(tags: dict[str, str], rule: tuple[str, str, str]) -> bool:
    key, op, value = rule
    present = key in tags
    if op == "":
        return present
    if op == "!~":
        return not present or re.search(value, tags[key]) is None
    if op == "~":
        return present and re.search(value, tags[key]) is not None
    if op == "=":
        return present and tags[key] == value
    return not present or tags[key] != value


def _handler(api: FakeOsmApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002, ANN401
            pass

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802
            url = urlparse(self.path)
            api.requests.append(f"GET {url.path}")
            if url.path.endswith("/status"):
                self._send(200, STATUS.encode(), "text/plain")
            elif url.path.endswith("/search"):
                q = parse_qs(url.query).get("q", [""])[0]
                self._send(200, json.dumps(api.search(q)).encode(), "application/json")
            else:
                self._send(404, b"not found", "text/plain")

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length", "0"))
            form = parse_qs(self.rfile.read(length).decode())
            query = form.get("data", [""])[0]
            api.requests.append(f"POST {urlparse(self.path).path} {query}")
            if api.mode == "error":
                self._send(500, b"<html><body>Internal error</body></html>", "text/html")
                return
            answer = api.interpreter(query)
            if api.mode == "empty":
                answer["elements"] = []
            self._send(200, json.dumps(answer).encode(), "application/json")

    return Handler


@contextmanager
def serve(api: FakeOsmApi) -> Iterator[FakeOsmApi]:
    """Run ``api`` on 127.0.0.1 at an ephemeral port in a thread; ``api.url`` is its base."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(api))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    api.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def point_osmnx_at(api: FakeOsmApi, monkeypatch: Any) -> FakeOsmApi:  # noqa: ANN401
    """Send OSMnx's Overpass and Nominatim requests to ``api`` until the test ends."""
    import socket

    import osmnx as ox

    monkeypatch.setattr(ox.settings, "overpass_url", f"{api.url}/api")
    monkeypatch.setattr(ox.settings, "nominatim_url", f"{api.url}/")
    monkeypatch.setattr(ox.settings, "requests_timeout", 30)
    # OSMnx pins a hostname to its IP by replacing socket.getaddrinfo: put it back afterwards
    monkeypatch.setattr(socket, "getaddrinfo", socket.getaddrinfo)
    api.mode = "ok"
    api.requests.clear()
    return api


def grid_osm_xml(path: Path, rows: int = 12, cols: int = 12) -> Path:
    """Write an OSM XML street grid (with a few footways) near Barking, for when no extract."""
    lat0, lon0, step = 51.5362, 0.0813, 0.0012
    parts = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    for r in range(rows):
        for c in range(cols):
            nid = 1 + r * cols + c
            parts.append(
                f'<node id="{nid}" lat="{lat0 + r * step}" lon="{lon0 + c * step * 1.6}"/>'
            )
    way = 1000
    for r in range(rows):
        refs = "".join(f'<nd ref="{1 + r * cols + c}"/>' for c in range(cols))
        kind = "footway" if r % 5 == 4 else "residential"
        parts.append(f'<way id="{way}">{refs}<tag k="highway" v="{kind}"/></way>')
        way += 1
    for c in range(cols):
        refs = "".join(f'<nd ref="{1 + r * cols + c}"/>' for r in range(rows))
        parts.append(f'<way id="{way}">{refs}<tag k="highway" v="tertiary"/></way>')
        way += 1
    parts.append("</osm>")
    path.write_text("\n".join(parts), encoding="utf-8")
    return path
