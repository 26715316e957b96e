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
        "Macro F1",
        "MCC",
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
    "MCC": lambda d: skm.matthews_corrcoef(d.y, d.proba.argmax(axis=1)),
    "F1-Score": lambda d: skm.f1_score(d.y, d.proba.argmax(axis=1)),  # binary: the positive class
    "Macro F1": lambda d: skm.f1_score(d.y, d.proba.argmax(axis=1), average="macro"),
    "Sensitivity": lambda d: skm.recall_score(d.y, d.proba.argmax(axis=1), pos_label=1),
    "Specificity": lambda d: skm.recall_score(d.y, d.proba.argmax(axis=1), pos_label=0),
    "Brier Score": lambda d: skm.brier_score_loss(d.y, d.proba[:, 1]),
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
            if name in {"AUROC", "Sensitivity", "F1-Score", "Macro F1", "Balanced Accuracy"}
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


REPORTS = [  # (generated, reference): findings present, absent, critical, hedged; varied lengths
    ("Cardiomegaly. No pleural effusion.", "Cardiomegaly. Small left pleural effusion."),
    ("Lungs are clear. No pneumothorax.", "Lungs are clear. No pneumothorax. Heart size is normal."),
    ("Right lower lobe consolidation, possibly pneumonia.", "Right lower lobe consolidation."),
    ("Large right pneumothorax.", "Large right pneumothorax with mediastinal shift."),
    ("Acute infarct in the left MCA territory.", "No acute infarct. Chronic lacunar infarct."),
    ("Free air under the diaphragm.", "No free air. Normal bowel gas pattern."),
    ("Heart size is normal.", "Cardiomegaly."),
    ("No acute intracranial hemorrhage.", "Acute subdural hemorrhage."),
    ("Pleural effusion on the right.", "Bilateral pleural effusions."),
    ("Normal study.", "Normal study."),
]


@pytest.fixture(scope="module")
def report_data():
    from fmbench.metrics.report_metrics import ALL_METRICS, compute_report_columns

    gens, refs = [g for g, _ in REPORTS], [r for _, r in REPORTS]
    return gens, refs, compute_report_columns(gens, refs, include=ALL_METRICS)


REPORT_REFERENCE = {  # the library itself over the whole corpus, or the per-report mean
    "bleu": lambda g, r, d: __import__("sacrebleu").corpus_bleu(g, [r]).score,
}


@pytest.mark.parametrize(
    "name", sorted(n for n, m in metric_registry().items() if m.needs == "generated reports")
)
def test_every_report_metric_point_replicates_and_undefined(report_data, name):
    from fmbench.metrics.report_metrics import compute_report_columns

    gens, refs, data = report_data
    impl = metric_registry()[name].impl
    value, reason = impl.point(data)
    assert reason is None and np.isfinite(value), (name, reason)
    if name in REPORT_REFERENCE:
        assert value == pytest.approx(REPORT_REFERENCE[name](gens, refs, data), abs=1e-9)
    else:  # slow path: every report scored on its own, then pooled the metric's way
        one_by_one = [compute_report_columns([g], [r]) for g, r in zip(gens, refs, strict=True)]
        pooled = type(data)({k: np.concatenate([d.columns[k] for d in one_by_one]) for k in data.columns})
        assert value == pytest.approx(impl.point(pooled)[0], abs=1e-6)
    n = len(gens)
    rng = np.random.default_rng(11)
    W = rng.multinomial(n, np.full(n, 1 / n), size=15).astype(float)
    reps = impl.batch(data, W)
    for b in range(len(W)):  # replicate b equals the metric on the resampled reports
        rows = np.repeat(np.arange(n), W[b].astype(int))
        expected = impl.point(data.subset(rows))[0]
        assert (np.isnan(reps[b]) and np.isnan(expected)) or reps[b] == pytest.approx(expected, abs=1e-9)
    empty_value, why = impl.point(data.subset(np.array([], dtype=int)))
    assert np.isnan(empty_value) and why


def _curve(name: str, levels: list[float], sim: list[float], auroc: list[float]):
    from types import SimpleNamespace

    from fmbench.perturbations.summary import ProbeCurve

    return ProbeCurve(SimpleNamespace(name=name), levels, sim_mean={"proba": sim}, perf={"AUROC": auroc})


