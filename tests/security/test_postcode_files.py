"""Postcode files a careless user might give (issue 11): each is imported or refused in words.

Found by testing: a Latin-1 or UTF-16 postcode CSV, ``lat=999`` or a short row gave a raw
traceback from ``flask geo import-postcodes``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskCliRunner

from app.services.geo import locate_postcode
from app.services.geo import postcode_count

HEADER = "postcode,lat,lon,ward_name\n"
ROW = "RM10 9QS,51.540071,0.149602,Sainte-Mère\n"


def _import(runner: FlaskCliRunner, tmp_path: Path, data: bytes) -> tuple[int, str]:
    path = tmp_path / "postcodes.csv"
    path.write_bytes(data)
    result = runner.invoke(args=["geo", "import-postcodes", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252", "utf-16", "utf-8-sig", "utf-8"])
def test_spreadsheet_encodings_are_read(
    runner: FlaskCliRunner, tmp_path: Path, encoding: str
) -> None:
    """Latin-1, Windows-1252, UTF-16 and UTF-8 (with or without a BOM) all import."""
    code, output = _import(runner, tmp_path, (HEADER + ROW).encode(encoding))
    assert code == 0, output
    assert locate_postcode("RM10 9QS").ward_name == "Sainte-Mère"


@pytest.mark.parametrize(
    ("rows", "words"),
    [
        ("RM10 9QS,999,0.15,x\n", "Line 2: 999.0, 0.15 is not a place on Earth"),
        ("RM10 9QS,51.5,400,x\n", "is not a place on Earth"),
        ("RM10 9QS,51.5\n", "Line 2 has 2 columns but the header names 4"),
        ("IG11 7NB,51.5,0.1,x\nRM10 9QS,north,0.1,x\n", "Line 3: the latitude 'north' is not"),
    ],
)
def test_bad_rows_are_refused_by_line_and_nothing_is_saved(
    runner: FlaskCliRunner, tmp_path: Path, rows: str, words: str
) -> None:
    """lat=999, a short row, a word for a number: one sentence naming the line; no rows kept."""
    code, output = _import(runner, tmp_path, (HEADER + rows).encode())
    assert code != 0
    assert words in output and "Traceback" not in output
    assert postcode_count() == 0


def test_onspd_rows_without_a_location_are_skipped(runner: FlaskCliRunner, tmp_path: Path) -> None:
    """ONSPD marks unplaceable postcodes with latitude 99.999999: skipped, not an error."""
    code, output = _import(
        runner, tmp_path, (HEADER + ROW + "GY1 1AA,99.999999,0.000000,\n").encode()
    )
    assert code == 0, output
    assert postcode_count() == 1


def test_a_short_code_point_row_and_a_binary_file(runner: FlaskCliRunner, tmp_path: Path) -> None:
    """A cut Code-Point Open row names its line; bytes that are no text say how to save it."""
    code, output = _import(runner, tmp_path, b"RM10 9QS,10,550000\n")
    assert code != 0 and "Line 1 has 3 columns" in output
    code, output = _import(runner, tmp_path, HEADER.encode() + b"RM10 9QS,51.5,0.1,\x81\x8d\x8f\n")
    assert code != 0 and "could not be read as text" in output
