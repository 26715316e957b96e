"""Per-stratum metrics, small-cell suppression, worst group and gap."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from fmbench.metrics.bootstrap import BootstrapScheme
from fmbench.metrics.classification import CLASSIFICATION_METRICS, ClassificationData
from fmbench.metrics.grouped import evaluate_grouped


def test_strata_match_sklearn_per_group_and_suppress_small_groups():
    rng = np.random.default_rng(0)
    n = 300
    y = rng.integers(0, 2, n)
    s = 1 / (1 + np.exp(-(rng.normal(size=n) + y)))
    # two tiny groups (C also single-class): withholding both leaves neither recoverable by
    # subtraction, so complementary suppression withholds nothing more
    site = rng.choice(["A", "B", "C", "E"], n, p=[0.47, 0.47, 0.03, 0.03])
    y[site == "C"] = 1
    d = ClassificationData(y, np.column_stack([1 - s, s]))
    res = evaluate_grouped(d, n, [CLASSIFICATION_METRICS["AUROC"], CLASSIFICATION_METRICS["Accuracy"]],
                           strata={"site": site}, scheme=BootstrapScheme(n_boot=200, seed=1), min_group_size=20)
    assert set(res.stratified["site"]) == {"A", "B"}
    assert res.withheld == {"site": 2}
    for g in ["A", "B"]:
        m = site == g
        assert res.stratified["site"][g].N == m.sum()
        assert res.stratified["site"][g].metrics["AUROC"].value == pytest.approx(roc_auc_score(y[m], s[m]), abs=1e-12)
    worst = min(["A", "B"], key=lambda g: res.stratified["site"][g].metrics["AUROC"].value)
    assert res.subgroups["AUROC"].worst.group == worst
    vals = [res.stratified["site"][g].metrics["AUROC"].value for g in "AB"]
    assert res.subgroups["AUROC"].max_gap == pytest.approx(max(vals) - min(vals))
    lo, hi = res.metrics["AUROC"].ci
    assert lo < res.metrics["AUROC"].value < hi


def test_single_class_stratum_gives_null_auroc_with_reason():
    y = np.array([0, 1] * 10 + [1] * 12)
    s = np.linspace(0.1, 0.9, len(y))
    grp = np.array(["mixed"] * 20 + ["only_pos"] * 12)
    d = ClassificationData(y, np.column_stack([1 - s, s]))
    res = evaluate_grouped(d, len(y), [CLASSIFICATION_METRICS["AUROC"]], strata={"g": grp},
                           scheme=BootstrapScheme(n_boot=100, seed=0), min_group_size=10)
    only = res.stratified["g"]["only_pos"].metrics["AUROC"]
    assert only.value is None
    assert "one class" in only.reason
    assert res.stratified["g"]["mixed"].metrics["AUROC"].value is not None


def test_replicates_in_score_order_equal_slow_sklearn_loop():
    """evaluate_grouped lays counts out in score order; replicates must still be the row-space ones."""
    from fmbench.metrics.bootstrap import counts_to_indices, resample_counts

    rng = np.random.default_rng(5)
    n = 250
    y = rng.integers(0, 2, n)
    s = np.round(1 / (1 + np.exp(-(rng.normal(size=n) + y))), 2)  # with ties
    d = ClassificationData(y, np.column_stack([1 - s, s]))
    res = evaluate_grouped(d, n, [CLASSIFICATION_METRICS["AUROC"], CLASSIFICATION_METRICS["Accuracy"]],
                           scheme=BootstrapScheme(n_boot=130, seed=9))
    slow_auc, slow_acc = [], []
    for W in resample_counts(n, n_boot=130, seed=9):
        for row in W:
            idx = counts_to_indices(row)
            slow_auc.append(roc_auc_score(y[idx], s[idx]))
            slow_acc.append(np.mean(np.argmax(d.proba[idx], 1) == y[idx]))
    np.testing.assert_allclose(res.replicates["AUROC"], slow_auc, rtol=0, atol=1e-9)
    np.testing.assert_allclose(res.replicates["Accuracy"], slow_acc, rtol=0, atol=1e-12)


def test_scheme_digest_separates_row_ids():
    from fmbench.metrics.bootstrap import BootstrapScheme, scheme_digest

    s = BootstrapScheme(n_boot=100, seed=1)
    a = scheme_digest(s, dataset_digest="d", row_ids=["1", "112"], clusters=None)
    b = scheme_digest(s, dataset_digest="d", row_ids=["11", "12"], clusters=None)
    assert a != b
    assert a == scheme_digest(s, dataset_digest="d", row_ids=["1", "112"], clusters=None)
