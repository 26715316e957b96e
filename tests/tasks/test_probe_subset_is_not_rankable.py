"""A run over a subset of the probes is recorded but not ranked: robustness_score averages the
probes that ran, so it is comparable only over the suite's full probe set."""

from __future__ import annotations

from pathlib import Path

from fmbench.records.io import read_record
from fmbench.runner import run_robustness


def test_probe_subset_is_not_rankable(tmp_path: Path, data_dir: Path) -> None:
    out = run_robustness("logistic", tmp_path / "subset", probes=["noise", "shift"], data_dir=data_dir).out_dir
    rec = read_record(out / "eval.yaml")
    assert rec.rankable is False
    assert "ran probes noise, shift only" in rec.rankable_reason
    assert set(rec.metrics) >= {"noise_rAUC", "shift_rAUC", "robustness_score"}
    assert "dropout_rAUC" not in rec.metrics
