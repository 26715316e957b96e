"""Curve summaries: rAUC (area under a curve over its grid, divided by the grid span)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def rauc(x: Sequence[float], y: Sequence[float]) -> float:
    """Trapezoid area under ``y(x)`` divided by ``max(x) - min(x)``: the curve's mean height.

    The grid is sorted first, so a descending SNR grid gives the same value as an ascending
    one. A single-point grid returns that point; any NaN in ``y`` gives NaN.

    >>> rauc([0.0, 0.5, 1.0], [1.0, 0.8, 0.4])
    0.75
    """
    xs = np.asarray(x, dtype=np.float64)
    ys = np.asarray(y, dtype=np.float64)
    if xs.shape != ys.shape or xs.ndim != 1 or xs.size == 0:
        raise ValueError(
            f"rauc: x and y must be 1-D of equal, non-zero length, got {xs.shape} and {ys.shape}"
        )
    if not np.isfinite(ys).all():
        return float("nan")
    order = np.argsort(xs, kind="stable")
    xs, ys = xs[order], ys[order]
    span = xs[-1] - xs[0]
    if span == 0:
        return float(ys.mean())
    return float(np.trapezoid(ys, xs) / span)


def rauc_replicates(x: Sequence[float], Y: np.ndarray) -> np.ndarray:
    """``rauc`` of each column of ``Y`` (levels × replicates), vectorised; NaN where a column has one."""
    xs = np.asarray(x, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    order = np.argsort(xs, kind="stable")
    xs, Y = xs[order], Y[order]
    span = xs[-1] - xs[0]
    out = Y.mean(axis=0) if span == 0 else np.trapezoid(Y, xs, axis=0) / span
    out[~np.isfinite(Y).all(axis=0)] = np.nan
    return out


def retention(values: Sequence[float] | np.ndarray, clean: float | np.ndarray) -> np.ndarray:
    """Performance at each level divided by clean performance (NaN when clean is 0 or NaN).
    ``values`` may be levels × replicates with ``clean`` one value per replicate."""
    v = np.asarray(values, dtype=np.float64)
    c = np.asarray(clean, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(np.isfinite(c) & (c != 0), v / np.where(c == 0, 1.0, c), np.nan)
