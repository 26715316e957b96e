"""Reconstruction metrics: per-subject Pearson r and MSE over the hidden entries, averaged.

Each metric has a ``point`` (the mean over subjects where defined, or NaN with a reason) and
a ``batch`` (the same mean for each row of a bootstrap weight matrix over subjects).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fmbench.metrics.registry import MetricInfo, register_metric


def per_subject_scores(X: np.ndarray, X_hat: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pearson r and MSE over each subject's hidden entries (r NaN where undefined)."""
    m = mask.reshape(len(mask), -1).astype(np.float64)
    t = X.reshape(len(X), -1).astype(np.float64)
    p = X_hat.reshape(len(X_hat), -1).astype(np.float64)
    k = m.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mt = (m * t).sum(axis=1) / k
        mp = (m * p).sum(axis=1) / k
        dt = m * (t - mt[:, None])
        dp = m * (p - mp[:, None])
        sxy = (dt * dp).sum(axis=1)
        sxx = (dt * dt).sum(axis=1)
        syy = (dp * dp).sum(axis=1)
        scale = np.maximum(np.abs(mt), 1.0) ** 2
        defined = (sxx > 1e-12 * k * scale) & (syy > 1e-12 * k * np.maximum(np.abs(mp), 1.0) ** 2) & (k >= 2)
        r = np.where(defined, sxy / np.sqrt(sxx * syy), np.nan)
        mse = (m * (t - p) ** 2).sum(axis=1) / k
    return np.clip(r, -1.0, 1.0), mse


@dataclass
class ReconstructionData:
    """Per-subject scores of one evaluation set or group."""

    corr: np.ndarray
    mse: np.ndarray

    def subset(self, mask: np.ndarray) -> ReconstructionData:
        return ReconstructionData(self.corr[mask], self.mse[mask])


def _subject_mean_point(values: np.ndarray, what: str) -> tuple[float, str | None]:
    ok = np.isfinite(values)
    if not ok.any():
        return np.nan, (
            f"{what} undefined for every subject (constant true or reconstructed values)"
            if len(values)
            else "no subjects"
        )
    return float(values[ok].mean()), None


def _subject_mean_batch(values: np.ndarray, W: np.ndarray) -> np.ndarray:
    ok = np.isfinite(values)
    Wd = W[:, ok]
    with np.errstate(invalid="ignore", divide="ignore"):
        return (Wd @ values[ok]) / Wd.sum(axis=1)


@dataclass(frozen=True)
class SubjectMeanMetric:
    name: str
    field: str

    def point(self, data: ReconstructionData) -> tuple[float, str | None]:
        return _subject_mean_point(getattr(data, self.field), self.name)

    def batch(self, data: ReconstructionData, W: np.ndarray) -> np.ndarray:
        return _subject_mean_batch(getattr(data, self.field), W)


RECONSTRUCTION_METRICS = {
    "Correlation": SubjectMeanMetric("Correlation", "corr"),
    "MSE": SubjectMeanMetric("MSE", "mse"),
}


register_metric(
    MetricInfo(
        "Correlation",
        "reconstructions",
        "higher",
        -1.0,
        1.0,
        "Mean per-subject Pearson r over hidden entries.",
        RECONSTRUCTION_METRICS["Correlation"],
    )
)
register_metric(
    MetricInfo(
        "MSE",
        "reconstructions",
        "lower",
        0.0,
        None,
        "Mean per-subject squared error over hidden entries.",
        RECONSTRUCTION_METRICS["MSE"],
    )
)
