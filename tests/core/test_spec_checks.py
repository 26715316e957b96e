"""Catalog meaning checked before compute: metric names, protocols, protocol params, probes.

Each mistake below used to pass `validate` and vanish (or fail) only at run time."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn import metrics as skm

from fmbench.catalog.registry import load_catalog
from fmbench.metrics.classification import ClassificationData
from fmbench.metrics.reconstruction import ReconstructionData
from fmbench.metrics.registry import NEEDS, metric_registry, metrics_for_protocol
from fmbench.spec_checks import catalog_problems

BUILTIN = Path(__file__).resolve().parents[2] / "src" / "fmbench" / "catalog" / "builtin"


def _validate(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "fmbench", "validate", str(path)], capture_output=True, text=True, timeout=120
    )


def _edited(tmp_path: Path, kind: str, name: str, old: str, new: str) -> Path:
    text = (BUILTIN / kind / name).read_text(encoding="utf-8")
    assert old in text
    out = tmp_path / kind / name
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text.replace(old, new), encoding="utf-8")
    return out


@pytest.mark.parametrize(
    ("kind", "name", "old", "new", "expected"),
    [
        (
            "benchmarks",
            "BM-TOY-CLASS.yaml",
            "{name: Accuracy,",
            "{name: Acuracy,",
            "metrics.1.name: unknown metric 'Acuracy'. Did you mean 'Accuracy'?",
        ),
        (
            "suites",
            "SUITE-BRAIN-MAE.yaml",
            "protocol: reconstruction",
            "protocol: recontruction",
            "protocol: unknown protocol 'recontruction'. Did you mean 'reconstruction'?",
        ),
        (
            "suites",
            "SUITE-BRAIN-MAE.yaml",
            "fraction: 0.25",
            "fracton: 0.25",
            "params.mask.fracton: unknown setting. Did you mean 'fraction'?",
        ),
        (
            "suites",
            "SUITE-ROBUSTNESS-NEURO.yaml",
            "probes: [dropout,",
            "probes: [dropot,",
            "params.probes: unknown probe 'dropot'. Did you mean 'dropout'?",
        ),
        (
            "benchmarks",
            "robustness_testing.yaml",
            "  noise: [",
            "  nosie: [",
            "probe_grids.nosie: unknown probe 'nosie'. Did you mean 'noise'?",
        ),
        (
            "benchmarks",
            "BM-TOY-CLASS.yaml",
            "weighted by bin size.\", direction: lower",
            "weighted by bin size.\", direction: higher",
            "metrics.7.direction: ECE is lower-is-better, not higher",
        ),
    ],
)
def test_validate_refuses_with_did_you_mean(tmp_path, kind, name, old, new, expected):
    path = _edited(tmp_path, kind, name, old, new)
    p = _validate(path)
    assert p.returncode == 2, p.stdout + p.stderr
    lines = [x for x in (p.stdout + p.stderr).splitlines() if x.strip()]
    assert any(line == f"{path}: {expected}" or line.startswith(f"{path}: {expected}") for line in lines), (
        lines
    )
    assert "Traceback" not in p.stderr


def test_protocol_must_compute_the_benchmarks_metrics(tmp_path):
    # the toy benchmark's AUROC etc. need class probabilities; a reconstruction suite cannot give them
    path = _edited(
        tmp_path, "suites", "SUITE-TOY-CLASS.yaml", "protocol: classification", "protocol: reconstruction"
    )
    p = _validate(path)
    assert p.returncode == 2
    assert "protocol: 'reconstruction' does not compute BM-TOY-CLASS's metric 'AUROC'" in p.stdout + p.stderr


def test_builtin_catalog_is_clean():
    assert catalog_problems(load_catalog()) == []
    assert _validate(BUILTIN).returncode == 0


def test_registry_covers_every_builtin_metric_with_matching_directions():
    registry = metric_registry()
    for bench in load_catalog().benchmarks.values():
        for m in bench.metrics:
            assert m.name in registry and registry[m.name].direction == m.direction, m.name
    assert set(metrics_for_protocol("classification")) == {
        "AUROC",
        "Accuracy",
        "Balanced Accuracy",
        "F1-Score",
        "Sensitivity",
        "Specificity",
        "Brier Score",
        "ECE",
    }
    assert metrics_for_protocol("reconstruction") == ["Correlation", "MSE"]
    assert {m.needs for m in registry.values()} == set(NEEDS)


# --- one generic test over every registered metric that has its own implementation ----------
def _classification_case(rng: np.random.Generator, n: int = 80):
    y = rng.integers(0, 2, size=n)
    y[:2] = [0, 1]
    score = np.clip(0.5 * y + rng.normal(0.25, 0.25, size=n), 0.01, 0.99)
    return ClassificationData(y, np.column_stack([1 - score, score]))


def _ece(y: np.ndarray, p: np.ndarray) -> float:
    conf, pred = p.max(axis=1), p.argmax(axis=1)
    total = 0.0
    for b in range(10):
        in_bin = np.minimum((conf * 10).astype(int), 9) == b
        if in_bin.any():
            total += abs((pred[in_bin] == y[in_bin]).mean() - conf[in_bin].mean()) * in_bin.mean()
    return total


SLOW_REFERENCE = {  # scikit-learn (or by hand), on the data's rows
    "AUROC": lambda d: skm.roc_auc_score(d.y, d.proba[:, 1]),
    "Accuracy": lambda d: skm.accuracy_score(d.y, d.proba.argmax(axis=1)),
    "Balanced Accuracy": lambda d: skm.balanced_accuracy_score(d.y, d.proba.argmax(axis=1)),
    "F1-Score": lambda d: skm.f1_score(d.y, d.proba.argmax(axis=1), average="macro"),
    "Sensitivity": lambda d: skm.recall_score(d.y, d.proba.argmax(axis=1), pos_label=1),
    "Specificity": lambda d: skm.recall_score(d.y, d.proba.argmax(axis=1), pos_label=0),
    "Brier Score": lambda d: 2 * skm.brier_score_loss(d.y, d.proba[:, 1]),  # summed over both classes
    "ECE": lambda d: _ece(d.y, d.proba),
    "Correlation": lambda d: float(np.nanmean(d.corr)),
    "MSE": lambda d: float(np.mean(d.mse)),
}


def _case(needs: str, rng: np.random.Generator):
    if needs == "class probabilities":
        return _classification_case(rng)
    corr = rng.uniform(-0.5, 0.9, size=40)
    corr[3] = np.nan  # undefined for one subject
    return ReconstructionData(corr, rng.uniform(0.1, 2.0, size=40))


def _undefined(needs: str, name: str):
    if needs == "class probabilities":
        y = np.zeros(10, dtype=int)  # one class only
        return (
            ClassificationData(y, np.tile([0.7, 0.3], (10, 1)))
            if name in {"AUROC", "Sensitivity"}
            else ClassificationData(np.zeros(0, dtype=int), np.zeros((0, 2)))
        )
    return (
        ReconstructionData(np.full(5, np.nan), np.full(5, np.nan))
        if name == "Correlation"
        else ReconstructionData(np.zeros(0), np.zeros(0))
    )


@pytest.mark.parametrize("name", sorted(n for n, m in metric_registry().items() if n in SLOW_REFERENCE))
def test_every_registered_metric_point_replicates_and_undefined(name):
    info = metric_registry()[name]
    rng = np.random.default_rng(7)
    data = _case(info.needs, rng)
    value, reason = info.impl.point(data)
    assert reason is None and value == pytest.approx(SLOW_REFERENCE[name](data), abs=1e-12)
    n = len(data.y) if hasattr(data, "y") else len(data.corr)
    W = rng.multinomial(n, np.full(n, 1 / n), size=25).astype(float)
    reps = info.impl.batch(data, W)
    for b in range(len(W)):
        rows = np.repeat(np.arange(n), W[b].astype(int))
        expected = info.impl.point(data.subset(rows))[0]
        if np.isnan(expected):
            assert np.isnan(reps[b])
        else:
            assert reps[b] == pytest.approx(expected, abs=1e-9), b
    undefined_value, why = info.impl.point(_undefined(info.needs, name))
    assert np.isnan(undefined_value) and why, name


def test_every_registered_metric_is_covered_by_some_reference_test():
    # metrics without their own implementation are the robustness summaries (tests/robustness);
    # report metrics are checked against sacrebleu, rouge-score, nltk and bert-score (tests/reportgen)
    uncovered = {
        n
        for n, m in metric_registry().items()
        if n not in SLOW_REFERENCE and m.needs not in {"perturbed outputs", "generated reports"}
    }
    assert uncovered == set()


def test_run_refuses_a_misspelt_suite_before_loading_data(tmp_path):
    _edited(tmp_path / "catalog", "suites", "SUITE-BRAIN-MAE.yaml", "fraction: 0.25", "fracton: 0.25")
    data = tmp_path / "data"
    p = subprocess.run(
        [sys.executable, "-m", "fmbench", "run", "--suite", "SUITE-BRAIN-MAE", "--model", "mean_fill",
         "--catalog", str(tmp_path / "catalog"), "--data-dir", str(data), "--out", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=120,
    )
    assert p.returncode == 2 and "params.mask.fracton: unknown setting. Did you mean 'fraction'?" in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1 and "Traceback" not in p.stderr
    assert not (tmp_path / "out").exists() and not data.exists()  # refused before any data was made


def test_list_metrics_lists_the_registry():
    import json

    cmd = [sys.executable, "-m", "fmbench", "list-metrics", "--json"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0
    rows = {r["name"]: r for r in json.loads(p.stdout)}
    assert set(rows) == set(metric_registry())
    assert rows["MSE"]["direction"] == "lower" and rows["MSE"]["protocols"] == "reconstruction"
