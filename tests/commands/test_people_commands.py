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


def test_erase_command_asks_for_the_reference_and_erases_once(runner, db):
    """The prompt wants R<id>; a second run says it was already done."""
    story = joyce_story()
    args = ["people", "erase", "resident", str(story.joyce.id), "--reason", "Asked by letter"]
    refused = runner.invoke(args=args, input="R0\n")
    assert refused.exit_code != 0 and f"Type R{story.joyce.id}" in refused.output
    done = runner.invoke(args=args, input=f"R{story.joyce.id}\n")
    assert done.exit_code == 0, done.output
    assert f"Erased R{story.joyce.id}:" in done.output and "Joyce" not in done.output
    again = runner.invoke(args=[*args, "--confirm", f"R{story.joyce.id}"])
    assert again.exit_code == 0 and "already erased" in again.output


def test_retention_command_dry_run_prints_counts_and_ids(runner, db):
    """'flask retention run --dry-run' lists the three rules' counts and changes nothing."""
    story = joyce_story()
    result = runner.invoke(args=["retention", "run", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "residents anonymised (would): 0" in result.output
    assert "text words blanked (would): 0" in result.output
    assert "audit rows redacted (would): 0" in result.output
    assert "Joyce" not in result.output
    done = runner.invoke(args=["retention", "run"])
    assert done.exit_code == 0 and "(did)" in done.output
    assert story.joyce.first_name == "Joyce"
