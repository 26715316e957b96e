"""Metrics against scikit-learn and hand computations; vectorised replicates against a slow loop."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from fmbench.metrics.bootstrap import cluster_codes, counts_to_indices, resample_counts
from fmbench.metrics.classification import CLASSIFICATION_METRICS, ClassificationData
from fmbench.metrics.intervals import choose_interval


def _binary(n=400, seed=0, ties=False):  # noqa: ANN001, ANN202
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    s = 1 / (1 + np.exp(-(rng.normal(size=n) + 1.2 * y)))
    if ties:
        s = np.round(s, 1)
    return ClassificationData(y, np.column_stack([1 - s, s]))


def _multiclass(n=300, k=4, seed=1):  # noqa: ANN001, ANN202
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    logits = rng.normal(size=(n, k)) + 1.5 * np.eye(k)[y]
    P = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    return ClassificationData(y, P)


def _ece_reference(y, P, bins=10):  # noqa: ANN001, ANN202
    """Textbook ECE with an explicit loop over bins."""
    conf, pred = P.max(1), P.argmax(1)
    total = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        m = (conf >= lo) & ((conf < hi) if b < bins - 1 else (conf <= hi))
        if m.any():
            total += m.mean() * abs((pred[m] == y[m]).mean() - conf[m].mean())
    return total


def sklearn_reference(name: str, d: ClassificationData) -> float:
    y, P, pred = d.y, d.proba, d.proba.argmax(1)
    if name == "AUROC":
        if d.binary:
            return skm.roc_auc_score(y, P[:, 1])
        return skm.roc_auc_score(y, P, multi_class="ovr", average="macro")
    if name == "Accuracy":
        return skm.accuracy_score(y, pred)
    if name == "Balanced Accuracy":
        return skm.balanced_accuracy_score(y, pred)
    if name == "F1-Score":  # binary: positive-class F1 (scikit-learn's default); multiclass: macro
        return skm.f1_score(y, pred) if d.binary else skm.f1_score(y, pred, average="macro")
    if name == "Macro F1":
        return skm.f1_score(y, pred, average="macro")
    if name == "Sensitivity":
        return skm.recall_score(y, pred, pos_label=1)
    if name == "Specificity":
        return skm.recall_score(y, pred, pos_label=0)
    if name == "Brier Score":  # binary: brier_score_loss itself; multiclass: the sum over classes
        if d.binary:
            return skm.brier_score_loss(y, P[:, 1])
        return skm.brier_score_loss(y, P, labels=list(range(P.shape[1])), scale_by_half=False)
    if name == "ECE":
        return _ece_reference(y, P)
    if name == "MCC":  # scikit-learn returns 0 where MCC is undefined (one label or one predicted class)
        return skm.matthews_corrcoef(y, pred) if len(set(y)) > 1 and len(set(pred)) > 1 else np.nan
    raise KeyError(name)


@pytest.mark.parametrize("name", list(CLASSIFICATION_METRICS))
@pytest.mark.parametrize("make", [_binary, lambda: _binary(ties=True), _multiclass], ids=["bin", "ties", "multi"])
def test_point_estimates_equal_sklearn(name, make):  # noqa: ANN001
    d = make()
    metric = CLASSIFICATION_METRICS[name]
    if metric.binary_only and not d.binary:
        value, reason = metric.point(d)
        assert np.isnan(value) and "binary" in reason
        return
    value, reason = metric.point(d)
    assert reason is None
    assert value == pytest.approx(sklearn_reference(name, d), abs=1e-9)


@pytest.mark.parametrize("name", list(CLASSIFICATION_METRICS))
@pytest.mark.parametrize("make", [_binary, lambda: _binary(ties=True), _multiclass], ids=["bin", "ties", "multi"])
def test_vectorised_replicates_equal_slow_loop(name, make):  # noqa: ANN001
    """batch(W) on each replicate equals scikit-learn on that replicate's resampled rows."""
    d = make()
    metric = CLASSIFICATION_METRICS[name]
    if metric.binary_only and not d.binary:
        return
    W = next(resample_counts(len(d.y), n_boot=20, seed=7))
    fast = metric.batch(d, W)
    for b in range(len(W)):
        idx = counts_to_indices(W[b])
        slow = sklearn_reference(name, ClassificationData(d.y[idx], d.proba[idx]))
        assert fast[b] == pytest.approx(slow, abs=1e-9)


