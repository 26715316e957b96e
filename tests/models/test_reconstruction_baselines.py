"""The reconstruction baselines on small hand-checkable inputs."""

from __future__ import annotations

import numpy as np
import pytest

from fmbench.models.factory import BASELINES


def _one(series, hidden):
    X = np.array(series, dtype=float)[None, None, :]
    M = np.zeros_like(X, dtype=bool)
    M[0, 0, hidden] = True
    return np.where(M, 0.0, X), M


def test_mean_fill_uses_observed_mean():
    Xm, M = _one([1.0, 2.0, 99.0, 4.0, 99.0, 6.0], [2, 4])
    out = BASELINES.get("mean_fill")().reconstruct(Xm, M)
    assert out.shape == Xm.shape
    np.testing.assert_allclose(out[0, 0], [1, 2, 13 / 4, 4, 13 / 4, 6])


def test_linear_interp_by_hand_with_nearest_edges():
    Xm, M = _one([9.0, 2.0, 9.0, 9.0, 8.0, 4.0, 9.0], [0, 2, 3, 6])
    out = BASELINES.get("linear_interp")().reconstruct(Xm, M)
    np.testing.assert_allclose(out[0, 0], [2, 2, 4, 6, 8, 4, 4])


def test_fully_hidden_roi_falls_back_to_subject_mean():
    X = np.array([[[1.0, 3.0], [5.0, 7.0], [0.0, 0.0]]])
    M = np.zeros_like(X, dtype=bool)
    M[0, 2] = True
    for name in ("mean_fill", "linear_interp"):
        out = BASELINES.get(name)().reconstruct(X, M)
        np.testing.assert_allclose(out[0, 2], [4.0, 4.0])


def _lowrank_data(rng, n=6, R=10, T=80, k=2):
    loadings = rng.normal(size=(R, k))
    return np.stack([loadings @ rng.normal(size=(k, T)) for _ in range(n)])


def test_lowrank_recovers_exact_low_rank_data_per_subject():
    rng = np.random.default_rng(0)
    X = _lowrank_data(rng)
    M = rng.random(X.shape) < 0.2
    out = BASELINES.get("lowrank")(rank=2, max_iter=2000, tol=1e-14).reconstruct(np.where(M, 0, X), M)
    assert np.abs(out[M] - X[M]).max() < 1e-3
    np.testing.assert_array_equal(out[~M], X[~M])


def test_lowrank_fitted_recovers_hidden_rois():
    rng = np.random.default_rng(1)
    loadings = rng.normal(size=(10, 2))
    X = np.stack([loadings @ rng.normal(size=(2, 60)) for _ in range(8)])
    X += 1e-3 * rng.normal(size=X.shape)
    M = np.zeros(X.shape, dtype=bool)
    M[4:, [1, 5]] = True  # two whole ROIs hidden in the test subjects
    model = BASELINES.get("lowrank")(rank=2).fit(X[:4])
    out = model.reconstruct(np.where(M[4:], 0, X[4:]), M[4:])
    assert np.abs(out[M[4:]] - X[4:][M[4:]]).max() < 0.05


def test_baselines_reject_mismatched_mask():
    with pytest.raises(ValueError, match="one shape"):
        BASELINES.get("mean_fill")().reconstruct(np.zeros((2, 3, 4)), np.zeros((2, 3), dtype=bool))
