"""Postcodes are validated, normalised, imported and located; an unknown one is a clear error."""

from __future__ import annotations

import pytest

from app.errors import InvalidInput
from app.errors import NotFound
from app.services.geo import import_postcodes
from app.services.geo import locate_postcode
from app.services.geo import normalise_postcode
from app.services.geo import postcode_count


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ig117nb", "IG11 7NB"),
        (" rm10  9qs ", "RM10 9QS"),
        ("RM6 5NJ", "RM6 5NJ"),
        ("E1 6AN", "E1 6AN"),
        ("EC1A1BB", "EC1A 1BB"),
    ],
)
def test_postcodes_are_normalised(raw, expected):
    """Any spacing or case becomes capitals with one space."""
    assert normalise_postcode(raw) == expected


@pytest.mark.parametrize("raw", ["", "12345", "IG11", "IG11 7N", "ZZ99 9ZZZ", "IG11 7NC"])
def test_bad_postcodes_are_refused_with_a_reason(raw):
    """Not a postcode: an InvalidInput that names the field and shows the right shape."""
    with pytest.raises(InvalidInput) as info:
        normalise_postcode(raw)
    assert info.value.field == "postcode"


def test_unknown_postcode_is_a_clear_error_not_zero_zero(db):
    """A well-formed postcode we do not have is NotFound, never (0, 0)."""
    with pytest.raises(NotFound, match="cannot look up IG11 7NB yet"):
        locate_postcode("IG11 7NB")


def test_import_with_header_then_locate(db, tmp_path):
    """A CSV with a header (ONSPD or lbbd_postcodes shape) fills the table; re-import updates."""
    csv_file = tmp_path / "pc.csv"
    csv_file.write_text(
        "postcode,lat,lon,ward_code,ward_name\n"
        "IG11 7NB,51.53632,0.079792,E05014053,Abbey\n"
        "rm109qs,51.540071,0.149602,E05014054,Alibon\n"
        "not a postcode,1,1,,\n"
    )
    assert import_postcodes(csv_file) == 2
    where = locate_postcode("rm10 9qs")
    assert (where.postcode, where.ward_name) == ("RM10 9QS", "Alibon")
    assert where.lat == pytest.approx(51.540071)
    csv_file.write_text("pcds,lat,long\nIG11 7NB,51.5364,0.0798\n")
    assert import_postcodes(csv_file) == 1
    assert postcode_count() == 2
    assert locate_postcode("IG11 7NB").lat == pytest.approx(51.5364)


def test_import_code_point_open_converts_british_national_grid(db, tmp_path):
    """A Code-Point Open file (no header, eastings/northings) is converted to lat/lon."""
    csv_file = tmp_path / "ig.csv"
    csv_file.write_text(
        '"IG11 7NB",10,544370,184014,"E92000001","","","","E09000002","E05014053"\n'
    )
    assert import_postcodes(csv_file) == 1
    where = locate_postcode("IG11 7NB")
    assert where.lat == pytest.approx(51.5363, abs=0.0005)
    assert where.lon == pytest.approx(0.0798, abs=0.0008)
    assert where.ward_code == "E05014053"


def test_import_refuses_a_file_without_the_columns(db, tmp_path):
    """A CSV that is not a postcode table is refused with what was found."""
    csv_file = tmp_path / "other.csv"
    csv_file.write_text("name,age\nJoan,80\n")
    with pytest.raises(InvalidInput, match="postcode column"):
        import_postcodes(csv_file)


def test_import_missing_file(db, tmp_path):
    """A path with no file is a clear error."""
    with pytest.raises(InvalidInput, match="no file"):
        import_postcodes(tmp_path / "nope.csv")


def test_import_the_real_borough_table(db, shared_data):
    """The real Code-Point extract of ../shared/data loads and locates a real library."""
    n = import_postcodes(shared_data / "lbbd_postcodes.csv")
    assert n == 3866
    where = locate_postcode("RM8 3HT")
    assert where.ward_name == "Valence"
    assert 51.5 < where.lat < 51.6 and 0.06 < where.lon < 0.2


def test_cli_import_and_locate(runner, tmp_path):
    """`flask geo import-postcodes` then `flask geo locate` work from the command line."""
    csv_file = tmp_path / "pc.csv"
    csv_file.write_text("postcode,lat,lon\nRM6 5NJ,51.585411,0.135877\n")
    result = runner.invoke(args=["geo", "import-postcodes", str(csv_file)])
    assert result.exit_code == 0, result.output
    assert "Imported 1 postcodes" in result.output
    result = runner.invoke(args=["geo", "locate", "rm65nj"])
    assert "RM6 5NJ: 51.585411, 0.135877" in result.output
    bad = runner.invoke(args=["geo", "locate", "RM6 5NX"])
    assert bad.exit_code != 0 and "not in the borough's postcode list" in bad.output
