"""Seeded, vectorised bootstrap.

A replicate is described by how many times each row is drawn (a row of a ``(B, n)`` count
matrix). Metrics are written as functions of such weights, so all replicates of a chunk are
computed with array operations and no Python loop over replicates. The counts are a pure
function of (n, B, seed, clusters): two runs on the same data with the same scheme resample
the same rows, so their replicate vectors can be compared *paired*.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

CHUNK_ELEMENTS = 1 << 19  # ~4 MB of float64 counts per chunk: stays in cache, which is 3-5x faster


def chunk_for(n: int) -> int:
    """Replicates per chunk: a pure function of n, so the same (n, seed) gives the same replicates."""
    return max(2, min(64, CHUNK_ELEMENTS // max(n, 1)))


@dataclass(frozen=True)
class BootstrapScheme:
    n_boot: int = 1000
    seed: int = 42
    cluster_column: str | None = None
    confidence: float = 0.95
    n_permutations: int = 1000  # subgroup gap tests; not in the scheme digest: no replicate depends on it


def cluster_codes(values) -> np.ndarray:  # noqa: ANN001
    """Integer cluster code per row, in order of first appearance (stable across runs)."""
    _, first, inverse = np.unique(np.asarray(values, dtype=object).astype(str), return_index=True,
                                  return_inverse=True)
    order = np.argsort(np.argsort(first))
    return order[inverse].astype(np.int64)


def scheme_digest(scheme: BootstrapScheme, *, dataset_digest: str, row_ids, clusters: np.ndarray | None) -> str:  # noqa: ANN001
    """Identify the resampling: same digest ⇒ same resampled rows in every replicate."""
    h = hashlib.sha256()
    h.update(f"fmbench-bootstrap-v2|{dataset_digest}|{scheme.n_boot}|{scheme.seed}|{scheme.cluster_column}|".encode())
    h.update("\x1f".join(np.asarray(row_ids).astype(str).tolist()).encode())  # unit separator: [1,12] != [11,2]
    if clusters is not None:
        h.update(np.ascontiguousarray(clusters, dtype="<i8").tobytes())
    return "sha256:" + h.hexdigest()


def _rank_of(order: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Position of each row in ``order`` (cached for the last order seen by this thread)."""
    cached = getattr(_rank_cache, "value", None)
    if cached is not None and cached[0] is order and cached[1].dtype == dtype:
        return cached[1]
    rank = np.empty(len(order), dtype=dtype)
    rank[order] = np.arange(len(order), dtype=dtype)
    _rank_cache.value = (order, rank)
    return rank


_rank_cache = threading.local()


def chunk_sizes(n_boot: int, chunk: int) -> list[int]:
    return [min(chunk, n_boot - c) for c in range(0, n_boot, chunk)]


def chunk_counts(n: int, chunk_index: int, size: int, *, seed: int,
                 clusters: np.ndarray | None = None, order: np.ndarray | None = None) -> np.ndarray:
    """Draw counts of one chunk of replicates as a ``(size, n)`` float64 matrix.

    Chunk ``c`` uses ``SeedSequence(seed, spawn_key=(c,))``, so chunks can be computed in
    any order or in parallel with identical results. With ``order``, column ``j`` holds the
    count of row ``order[j]`` (the same replicates, laid out in another column order; the
    protocol uses score order so AUROC needs no per-replicate sort).
    """
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(chunk_index,)))
    n_units = n if clusters is None else int(clusters.max()) + 1
    draws = rng.integers(0, n_units, size=(size, n_units), dtype=np.int32 if n_units < 2**31 // max(size, 1) else np.int64)
    if clusters is None and order is not None:
        np.take(_rank_of(order, draws.dtype), draws, out=draws, mode="clip")  # in range by construction; "raise" checks cost 10x
    draws += (np.arange(size, dtype=draws.dtype) * n_units)[:, None]
    unit_counts = np.bincount(draws.ravel(), minlength=size * n_units).reshape(size, n_units)
    if clusters is not None:
        cols = clusters if order is None else clusters[order]
        unit_counts = unit_counts[:, cols]
    return unit_counts  # int64 draw counts; kernels cast where they compute


def resample_counts(n: int, *, n_boot: int, seed: int, clusters: np.ndarray | None = None,
                    order: np.ndarray | None = None) -> Iterator[np.ndarray]:
    """Yield ``(b, n)`` float64 matrices of draw counts, ``b <= chunk_for(n)``, ``n_boot`` rows in all.

    Without clusters each replicate draws n rows with replacement; with clusters it draws as
    many clusters as there are, with replacement, and every row of a drawn cluster counts.
    """
    if n <= 0:
        return
    sizes = chunk_sizes(n_boot, chunk_for(n))
    for c, size in enumerate(sizes):
        yield chunk_counts(n, c, size, seed=seed, clusters=clusters, order=order)


def counts_to_indices(counts_row: np.ndarray) -> np.ndarray:
    """The resampled row indices of one replicate (for slow reference computations)."""
    return np.repeat(np.arange(len(counts_row)), counts_row.astype(np.int64))
