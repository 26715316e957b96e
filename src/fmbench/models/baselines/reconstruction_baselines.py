"""Reconstruction baselines for masked ROI time series (``reconstruct(X_masked, mask) -> X_hat``).

Inputs are (subjects, ROIs, timepoints); ``mask`` is True where an entry is hidden (its value
in ``X_masked`` is meaningless). Each baseline returns a full array; the protocol scores only
the hidden entries.

- ``mean_fill``: each ROI's mean over its observed timepoints (the trivial floor).
- ``linear_interp``: linear interpolation in time within each ROI; before the first and after
  the last observed timepoint the nearest observed value is repeated.
- ``lowrank``: PCA imputation across ROIs. After ``fit(X_train)`` (complete training series)
  it uses the training subjects' probabilistic PCA (mean, top-``rank`` components, noise
  variance): each timepoint's hidden ROIs get their conditional mean given its observed ROIs,
  the fixed point of iterative PCA imputation with that basis. Without ``fit`` it runs
  iterative PCA imputation per subject (fill, rank-``rank`` SVD, refill, until stable).

ROIs with no observed timepoint fall back to the subject's mean over all observed entries in
``mean_fill`` and ``linear_interp``.
"""

from __future__ import annotations

import numpy as np

from fmbench.models.factory import BASELINES


def _as_inputs(X_masked, mask) -> tuple[np.ndarray, np.ndarray]:  # noqa: ANN001
    X = np.asarray(X_masked, dtype=np.float64)
    M = np.asarray(mask, dtype=bool)
    if X.ndim != 3 or M.shape != X.shape:
        raise ValueError(
            f"expected X_masked and mask of one shape (subjects, ROIs, timepoints), got "
            f"{X.shape} and {M.shape}"
        )
    return X, M


def observed_means(X: np.ndarray, M: np.ndarray) -> np.ndarray:
    """(subjects, ROIs) mean over observed timepoints; subject mean where an ROI is all hidden."""
    obs = ~M
    count = obs.sum(axis=2)
    total = np.where(obs, X, 0.0).sum(axis=2)
    subj_count = count.sum(axis=1)
    subj_mean = np.divide(total.sum(axis=1), subj_count, out=np.zeros(len(X)), where=subj_count > 0)
    return np.where(count > 0, total / np.maximum(count, 1), subj_mean[:, None])


@BASELINES.register("mean_fill")
class MeanFill:
    """Hidden entries get their ROI's mean over the observed timepoints."""

    def reconstruct(self, X_masked, mask) -> np.ndarray:  # noqa: ANN001
        X, M = _as_inputs(X_masked, mask)
        return np.where(M, observed_means(X, M)[:, :, None], X)


@BASELINES.register("linear_interp")
class LinearInterp:
    """Linear interpolation in time per ROI; edges repeat the nearest observed value."""

    def reconstruct(self, X_masked, mask) -> np.ndarray:  # noqa: ANN001
        X, M = _as_inputs(X_masked, mask)
        out = X.copy()
        fallback = observed_means(X, M)
        t = np.arange(X.shape[2])
        for s, r in zip(*np.nonzero(M.any(axis=2)), strict=True):
            obs = ~M[s, r]
            if obs.any():
                out[s, r] = np.interp(t, t[obs], X[s, r, obs])  # constant beyond the ends
            else:
                out[s, r] = fallback[s, r]
        return out


@BASELINES.register("lowrank")
class LowRank:
    """PCA imputation: PPCA conditional means after fit, iterative SVD per subject otherwise."""

    def __init__(self, rank: int = 5, max_iter: int = 200, tol: float = 1e-6) -> None:
        if rank < 1:
            raise ValueError(f"rank must be >= 1, got {rank}")
        self.rank, self.max_iter, self.tol = rank, max_iter, tol
        self.mean_: np.ndarray | None = None
        self.loadings_: np.ndarray | None = None
        self.noise_var_: float | None = None

    def fit(self, X) -> LowRank:  # noqa: ANN001
        X = np.asarray(X, dtype=np.float64)
        R = X.shape[1]
        Z = X.transpose(0, 2, 1).reshape(-1, R)  # every timepoint of every subject, × ROIs
        self.mean_ = Z.mean(axis=0)
        eig, vec = np.linalg.eigh(np.cov(Z, rowvar=False))
        eig, vec = eig[::-1], vec[:, ::-1]
        k = min(self.rank, R - 1)
        self.noise_var_ = float(max(eig[k:].mean(), 1e-8))
        self.loadings_ = vec[:, :k] * np.sqrt(np.maximum(eig[:k] - self.noise_var_, 0.0))
        return self

    def reconstruct(self, X_masked, mask) -> np.ndarray:  # noqa: ANN001
        X, M = _as_inputs(X_masked, mask)
        if self.loadings_ is not None:
            if self.loadings_.shape[0] != X.shape[1]:
                raise ValueError(f"fitted on {self.loadings_.shape[0]} ROIs, got {X.shape[1]}")
            return self._ppca_conditional(X, M)
        return np.stack([self._iterative_svd(x, m) for x, m in zip(X, M, strict=True)])

    def _ppca_conditional(self, X: np.ndarray, M: np.ndarray) -> np.ndarray:
        Wl, mu, s2 = self.loadings_, self.mean_, self.noise_var_
        obs = (~M).transpose(0, 2, 1).astype(np.float64)  # (subjects, T, R)
        D = (X.transpose(0, 2, 1) - mu) * obs
        G = np.einsum("rk,str,rl->stkl", Wl, obs, Wl) + s2 * np.eye(Wl.shape[1])
        z = np.linalg.solve(G, np.einsum("rk,str->stk", Wl, D)[..., None])[..., 0]
        fill = (mu + z @ Wl.T).transpose(0, 2, 1)
        return np.where(M, fill, X)

    def _iterative_svd(self, x: np.ndarray, m: np.ndarray) -> np.ndarray:
        Z = np.where(m, observed_means(x[None], m[None])[0][:, None], x).T  # T × R
        miss = m.T
        if not miss.any():
            return x.copy()
        k = min(self.rank, min(Z.shape) - 1)
        for _ in range(self.max_iter):
            mu = Z.mean(axis=0)
            U, S, Vt = np.linalg.svd(Z - mu, full_matrices=False)
            low = (U[:, :k] * S[:k]) @ Vt[:k] + mu
            change = np.sum((low[miss] - Z[miss]) ** 2) / max(np.sum(Z[miss] ** 2), 1e-12)
            Z[miss] = low[miss]
            if change < self.tol:
                break
        return Z.T
