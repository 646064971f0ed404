"""``flask people export`` writes the zip and prints only its path (issue 14)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from tests.personal_data_story import joyce_story


def test_export_command_writes_a_zip_and_prints_its_path(runner, db, tmp_path):
    """The path is printed; no name or number is."""
    story = joyce_story()
    result = runner.invoke(
        args=["people", "export", "resident", str(story.joyce.id), "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    path = Path(result.output.strip())
    assert path.parent == tmp_path and path.suffix == ".zip"
    assert "Joyce" not in result.output and "07700" not in result.output
    with zipfile.ZipFile(path) as archive:
        assert "README.txt" in archive.namelist()


def test_export_command_for_nobody_says_so(runner, db, tmp_path):
    """An unknown id is a clear error, not a traceback."""
    result = runner.invoke(args=["people", "export", "volunteer", "404", "--out", str(tmp_path)])
    assert result.exit_code != 0
    assert "There is no volunteer number 404" in result.output
