"""Postcodes: validate and normalise them, locate them from the local postcode table.

The table is filled by ``flask geo import-postcodes FILE.csv`` from Ordnance Survey Code-Point
Open (no header; eastings/northings in British National Grid) or from a CSV with a header naming
the postcode and lat/lon columns (ONS Postcode Directory, or ``lbbd_postcodes.csv``).
"""

from __future__ import annotations

import codecs
import csv
import re
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
        raise NotFound(_not_found_in_words(postcode), field=field)
    return Located(row.postcode, row.lat, row.lon, row.ward_code, row.ward_name)


def _not_found_in_words(postcode: str) -> str:
    """Why a real postcode is not in the table, in a coordinator's words (issue 13).

    The table holds the borough's postcodes only, so a postcode from a district with none of
    them (SW1A 1AA) is outside the area the bureau covers; one from a district we do hold may
    be new or just over the border; an empty table is for an admin to fill. No command names:
    a coordinator cannot run them.
    """
    if postcode_count() == 0:
        return (
            f"We cannot look up {postcode} yet: the borough's postcode list is empty. "
            "Please ask your admin to load it."
        )
    district = postcode.split(" ", 1)[0]
    near = db.session.scalar(
        sa.select(PostcodeLocation.postcode)
        .where(PostcodeLocation.postcode.like(f"{district} %"))
        .limit(1)
    )
    if near is None:
        return f"{postcode} is outside the area the bureau covers. Check it with the resident."
    return (
        f"{postcode} is not in the borough's postcode list: it may be just outside the area "
        "the bureau covers, or new. Check it with the resident; if it is right, ask your admin "
        "to update the list."
    )


def postcode_count() -> int:
    """How many postcodes the table holds."""
    return int(db.session.scalar(sa.select(sa.func.count()).select_from(PostcodeLocation)) or 0)


# ONSPD writes this latitude for postcodes it cannot place (Channel Islands, some terminated).
_NO_LOCATION_LAT = 99.999999


def _number(cols: list[str], i: int, what: str, line: int) -> float:
    """Column ``i`` of a row as a number, or InvalidInput naming the line and the value."""
    raw = cols[i].strip()
    try:
        return float(raw)
    except ValueError:
        msg = f"Line {line}: the {what} {raw[:30]!r} is not a number."
        raise InvalidInput(msg, field="file") from None


def _check_length(cols: list[str], needed: int, line: int, header: list[str] | None) -> None:
    if len(cols) < needed:
        expected = f"the header names {len(header)}" if header else f"at least {needed} are needed"
        msg = f"Line {line} has {len(cols)} columns but {expected}: the row is cut short."
        raise InvalidInput(msg, field="file")


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
    needed = 1 + max(i for i in (i_pc, i_lat, i_lon, i_e, i_n) if i is not None)
    for cols in reader:
        line = reader.line_num  # type: ignore[attr-defined]
        if not cols or not any(c.strip() for c in cols):
            continue
        _check_length(cols, needed, line, header)
        if not cols[i_pc].strip():
            continue
        row: dict[str, object] = {"postcode": cols[i_pc], "line": line}
        if i_lat is not None and i_lon is not None and cols[i_lat].strip():
            row["lat"] = _number(cols, i_lat, "latitude", line)
            row["lon"] = _number(cols, i_lon, "longitude", line)
        elif i_e is not None and i_n is not None and cols[i_e].strip():
            row["easting"] = _number(cols, i_e, "easting", line)
            row["northing"] = _number(cols, i_n, "northing", line)
        else:
            continue
        row["ward_code"] = _optional(cols, i_wc)
        row["ward_name"] = _optional(cols, i_wn)
        row["district"] = _optional(cols, i_d)
        yield row


def _optional(cols: list[str], i: int | None) -> str | None:
    if i is None or i >= len(cols):
        return None
    return cols[i].strip() or None


