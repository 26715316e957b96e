"""Near-duplicate DNA sequences: groups of sequences that share a long exact stretch.

Sequence sets cut from a genome often hold overlapping windows (promoters of alternative
transcription start sites a few bases apart, enhancers called twice). Cross-validation that puts
one window in training and its overlapping twin in the test fold measures memory, not biology.
``overlap_groups`` finds every pair of sequences sharing an exact substring of at least
``min_shared`` bases on either strand, and returns the connected components as group labels, so a
suite can split and bootstrap by group.

Exact, not heuristic: any shared stretch of ``w = min_shared`` bases contains a whole block of
``b = w // 2`` bases starting at a multiple of ``b`` in the first sequence; so every aligned block
of every sequence is looked up among all windows of length ``b`` of every sequence (both strands,
by a 64-bit polynomial hash), and each hit is extended along its diagonal to the full length of
the identical stretch, which must reach ``w``. Windows holding an N never match.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fmbench.data.sequences import N_CODE, codes, reverse_complement_codes

_BASE = np.uint64(0x9E3779B97F4A7C15)  # odd multiplier of the rolling hash (mod 2**64)


@dataclass(frozen=True)
class OverlapGroups:
    """Group label of each sequence and the pairs that made them."""

    groups: np.ndarray  # int64 component label per sequence (0..n_groups-1, first-seen order)
    pairs: np.ndarray  # (k, 3): i < j and the longest shared stretch in bases

    @property
    def n_groups(self) -> int:
        return int(self.groups.max()) + 1 if len(self.groups) else 0

    def sizes(self) -> np.ndarray:
        return np.bincount(self.groups) if len(self.groups) else np.zeros(0, dtype=np.int64)


def _window_hashes(C: np.ndarray, b: int) -> tuple[np.ndarray, np.ndarray]:
    """Hash of every length-``b`` window of every row, and whether the window is all A/C/G/T."""
    n, width = C.shape
    m = max(width - b + 1, 0)
    h = np.zeros((n, m), dtype=np.uint64)
    ok = np.ones((n, m), dtype=bool)
    with np.errstate(over="ignore"):
        for t in range(b):
            col = C[:, t : t + m]
            h = h * _BASE + (col.astype(np.uint64) + np.uint64(1))
            ok &= col < N_CODE
    return h, ok


def _run_length(A: np.ndarray, B: np.ndarray, start_a: np.ndarray, start_b: np.ndarray, b: int) -> np.ndarray:
    """Length of the identical stretch through each hit (rows of A and B aligned at the starts)."""
    width = A.shape[1]
    shift = start_b - start_a  # B[x + shift] is compared with A[x]
    x = np.arange(width)
    xb = x[None, :] + shift[:, None]
    inside = (xb >= 0) & (xb < B.shape[1])
    Bx = np.take_along_axis(B, np.clip(xb, 0, B.shape[1] - 1), axis=1)
    eq = inside & (A == Bx) & (A < N_CODE)
    # nearest unequal position before the block and after it
    idx = np.where(~eq, x[None, :], -1)
    last_bad = np.maximum.accumulate(idx, axis=1)
    idx_r = np.where(~eq, x[None, :], width)
    next_bad = np.minimum.accumulate(idx_r[:, ::-1], axis=1)[:, ::-1]
    rows = np.arange(len(A))
    left = last_bad[rows, start_a]  # the block itself is equal, so this is before the block
    right = next_bad[rows, np.minimum(start_a + b - 1, width - 1)]
    return right - left - 1


def overlap_groups(X: np.ndarray, min_shared: int = 50, *, chunk: int = 20000) -> OverlapGroups:
    """Connected components of "shares >= ``min_shared`` identical bases, either strand"."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    if min_shared < 2:
        raise ValueError("min_shared must be at least 2")
    n = len(X)
    b = min_shared // 2
    fwd = codes(X)
    lens = (fwd != 255).sum(axis=1)
    rev = reverse_complement_codes(fwd, lens)
    hf, okf = _window_hashes(fwd, b)
    hr, okr = _window_hashes(rev, b)
    if hf.shape[1] == 0:
        return OverlapGroups(np.arange(n, dtype=np.int64), np.zeros((0, 3), dtype=np.int64))
    m = hf.shape[1]
    # aligned forward blocks, sorted by hash: the (few) keys every window is looked up in
    aligned = okf & (np.arange(m) % b == 0)[None, :]
    a_row, a_start = np.nonzero(aligned)
    a_h = hf[a_row, a_start]
    order = np.argsort(a_h, kind="stable")
    a_row, a_start, a_h = a_row[order], a_start[order], a_h[order]
    hit_block_parts, hit_row, hit_start, hit_strand = [], [], [], []
    for strand, (h, ok) in enumerate(((hf, okf), (hr, okr))):
        flat = h.ravel()
        lo = np.searchsorted(a_h, flat, side="left")
        hi = np.searchsorted(a_h, flat, side="right")
        counts = np.where(ok.ravel(), hi - lo, 0)
        where = np.flatnonzero(counts)
        reps = counts[where]
        first = np.repeat(lo[where], reps)
        offset = np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)
        hit_block_parts.append(first + offset)
        rows, starts = np.divmod(np.repeat(where, reps), m)
        hit_row.append(rows)
        hit_start.append(starts)
        hit_strand.append(np.full(len(rows), strand, dtype=np.int8))
    hit_block = np.concatenate(hit_block_parts)
    win_row, win_start = np.concatenate(hit_row), np.concatenate(hit_start)
    win_strand = np.concatenate(hit_strand)
    keep = win_row != a_row[hit_block]
    hit_block, win_row, win_start, win_strand = hit_block[keep], win_row[keep], win_start[keep], win_strand[keep]
    parts: list[np.ndarray] = []
    for s in range(0, len(hit_block), chunk):
        hb, part = hit_block[s : s + chunk], slice(s, s + chunk)
        i, j = a_row[hb], win_row[part]
        other = np.where(win_strand[part][:, None] == 0, fwd[j], rev[j])
        run = _run_length(fwd[i], other, a_start[hb], win_start[part], b)
        good = run >= min_shared
        parts.append(np.stack([np.minimum(i, j)[good], np.maximum(i, j)[good], run[good]], axis=1))
    hits = np.concatenate(parts) if parts else np.zeros((0, 3), dtype=np.int64)
    pairs = np.zeros((0, 3), dtype=np.int64)
    if len(hits):  # one row per pair, with its longest shared stretch
        order = np.lexsort((-hits[:, 2], hits[:, 1], hits[:, 0]))
        hits = hits[order]
        first = np.r_[True, np.any(hits[1:, :2] != hits[:-1, :2], axis=1)]
        pairs = hits[first].astype(np.int64)
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    _, first = np.unique(labels, return_index=True)
    rank = np.argsort(np.argsort(first))  # labels renumbered in order of each group's first row
    return OverlapGroups(rank[labels].astype(np.int64), pairs)