def _trapezoid_mean(x: list[float], y: list[float]) -> float:
    pts = sorted(zip(x, y, strict=True))
    area = sum((x1 - x0) * (y0 + y1) / 2 for (x0, y0), (x1, y1) in zip(pts, pts[1:], strict=False))
    return area / (pts[-1][0] - pts[0][0])


def test_every_robustness_metric_equals_a_hand_computation():
    from fmbench.perturbations.perturb import probe_names
    from fmbench.perturbations.summary import aggregate

    clean = {"AUROC": 0.8, "Accuracy": 0.7}
    curves, expected, graded = [], {}, []
    for i, name in enumerate(probe_names()):
        levels = [0.0, 0.3, 1.0] if name != "shift" else [0.0, 2.0, 5.0]
        sim = [1.0, 0.9 - 0.01 * i, 0.6 + 0.01 * i]
        auc = [0.8, 0.7, 0.55 + 0.005 * i]
        curves.append(_curve(name, levels, sim, auc))
        ret = [a / clean["AUROC"] for a in auc]
        if name == "permutation":
            expected["perm_equivariance"] = sum(sim) / len(sim)
            expected["perm_retention"] = sum(ret) / len(ret)
        elif name == "reverse_complement":  # levels other than 0: the reverse complement
            expected["reverse_complement_consistency"] = (sim[1] + sim[2]) / 2
            expected["reverse_complement_retention"] = (ret[1] + ret[2]) / 2
        elif name == "dinuc_shuffle":  # a control: its AUROC, the share of clean skill it keeps
            expected["dinuc_shuffle_AUROC"] = (auc[1] + auc[2]) / 2
            expected["dinuc_shuffle_skill_share"] = ((auc[1] + auc[2]) / 2 - 0.5) / (clean["AUROC"] - 0.5)
            expected["dinuc_shuffle_similarity"] = (sim[1] + sim[2]) / 2
        else:
            expected[f"{name}_rAUC"] = _trapezoid_mean(levels, sim)
            expected[f"{name}_retention_rAUC"] = _trapezoid_mean(levels, ret)
            graded.append(expected[f"{name}_rAUC"])
        if name == "shift":
            expected["shift_sensitivity"] = 1 - (sim[1] + sim[2]) / 2
    expected["robustness_score"] = sum(graded) / len(graded)
    values, reasons = aggregate(curves, clean)
    robustness = {n for n, m in metric_registry().items() if m.needs == "perturbed outputs"}
    # clean_AUROC / clean_Accuracy are the classification metrics on clean outputs (tested above)
    assert robustness - set(values) == {"clean_AUROC", "clean_Accuracy"}
    for name, v in expected.items():
        assert values[name] == pytest.approx(v, abs=1e-12), name
    # undefined: no clean skill -> retention null with a reason; no graded probe -> no score
    values, reasons = aggregate([_curve("permutation", [0.0, 1.0], [0.9, 0.9], [0.5, 0.5])], {"AUROC": 0.0})
    assert np.isnan(values["perm_retention"]) and "retention is undefined" in reasons["perm_retention"]
    assert np.isnan(values["robustness_score"]) and reasons["robustness_score"]
    values, reasons = aggregate([_curve("dinuc_shuffle", [0.0, 1.0], [1.0, 0.9], [0.5, 0.5])], {"AUROC": 0.5})
    assert np.isnan(values["dinuc_shuffle_skill_share"]) and "not above 0.5" in reasons["dinuc_shuffle_skill_share"]
    assert np.isnan(values["robustness_score"]) and "dinuc_shuffle" in reasons["robustness_score"]


def test_every_registered_metric_is_covered_by_the_generic_tests():
    registry = metric_registry()
    covered = set(SLOW_REFERENCE) | {n for n, m in registry.items() if m.needs == "generated reports"}
    covered |= {n for n, m in registry.items() if m.needs == "perturbed outputs"}
    assert set(registry) == covered
    for alias, base in [("clean_AUROC", "AUROC"), ("clean_Accuracy", "Accuracy")]:
        assert (registry[alias].direction, registry[alias].min, registry[alias].max) == (
            registry[base].direction,
            registry[base].min,
            registry[base].max,
        )


def test_list_metrics_lists_the_registry():
    import json

    cmd = [sys.executable, "-m", "fmbench", "list-metrics", "--json"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0
    rows = {r["name"]: r for r in json.loads(p.stdout)}
    assert set(rows) == set(metric_registry())
    assert rows["MSE"]["direction"] == "lower" and rows["MSE"]["protocols"] == "reconstruction"
