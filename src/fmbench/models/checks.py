"""Checks on what a model returns, each failure naming the model and the problem.

Probabilities: rows summing to 1 within a tolerance that follows the dtype the model returned
(float16 rounding is ~1e-3, float32's ~1e-7; at least 1e-4), then renormalised in float64; how far the sums
strayed is logged for the record. Hard 0/1 "probabilities" (every row one-hot) are refused
unless the model config says ``allow_hard_labels: true``: AUROC computed from 0/1 scores is the
balanced accuracy of one threshold, not a ranking of the cases. Embeddings: one vector per
input, an (n, d) array; other shapes are refused with the pooling that would make one.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from fmbench.errors import ModelError

HANDFUL = 5  # hard labels on at most this many rows pass: a tiny batch may be confidently one-hot
FLOOR = 1e-4
ROUNDING_UNITS = 4  # the sum of K values may stray by this many units of the dtype's epsilon per class


def sum_tolerance(dtype: np.dtype, n_classes: int) -> float:
    """How far a row's sum may stray from 1 for probabilities returned in ``dtype``.

    float16 gets its own (coarse) epsilon; float32, float64 and anything else get float32's,
    since float64 arrays often hold float32 arithmetic (a torch softmax cast to double) — and never
    less than 1e-4, fmbench's tolerance before it followed the dtype, so probabilities written out
    with four decimals (a predictions file) still pass, as they did."""
    eps = np.finfo(np.float16).eps if dtype == np.float16 else np.finfo(np.float32).eps
    return float(max(FLOOR, ROUNDING_UNITS * max(n_classes, 2) * eps))


def is_one_hot(P: np.ndarray) -> bool:
    """Every entry exactly 0 or 1 and one 1 per row."""
    return bool(P.size) and bool(np.isin(P, (0.0, 1.0)).all()) and bool((P.sum(axis=1) == 1).all())


@dataclass(frozen=True)
class ProbabilityCheck:
    """What one check of one predict_proba output saw."""

    dtype: str
    tolerance: float
    max_sum_deviation: float
    hard_labels: bool
    rows: int


class ProbabilityLog:
    """The checks of a run's predict_proba outputs (folds, batches), summed up for the record.

    Thread-safe: the robustness protocol checks batches on several threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.checks: list[ProbabilityCheck] = []

    def add(self, check: ProbabilityCheck) -> None:
        with self._lock:
            self.checks.append(check)

    def summary(self) -> dict[str, Any] | None:
        """``{dtype, sum_tolerance, max_sum_deviation, renormalised_in, hard_labels, hard_label_rows}``."""
        with self._lock:
            checks = list(self.checks)
        if not checks:
            return None
        hard_rows = sum(c.rows for c in checks if c.hard_labels)
        return {
            "dtype": ", ".join(sorted({c.dtype for c in checks})),
            "sum_tolerance": max(c.tolerance for c in checks),
            "max_sum_deviation": max(c.max_sum_deviation for c in checks),
            "renormalised_in": "float64",
            "hard_labels": hard_rows > 0,
            "hard_label_rows": hard_rows,
        }


def probability_array(P, *, n_rows: int, n_classes: int, model_id: str, classes=None) -> np.ndarray:  # noqa: ANN001
    """The output as an (n, classes) array in the dtype the model returned: a binary task's 1-D
    positive-class scores get their negative column, a model fitted on fewer classes (``classes``,
    its ``classes_``) gets zero columns for the others. Shapes are checked; values are not."""
    who = f"model {model_id!r}"
    try:
        arr = np.asarray(P)
        if arr.dtype.kind not in "fiu":
            arr = arr.astype(np.uint8 if arr.dtype.kind == "b" else np.float64)
    except (TypeError, ValueError):
        raise ModelError(f"{who}: predict_proba returned something that is not a numeric array") from None
    if arr.ndim == 1 and n_classes == 2:
        arr = np.column_stack([1 - arr, arr])
    if arr.ndim != 2:
        raise ModelError(f"{who}: predict_proba must return a 2-D array (n, classes), got shape {arr.shape}")
    if arr.shape[0] != n_rows:
        raise ModelError(f"{who}: predict_proba returned {arr.shape[0]} rows for {n_rows} inputs")
    if classes is not None and arr.shape[1] == len(classes) and arr.shape[1] < n_classes:
        full = np.zeros((n_rows, n_classes), dtype=arr.dtype)
        full[:, np.asarray(classes, dtype=int)] = arr
        arr = full
    if arr.shape[1] != n_classes:
        raise ModelError(
            f"{who}: predict_proba returned {arr.shape[1]} columns but the task has {n_classes} classes"
        )
    return arr


