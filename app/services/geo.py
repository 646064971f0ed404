"""Postcodes: validate and normalise them, locate them from the local postcode table.

The table is filled by ``flask geo import-postcodes FILE.csv`` from Ordnance Survey Code-Point
Open (no header; eastings/northings in British National Grid) or from a CSV with a header naming
the postcode and lat/lon columns (ONS Postcode Directory, or ``lbbd_postcodes.csv``).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from app.errors import InvalidInput
from app.errors import NotFound
from app.extensions import db
from app.models import PostcodeLocation

_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][ABD-HJLNP-UW-Z]{2})$")
_BATCH = 2000


@dataclass(frozen=True, slots=True)
class Located:
    """A postcode's centroid and ward."""

    postcode: str
    lat: float
    lon: float
    ward_code: str | None
    ward_name: str | None


def normalise_postcode(raw: str, *, field: str = "postcode") -> str:
    """Return ``raw`` as a UK postcode in capitals with one space (``IG11 7NB``)."""
    text = re.sub(r"\s+", "", (raw or "").upper())
    if not text:
        msg = "Please enter a postcode."
        raise InvalidInput(msg, field=field)
    match = _POSTCODE.match(text)
    if match is None:
        msg = f"'{raw.strip()}' is not a UK postcode (it should look like IG11 7NB)."
        raise InvalidInput(msg, field=field)
    return f"{match.group(1)} {match.group(2)}"


def locate_postcode(raw: str, *, field: str = "postcode") -> Located:
    """Return where a postcode is, or raise NotFound: never a silent (0, 0)."""
    postcode = normalise_postcode(raw, field=field)
    row = db.session.get(PostcodeLocation, postcode)
    if row is None:
        msg = (
            f"We do not know where {postcode} is. Check it with the resident; if it is right, "
            "the postcode table needs updating (flask geo import-postcodes)."
        )
        raise NotFound(msg, field=field)
    return Located(row.postcode, row.lat, row.lon, row.ward_code, row.ward_name)


def postcode_count() -> int:
    """How many postcodes the table holds."""
    return int(db.session.scalar(sa.select(sa.func.count()).select_from(PostcodeLocation)) or 0)


def _rows_with_header(
    reader: Iterator[list[str]], header: list[str]
) -> Iterator[dict[str, object]]:
    names = [h.strip().lower() for h in header]

    def pick(*candidates: str) -> int | None:
        for c in candidates:
            if c in names:
                return names.index(c)
        return None

    i_pc = pick("postcode", "pcds", "pcd", "pcd2")
    i_lat = pick("lat", "latitude")
    i_lon = pick("lon", "long", "longitude", "lng")
    i_e = pick("easting", "eastings", "oseast1m")
    i_n = pick("northing", "northings", "osnrth1m")
    i_wc = pick("ward_code", "osward", "wd22cd", "admin_ward_code")
    i_wn = pick("ward_name", "wd22nm")
    i_d = pick("district_name", "district", "lad_name")
    if i_pc is None or ((i_lat is None or i_lon is None) and (i_e is None or i_n is None)):
        msg = (
            "The CSV header must name a postcode column (postcode/pcds) and either lat/lon "
            f"or easting/northing columns; found: {', '.join(header)}."
        )
        raise InvalidInput(msg, field="file")
    for cols in reader:
        if not cols or not cols[i_pc].strip():
            continue
        row: dict[str, object] = {"postcode": cols[i_pc]}
        if i_lat is not None and i_lon is not None and cols[i_lat].strip():
            row["lat"], row["lon"] = float(cols[i_lat]), float(cols[i_lon])
        elif i_e is not None and i_n is not None:
            row["easting"], row["northing"] = float(cols[i_e]), float(cols[i_n])
        else:
            continue
        row["ward_code"] = cols[i_wc].strip() or None if i_wc is not None else None
        row["ward_name"] = cols[i_wn].strip() or None if i_wn is not None else None
        row["district"] = cols[i_d].strip() or None if i_d is not None else None
        yield row


def _rows_code_point(reader: Iterable[list[str]], first: list[str]) -> Iterator[dict[str, object]]:
    # Code-Point Open: Postcode, Positional_quality_indicator, Eastings, Northings, Country_code,
    # NHS_regional_HA_code, NHS_HA_code, Admin_county_code, Admin_district_code, Admin_ward_code
    for cols in [first, *reader]:
        if len(cols) < 4 or not cols[0].strip():
            continue
        yield {
            "postcode": cols[0],
            "easting": float(cols[2]),
            "northing": float(cols[3]),
            "ward_code": cols[9].strip() if len(cols) > 9 and cols[9].strip() else None,
            "ward_name": None,
            "district": None,
        }


def _to_latlon(rows: list[dict[str, object]]) -> None:
    needing = [r for r in rows if "lat" not in r]
    if not needing:
        return
    from pyproj import Transformer

    to_wgs84 = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
    for r in needing:
        lon, lat = to_wgs84.transform(r.pop("easting"), r.pop("northing"))
        r["lat"], r["lon"] = round(lat, 6), round(lon, 6)


def import_postcodes(path: str | Path) -> int:
    """Load postcode centroids from a Code-Point Open or ONSPD-shaped CSV; return the count.

    Rows already present are updated, so importing a newer release twice is safe. A file that
    cannot be read is refused before anything is written.
    """
    file = Path(path)
    if not file.is_file():
        msg = f"There is no file at {file}."
        raise InvalidInput(msg, field="file")
    count = 0
    with file.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        first = next(reader, None)
        if first is None:
            msg = f"{file} is empty."
            raise InvalidInput(msg, field="file")
        has_header = not _POSTCODE.match(re.sub(r"\s+", "", first[0].upper()))
        rows_iter = (
            _rows_with_header(reader, first) if has_header else _rows_code_point(reader, first)
        )
        batch: list[dict[str, object]] = []
        try:
            for raw in rows_iter:
                try:
                    raw["postcode"] = normalise_postcode(str(raw["postcode"]))
                except InvalidInput:
                    continue
                batch.append(raw)
                if len(batch) >= _BATCH:
                    count += _upsert(batch)
                    batch = []
            if batch:
                count += _upsert(batch)
        except (ValueError, IndexError) as exc:
            db.session.rollback()
            msg = f"{file} could not be read as a postcode table: {exc}."
            raise InvalidInput(msg, field="file") from exc
    db.session.commit()
    return count


def _upsert(batch: list[dict[str, object]]) -> int:
    _to_latlon(batch)
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    unique = {str(r["postcode"]): r for r in batch}
    stmt = insert(PostcodeLocation).values(list(unique.values()))
    stmt = stmt.on_conflict_do_update(
        index_elements=[PostcodeLocation.postcode],
        set_={
            "lat": stmt.excluded.lat,
            "lon": stmt.excluded.lon,
            "ward_code": stmt.excluded.ward_code,
            "ward_name": stmt.excluded.ward_name,
            "district": stmt.excluded.district,
        },
    )
    db.session.execute(stmt)
    return len(unique)
