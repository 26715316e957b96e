"""Checks on what a model returns, each failure naming the model and the problem."""

from __future__ import annotations

import numpy as np

from fmbench.errors import ModelError


def check_probabilities(P, *, n_rows: int, n_classes: int, model_id: str, classes=None) -> np.ndarray:  # noqa: ANN001
    """Rows, finiteness, [0, 1] range, rows summing to 1, class count."""
    who = f"model {model_id!r}"
    try:
        P = np.asarray(P, dtype=np.float64)
    except (TypeError, ValueError):
        raise ModelError(f"{who}: predict_proba returned something that is not a numeric array") from None
    if P.ndim == 1 and n_classes == 2:
        P = np.column_stack([1 - P, P])
    if P.ndim != 2:
        raise ModelError(f"{who}: predict_proba must return a 2-D array (n, classes), got shape {P.shape}")
    if P.shape[0] != n_rows:
        raise ModelError(f"{who}: predict_proba returned {P.shape[0]} rows for {n_rows} inputs")
    if classes is not None and P.shape[1] == len(classes) and P.shape[1] < n_classes:
        full = np.zeros((n_rows, n_classes))
        full[:, np.asarray(classes, dtype=int)] = P
        P = full
    if P.shape[1] != n_classes:
        raise ModelError(f"{who}: predict_proba returned {P.shape[1]} columns but the task has {n_classes} classes")
    bad = ~np.isfinite(P).all(axis=1)
    if bad.any():
        rows = np.flatnonzero(bad)
        raise ModelError(
            f"{who}: probabilities contain NaN or inf in {len(rows)} row(s) (first: row {rows[0]}); check the model's output"
        )
    if (P < -1e-9).any() or (P > 1 + 1e-9).any():
        row = int(np.flatnonzero(((P < -1e-9) | (P > 1 + 1e-9)).any(axis=1))[0])
        raise ModelError(f"{who}: probabilities outside [0, 1] (first: row {row}); return probabilities, not logits")
    sums = P.sum(axis=1)
    off = np.abs(sums - 1) > 1e-4
    if off.any():
        row = int(np.flatnonzero(off)[0])
        raise ModelError(
            f"{who}: probabilities in row {row} sum to {sums[row]:.6g}, not 1; normalise them (e.g. softmax)"
        )
    return np.clip(P, 0.0, 1.0)


def check_matrix(A, *, n_rows: int, model_id: str, what: str) -> np.ndarray:  # noqa: ANN001
    """A finite 2-D float array with one row per input (embeddings, reconstructions)."""
    who = f"model {model_id!r}"
    try:
        A = np.asarray(A, dtype=np.float64)
    except (TypeError, ValueError):
        raise ModelError(f"{who}: {what} is not a numeric array") from None
    if A.shape[:1] != (n_rows,):
        raise ModelError(f"{who}: {what} has {A.shape[0] if A.ndim else 0} rows for {n_rows} inputs")
    if not np.isfinite(A).all():
        raise ModelError(f"{who}: {what} contains NaN or inf")
    return A