def check_probabilities(P, *, n_rows: int, n_classes: int, model_id: str,  # noqa: ANN001
                        classes=None, allow_hard_labels: bool = False,  # noqa: ANN001
                        log: ProbabilityLog | None = None) -> np.ndarray:
    """Rows, finiteness, [0, 1] range, hard labels, rows summing to 1 (dtype tolerance), class count.

    Returns float64 probabilities renormalised to sum to 1; ``log`` receives what was seen."""
    who = f"model {model_id!r}"
    raw = probability_array(P, n_rows=n_rows, n_classes=n_classes, model_id=model_id, classes=classes)
    dtype = raw.dtype
    P = raw.astype(np.float64)
    bad = ~np.isfinite(P).all(axis=1)
    if bad.any():
        rows = np.flatnonzero(bad)
        raise ModelError(
            f"{who}: probabilities contain NaN or inf in {len(rows)} row(s) (first: row {rows[0]}); "
            "check the model's output"
        )
    if (P < -1e-9).any() or (P > 1 + 1e-9).any():
        row = int(np.flatnonzero(((P < -1e-9) | (P > 1 + 1e-9)).any(axis=1))[0])
        raise ModelError(
            f"{who}: probabilities outside [0, 1] (first: row {row}); return probabilities, not logits"
        )
    hard = n_rows > HANDFUL and is_one_hot(P)
    if hard and not allow_hard_labels:
        raise ModelError(
            f"{who}: predict_proba returned hard 0/1 labels (all {n_rows} rows one-hot); return class "
            "probabilities (AUROC from 0/1 scores is one threshold's balanced accuracy), or set "
            "allow_hard_labels: true in the model config"
        )
    sums = P.sum(axis=1)
    tol = sum_tolerance(dtype, n_classes)
    off = np.abs(sums - 1) > tol
    if off.any():
        row = int(np.flatnonzero(off)[0])
        raise ModelError(
            f"{who}: probabilities in row {row} sum to {sums[row]:.6g}, not 1 (tolerance {tol:.2g} for "
            f"{dtype}); normalise them (e.g. softmax)"
        )
    deviation = float(np.abs(sums - 1).max()) if len(sums) else 0.0
    P = np.clip(P, 0.0, 1.0)
    P /= P.sum(axis=1, keepdims=True)
    if log is not None:
        log.add(ProbabilityCheck(str(dtype), tol, deviation, bool(hard), n_rows))
    return P


def check_matrix(A, *, n_rows: int, model_id: str, what: str) -> np.ndarray:  # noqa: ANN001
    """A finite float array with one row per input (embeddings, reconstructions)."""
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


def check_embeddings(A, *, n_rows: int, model_id: str) -> np.ndarray:  # noqa: ANN001
    """One vector per input: a finite (n, d) array. A (n, tokens, d) output is refused with the
    pooling that would make one, rather than flattened silently (which mixes token positions)."""
    A = check_matrix(A, n_rows=n_rows, model_id=model_id, what="embed() output")
    if A.ndim == 2:
        return A
    shape = "(" + ", ".join(["n", *map(str, A.shape[1:])]) + (",)" if A.ndim == 1 else ")")
    who = f"model {model_id!r}"
    if A.ndim == 1:
        raise ModelError(f"{who}: embed() returned shape {shape}, one number per input; return an (n, d) "
                         f"array (reshape to (n, 1) if each input has a single feature)")
    axes = "axis 1" if A.ndim == 3 else f"axes 1 to {A.ndim - 2}"
    raise ModelError(
        f"{who}: embed() returned shape {shape}; return one vector per input: pool over {axes} (mean) and "
        f"flatten, or reshape to (n, {int(np.prod(A.shape[1:]))})"
    )
