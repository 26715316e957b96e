"""The protocol template: typed run options, progress through a caller's reporter, refusals
before compute."""

from __future__ import annotations

import subprocess
import sys

import pytest

import fmbench
from fmbench.tasks.base import RunOptions


class CountingProgress:
    """A reporter as a notebook might pass one: remembers what it was told."""

    def __init__(self) -> None:
        self.started: list[tuple[str, int]] = []
        self.advanced = 0
        self.stopped = 0

    def start(self, label: str, total: int) -> None:
        self.started.append((label, total))

    def advance(self, n: int = 1) -> None:
        self.advanced += n

    def stop(self) -> None:
        self.stopped += 1


def test_long_work_reports_to_the_callers_reporter(tmp_path):
    progress = CountingProgress()
    res = fmbench.evaluate("dummy_classifier", suite="SUITE-ROBUSTNESS-NEURO", data_dir=tmp_path,
                           progress=progress)
    assert res.record.metrics["robustness_score"].value is not None
    [(label, total)] = progress.started
    assert label.startswith("robustness") and total > 1
    assert progress.advanced == total and progress.stopped == 1


def test_run_options_are_typed():
    opts = RunOptions.of({"no_cache": True, "probes": ["noise"]})
    assert opts == RunOptions(no_cache=True, probes=("noise",))
    with pytest.raises(TypeError, match="unknown run option.*no_cahce"):
        RunOptions.of({"no_cahce": True})
    with pytest.raises(AttributeError):
        RunOptions().no_cache = True  # type: ignore[misc]  # frozen


def test_predictions_for_a_protocol_that_cannot_score_them_is_refused(tmp_path):
    preds = tmp_path / "p.jsonl"
    preds.write_text("{}\n")
    out = tmp_path / "out"
    p = subprocess.run(
        [sys.executable, "-m", "fmbench", "run", "--suite", "SUITE-TOY-CLASS", "--model", "logistic",
         "--predictions", str(preds), "--out", str(out), "--data-dir", str(tmp_path / "data")],
        capture_output=True, text=True, timeout=120,
    )
    assert p.returncode == 2 and not out.exists()
    assert p.stderr.strip() == (
        "error: --predictions: suite SUITE-TOY-CLASS uses the classification protocol, which does not "
        "score predictions made elsewhere (only report-generation suites do); drop --predictions"
    )