def _rows_code_point(reader: Iterator[list[str]], first: list[str]) -> Iterator[dict[str, object]]:
    # Code-Point Open: Postcode, Positional_quality_indicator, Eastings, Northings, Country_code,
    # NHS_regional_HA_code, NHS_HA_code, Admin_county_code, Admin_district_code, Admin_ward_code
    first_line = reader.line_num  # type: ignore[attr-defined]
    for cols in [first, *reader]:
        line = first_line if cols is first else reader.line_num  # type: ignore[attr-defined]
        if not cols or not any(c.strip() for c in cols):
            continue
        _check_length(cols, 4, line, None)
        if not cols[0].strip():
            continue
        yield {
            "postcode": cols[0],
            "line": line,
            "easting": _number(cols, 2, "easting", line),
            "northing": _number(cols, 3, "northing", line),
            "ward_code": cols[9].strip() if len(cols) > 9 and cols[9].strip() else None,
            "ward_name": None,
            "district": None,
        }


def _to_latlon(rows: list[dict[str, object]]) -> None:
    needing = [r for r in rows if "lat" not in r]
    if needing:
        from pyproj import Transformer

        to_wgs84 = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
        for r in needing:
            lon, lat = to_wgs84.transform(r.pop("easting"), r.pop("northing"))
            r["lat"], r["lon"] = round(lat, 6), round(lon, 6)


def _on_earth(row: dict[str, object]) -> bool:
    """False for ONSPD's "no location" rows (skipped); InvalidInput for impossible numbers."""
    lat, lon = float(str(row["lat"])), float(str(row["lon"]))
    if lat == _NO_LOCATION_LAT:
        return False
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or lat != lat or lon != lon:
        msg = (
            f"Line {row['line']}: {lat}, {lon} is not a place on Earth (latitude must be "
            "between -90 and 90, longitude between -180 and 180)."
        )
        raise InvalidInput(msg, field="file")
    return True


def _encoding(file: Path) -> str:
    """UTF-8 or UTF-16 (with a byte-order mark), else UTF-8 if it reads as such, else
    Windows-1252/Latin-1, which spreadsheets on Windows write (issue 11: a Latin-1 or UTF-16
    file gave a raw traceback)."""
    with file.open("rb") as fh:
        sample = fh.read(65536)
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def import_postcodes(path: str | Path) -> int:
    """Load postcode centroids from a Code-Point Open or ONSPD-shaped CSV; return the count.

    Rows already present are updated, so importing a newer release twice is safe. A file that
    cannot be read is refused in words naming the line, and nothing is written.
    """
    file = Path(path)
    if not file.is_file():
        msg = f"There is no file at {file}."
        raise InvalidInput(msg, field="file")
    count = 0
    encoding = _encoding(file)
    try:
        with file.open(newline="", encoding=encoding) as fh:
            reader = csv.reader(fh)
            first = next((row for row in reader if any(c.strip() for c in row)), None)
            if first is None:
                msg = f"{file} is empty."
                raise InvalidInput(msg, field="file")
            has_header = not _POSTCODE.match(re.sub(r"\s+", "", first[0].upper()))
            rows_iter = (
                _rows_with_header(reader, first) if has_header else _rows_code_point(reader, first)
            )
            batch: list[dict[str, object]] = []
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
    except InvalidInput as exc:
        db.session.rollback()
        msg = f"{file} could not be imported. {exc.message}"
        raise InvalidInput(msg, field="file") from exc
    except (UnicodeError, csv.Error) as exc:
        db.session.rollback()
        msg = (
            f"{file} could not be read as text ({type(exc).__name__}): save it as CSV in "
            "UTF-8 (or UTF-16, or Windows Latin-1) and try again."
        )
        raise InvalidInput(msg, field="file") from exc
    db.session.commit()
    return count


def _upsert(batch: list[dict[str, object]]) -> int:
    _to_latlon(batch)
    batch = [r for r in batch if _on_earth(r)]
    for r in batch:
        r.pop("line", None)
    if not batch:
        return 0
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
