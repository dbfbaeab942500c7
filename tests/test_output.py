"""All-or-nothing outputs: staged folders (maturity.output) and streamed result files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from maturity import load_core_ruleset
from maturity.output import OutputError, staged_output
from maturity.stream import score_file


def _previous(out: Path) -> None:
    (out / "territories").mkdir(parents=True)
    (out / "run.json").write_text("old")
    (out / "territories" / "gone.html").write_text("old page")


def test_a_complete_run_replaces_the_folder_and_no_old_page_lingers(tmp_path):
    out = tmp_path / "out"
    _previous(out)
    with staged_output(out) as staging:
        (staging / "run.json").write_text("new")
    assert (out / "run.json").read_text() == "new" and not (out / "territories").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


@pytest.mark.parametrize("error", [KeyboardInterrupt, RuntimeError, OSError])
def test_a_failed_or_interrupted_run_leaves_the_previous_output(tmp_path, error):
    out = tmp_path / "out"
    _previous(out)
    with pytest.raises((error, OutputError)), staged_output(out) as staging:
        (staging / "run.json").write_text("half")
        raise error()
    assert (out / "run.json").read_text() == "old" and (out / "territories" / "gone.html").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_a_folder_of_other_files_is_never_replaced(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(OutputError, match="not the output of a run"), staged_output(tmp_path):
        pass
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_an_interrupted_stream_leaves_the_previous_file(tmp_path):
    rs = load_core_ruleset()
    dest = tmp_path / "scores.csv"
    dest.write_text("previous\n")
    frame = pd.DataFrame({"territory": ["a", "b"], "unit_exists": [True, False]})

    def chunks():
        yield frame
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        score_file(rs, chunks(), dest, chunksize=1)
    assert dest.read_text() == "previous\n" and [p.name for p in tmp_path.iterdir()] == ["scores.csv"]
    assert score_file(rs, iter([frame]), dest) == 2 and "territory" in dest.read_text()
