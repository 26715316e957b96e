"""Seeded, vectorised bootstrap.

A replicate is described by how many times each row is drawn (a row of a ``(B, n)`` count
matrix). Metrics are written as functions of such weights, so all replicates of a chunk are
computed with array operations and no Python loop over replicates. The counts are a pure
function of (n, B, seed, clusters): two runs on the same data with the same scheme resample
the same rows, so their replicate vectors can be compared *paired*.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

CHUNK = 64  # replicates per chunk; fixed so the stream does not depend on memory settings


@dataclass(frozen=True)
class BootstrapScheme:
    n_boot: int = 1000
    seed: int = 42
    cluster_column: str | None = None
    confidence: float = 0.95


def cluster_codes(values) -> np.ndarray:  # noqa: ANN001
    """Integer cluster code per row, in order of first appearance (stable across runs)."""
    _, first, inverse = np.unique(np.asarray(values, dtype=object).astype(str), return_index=True,
                                  return_inverse=True)
    order = np.argsort(np.argsort(first))
    return order[inverse].astype(np.int64)


def scheme_digest(scheme: BootstrapScheme, *, dataset_digest: str, row_ids, clusters: np.ndarray | None) -> str:  # noqa: ANN001
    """Identify the resampling: same digest ⇒ same resampled rows in every replicate."""
    h = hashlib.sha256()
    h.update(f"fmbench-bootstrap-v1|{dataset_digest}|{scheme.n_boot}|{scheme.seed}|{scheme.cluster_column}|".encode())
    h.update(np.asarray(row_ids).astype(str).astype(object).sum().encode() if len(row_ids) else b"")
    if clusters is not None:
        h.update(np.ascontiguousarray(clusters, dtype="<i8").tobytes())
    return "sha256:" + h.hexdigest()


def resample_counts(n: int, *, n_boot: int, seed: int, clusters: np.ndarray | None = None,
                    chunk: int = CHUNK) -> Iterator[np.ndarray]:
    """Yield ``(b, n)`` float64 matrices of draw counts, ``b <= chunk``, ``n_boot`` rows in all.

    Without clusters each replicate draws n rows with replacement; with clusters it draws as
    many clusters as there are, with replacement, and every row of a drawn cluster counts.
    """
    if n <= 0:
        return
    n_units = n if clusters is None else int(clusters.max()) + 1
    n_chunks = -(-n_boot // chunk)
    for c, child in enumerate(np.random.SeedSequence(seed).spawn(n_chunks)):
        b = min(chunk, n_boot - c * chunk)
        rng = np.random.default_rng(child)
        draws = rng.integers(0, n_units, size=(b, n_units), dtype=np.int64)
        draws += (np.arange(b, dtype=np.int64) * n_units)[:, None]
        unit_counts = np.bincount(draws.ravel(), minlength=b * n_units).reshape(b, n_units)
        counts = unit_counts if clusters is None else unit_counts[:, clusters]
        yield counts.astype(np.float64)


def counts_to_indices(counts_row: np.ndarray) -> np.ndarray:
    """The resampled row indices of one replicate (for slow reference computations)."""
    return np.repeat(np.arange(len(counts_row)), counts_row.astype(np.int64))


def percentile_ci(replicates: np.ndarray, confidence: float = 0.95, *,
                  max_undefined: float = 0.05) -> tuple[tuple[float, float] | None, str | None]:
    """Percentile interval of the finite replicates, or (None, reason)."""
    reps = np.asarray(replicates, dtype=float)
    finite = reps[np.isfinite(reps)]
    if len(reps) == 0:
        return None, "no bootstrap replicates"
    undefined = 1 - len(finite) / len(reps)
    if undefined > max_undefined:
        return None, f"metric undefined in {undefined:.0%} of bootstrap resamples (group too small or one class)"
    alpha = 1 - confidence
    lo, hi = np.quantile(finite, [alpha / 2, 1 - alpha / 2])
    return (float(lo), float(hi)), None
