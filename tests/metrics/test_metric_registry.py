"""The metric registry: it covers every catalog metric with the catalog's direction, and every
registered metric with its own implementation matches a slow reference (point, replicates,
undefined). The catalog checks that read it are in tests/catalog/test_spec_checks_before_compute.py."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from sklearn import metrics as skm

from fmbench.catalog.registry import load_catalog
from fmbench.metrics.classification import ClassificationData
from fmbench.metrics.reconstruction import ReconstructionData
from fmbench.metrics.registry import NEEDS, metric_registry, metrics_for_protocol


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
    # metrics without their own implementation are the robustness summaries (tests/perturbations,
    # tests/tasks/test_robustness_*); report metrics are checked against sacrebleu, rouge-score, nltk
    # and bert-score (tests/metrics/test_text_metrics_match_libraries.py, test_clinical_report_metrics.py)
    uncovered = {
        n
        for n, m in metric_registry().items()
        if n not in SLOW_REFERENCE and m.needs not in {"perturbed outputs", "generated reports"}
    }
    assert uncovered == set()


def test_list_metrics_lists_the_registry():
    import json

    cmd = [sys.executable, "-m", "fmbench", "list-metrics", "--json"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0
    rows = {r["name"]: r for r in json.loads(p.stdout)}
    assert set(rows) == set(metric_registry())
    assert rows["MSE"]["direction"] == "lower" and rows["MSE"]["protocols"] == "reconstruction"
