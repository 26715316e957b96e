"""Seeded mask and the Correlation / MSE metrics against independent computations."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import pearsonr

from fmbench.errors import ConfigError
from fmbench.metrics.bootstrap import counts_to_indices, resample_counts
from fmbench.tasks.reconstruction import (
    RECONSTRUCTION_METRICS,
    MaskParams,
    ReconstructionData,
    make_mask,
    per_subject_scores,
)


def test_mask_hides_exact_fraction_in_spans():
    spec = MaskParams(kind="timepoints", fraction=0.25, span=5, seed=7)
    mask = make_mask((10, 6, 120), spec)
    assert mask.dtype == bool
    assert (mask.sum(axis=2) == 30).all()  # 25% of 120 in every (subject, ROI)
    # hidden entries come in aligned runs of 5
    spans = mask.reshape(10, 6, 24, 5)
    assert (spans.all(axis=3) | ~spans.any(axis=3)).all()


def test_mask_span_one_and_remainder():
    mask = make_mask((3, 4, 103), MaskParams(fraction=0.2, span=10, seed=1))
    assert (mask.sum(axis=2) == 20).all()  # round(0.2 * 10) spans of 10
    assert not mask[:, :, 100:].any()  # the incomplete last span is never hidden
    mask1 = make_mask((3, 4, 50), MaskParams(fraction=0.3, span=1, seed=1))
    assert (mask1.sum(axis=2) == 15).all()


def test_mask_is_seeded():
    spec = MaskParams(fraction=0.25, span=5, seed=7)
    a, b = make_mask((8, 5, 60), spec), make_mask((8, 5, 60), spec)
    c = make_mask((8, 5, 60), MaskParams(fraction=0.25, span=5, seed=8))
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    # a subject's mask does not change when more subjects follow it
    assert np.array_equal(make_mask((12, 5, 60), spec)[:8], a)
    assert len({a[i].tobytes() for i in range(8)}) == 8


def test_whole_roi_mask():
    mask = make_mask((9, 10, 40), MaskParams(kind="rois", fraction=0.3, seed=2))
    per_roi = mask.all(axis=2)
    assert (per_roi.sum(axis=1) == 3).all()
    assert np.array_equal(mask.any(axis=2), per_roi)  # ROIs hidden entirely or not at all


@pytest.mark.parametrize("spec", [MaskParams(kind="rois", fraction=0.01), MaskParams(fraction=0.99, span=10)])
def test_mask_that_hides_nothing_or_everything_is_refused(spec):
    with pytest.raises(ConfigError):
        make_mask((2, 10, 40), spec)


def _case(seed=0, n=15, R=6, T=40):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, R, T))
    X_hat = 0.6 * X + rng.normal(size=X.shape)
    mask = make_mask(X.shape, MaskParams(fraction=0.3, span=2, seed=seed))
    return X, X_hat, mask


def test_per_subject_scores_match_scipy_and_numpy():
    X, X_hat, mask = _case()
    corr, mse = per_subject_scores(X, X_hat, mask)
    for i in range(len(X)):
        t, p = X[i][mask[i]], X_hat[i][mask[i]]
        assert corr[i] == pytest.approx(pearsonr(t, p).statistic, abs=1e-12)
        assert mse[i] == pytest.approx(np.mean((t - p) ** 2), abs=1e-12)


def test_metric_point_and_bootstrap_match_hand_computation():
    X, X_hat, mask = _case(seed=1)
    data = ReconstructionData(*per_subject_scores(X, X_hat, mask))
    ref_corr = np.array([pearsonr(X[i][mask[i]], X_hat[i][mask[i]]).statistic for i in range(len(X))])
    ref_mse = np.array([np.mean((X[i][mask[i]] - X_hat[i][mask[i]]) ** 2) for i in range(len(X))])
    assert RECONSTRUCTION_METRICS["Correlation"].point(data)[0] == pytest.approx(ref_corr.mean())
    assert RECONSTRUCTION_METRICS["MSE"].point(data)[0] == pytest.approx(ref_mse.mean())
    W = next(resample_counts(len(X), n_boot=5, seed=3))
    reps = RECONSTRUCTION_METRICS["Correlation"].batch(data, W)
    for b in range(len(W)):
        idx = counts_to_indices(W[b])
        assert reps[b] == pytest.approx(ref_corr[idx].mean())
    reps_mse = RECONSTRUCTION_METRICS["MSE"].batch(data, W)
    assert reps_mse[0] == pytest.approx(ref_mse[counts_to_indices(W[0])].mean())


def test_constant_reconstruction_has_undefined_correlation():
    X, _, mask = _case(seed=2)
    X_hat = np.zeros_like(X)
    X_hat[0] = X[0] + 0.1  # one subject with a defined value
    corr, mse = per_subject_scores(X, X_hat, mask)
    assert np.isnan(corr[1:]).all() and corr[0] == pytest.approx(1.0)
    np.testing.assert_allclose(mse[1], np.mean(X[1][mask[1]] ** 2))
    data = ReconstructionData(corr[1:], mse[1:])
    value, reason = RECONSTRUCTION_METRICS["Correlation"].point(data)
    assert np.isnan(value) and "undefined" in reason
    # undefined subjects are left out of the average, never counted as 0
    assert RECONSTRUCTION_METRICS["Correlation"].point(ReconstructionData(corr, mse))[0] == pytest.approx(1.0)