def test_cluster_resampling_keeps_clusters_whole():
    clusters = cluster_codes(np.repeat(["s1", "s2", "s3", "s4", "s5"], [1, 2, 3, 4, 5]))
    for W in resample_counts(15, n_boot=50, seed=3, clusters=clusters):
        for row in W:
            for c in range(5):
                member_counts = row[clusters == c]
                assert len(set(member_counts)) == 1  # every row of a cluster drawn equally often
            assert row[clusters == 0].sum() + sum(row[clusters == c][0] for c in range(1, 5)) >= 0
            assert sum(row[clusters == c][0] for c in range(5)) == 5  # 5 clusters drawn


def test_row_resampling_draws_n_rows_and_is_seeded():
    a = np.concatenate(list(resample_counts(37, n_boot=130, seed=11)))
    b = np.concatenate(list(resample_counts(37, n_boot=130, seed=11)))
    c = np.concatenate(list(resample_counts(37, n_boot=130, seed=12)))
    assert a.shape == (130, 37)
    assert (a.sum(1) == 37).all()
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_percentile_ci_matches_numpy_quantile():
    reps = np.random.default_rng(0).normal(size=1000)
    interval = choose_interval(float(np.median(reps)), reps, 0.95)
    assert interval.reason is None and interval.method == "percentile bootstrap"
    assert interval.ci == pytest.approx(tuple(np.quantile(reps, [0.025, 0.975])))
    reps[:100] = np.nan
    interval = choose_interval(0.0, reps, 0.95)
    assert interval.ci is None and "undefined in 10%" in interval.reason


def test_single_class_auroc_is_undefined_not_zero():
    d = ClassificationData(np.ones(12, dtype=int), np.tile([0.3, 0.7], (12, 1)))
    value, reason = CLASSIFICATION_METRICS["AUROC"].point(d)
    assert np.isnan(value)
    assert "one class" in reason


def test_mcc_point_and_every_bootstrap_replicate_match_sklearn() -> None:
    """MCC (binary and multiclass) equals scikit-learn's matthews_corrcoef on the data and on
    each resample (replicate b = counts of each row in resample b); undefined stays NaN."""
    from sklearn.metrics import matthews_corrcoef

    from fmbench.metrics.classification import ClassificationData, mcc_batch, mcc_point

    rng = np.random.default_rng(11)
    for K in (2, 4):
        n = 150
        y = rng.integers(0, K, n)
        logits = rng.standard_normal((n, K)) + 1.5 * np.eye(K)[y]
        P = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        d = ClassificationData(y, P)
        value, reason = mcc_point(d)
        assert reason is None and value == pytest.approx(matthews_corrcoef(y, P.argmax(1)))
        idx = rng.integers(0, n, (40, n))
        W = np.stack([np.bincount(r, minlength=n) for r in idx]).astype(float)
        got = mcc_batch(d, W)
        want = [matthews_corrcoef(y[r], P.argmax(1)[r]) for r in idx]
        np.testing.assert_allclose(got, want, atol=1e-12)
    one_class_predictions = ClassificationData(np.array([0, 1, 1, 0]), np.tile([0.3, 0.7], (4, 1)))
    value, reason = mcc_point(one_class_predictions)
    assert np.isnan(value) and "same class" in reason  # scikit-learn says 0.0; we say undefined
    assert np.isnan(mcc_batch(one_class_predictions, np.ones((1, 4))))[0]
