"""Robustness metrics get bootstrap CIs (issue 13): each replicate equals the metric recomputed,
the slow way, on that replicate's resampled samples (scikit-learn AUROC, plain means, trapezoids)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from fmbench.metrics.bootstrap import counts_to_indices, resample_counts
from fmbench.metrics.classification import CLASSIFICATION_METRICS, ClassificationData
from fmbench.perturbations.perturb import get_probe
from fmbench.perturbations.stream import StreamResult
from fmbench.perturbations.summary import aggregate_replicates, replicate_curves


def _stream(n: int, rng: np.random.Generator) -> tuple[StreamResult, list, np.ndarray]:
    y = rng.integers(0, 2, n)
    y[:2] = [0, 1]
    clean_s = np.clip(0.5 * y + rng.normal(0.25, 0.2, n), 0.01, 0.99)
    stream = StreamResult(n=n, clean=np.column_stack([1 - clean_s, clean_s]))
    probes = [(get_probe("noise", 3), [30.0, 10.0, 0.0]), (get_probe("shift", 3), [0.0, 5.0, 10.0]),
              (get_probe("permutation", 3), [2.0])]
    for probe, levels in probes:
        variants = 2 if probe.name == "permutation" else 1
        for li in range(len(levels)):
            for v in range(variants):
                s = np.clip(clean_s + rng.normal(0, 0.1 * (li + 1), n), 0.01, 0.99)
                stream.proba[(probe.name, li, v)] = np.column_stack([1 - s, s])
                stream.sims[(probe.name, li, v)] = {"proba": rng.uniform(0.5, 1.0, n)}
    return stream, probes, y


def _slow(stream: StreamResult, probes: list, y: np.ndarray, rows: np.ndarray) -> dict[str, float]:
    """The metrics on the resampled rows, written out by hand."""
    clean_auc = roc_auc_score(y[rows], stream.clean[rows, 1])
    out, stability = {}, []
    for probe, levels in probes:
        sims, rets = [], []
        for li in range(len(levels)):
            keys = [k for k in stream.sims if k[0] == probe.name and k[1] == li]
            sims.append(np.mean([stream.sims[k]["proba"][rows].mean() for k in keys]))
            rets.append(np.mean([roc_auc_score(y[rows], stream.proba[k][rows, 1]) for k in keys]) / clean_auc)
        if probe.name == "permutation":
            out["perm_equivariance"], out["perm_retention"] = np.mean(sims), np.mean(rets)
            continue
        order = np.argsort(levels)
        x = np.array(levels)[order]
        area = lambda v: np.trapezoid(np.array(v)[order], x) / (x[-1] - x[0])  # noqa: E731, B023
        out[f"{probe.name}_rAUC"] = area(sims)
        out[f"{probe.name}_retention_rAUC"] = area(rets)
        stability.append(out[f"{probe.name}_rAUC"])
        if probe.name == "shift":
            out["shift_sensitivity"] = 1 - np.mean([s for lv, s in zip(levels, sims, strict=True) if lv != 0])
    out["robustness_score"] = np.mean(stability)
    return out


def test_robustness_replicates_equal_the_metrics_on_resampled_samples():
    rng = np.random.default_rng(4)
    stream, probes, y = _stream(50, rng)

    def auroc_batch(P, W):  # noqa: ANN001, ANN202
        return CLASSIFICATION_METRICS["AUROC"].batch(ClassificationData(y, P), W)

    W = next(resample_counts(50, n_boot=12, seed=3))
    clean = auroc_batch(stream.clean, W)
    reps = aggregate_replicates(replicate_curves(stream, probes, W, auroc_batch), {"AUROC": clean})
    assert set(reps) >= {"robustness_score", "noise_rAUC", "shift_rAUC", "noise_retention_rAUC",
                         "perm_equivariance", "perm_retention", "shift_sensitivity"}
    for b in range(len(W)):
        slow = _slow(stream, probes, y, counts_to_indices(W[b]))
        for name, value in slow.items():
            assert reps[name][b] == pytest.approx(value, abs=1e-12), (name, b)
