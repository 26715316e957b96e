"""Ordering, tie groups and rank intervals of one ranked table.

Rows (one per model, all measured on the same test set) are sorted by the primary metric in
its direction. Two rules decide which rows cannot be told apart, chosen per table:

**paired** — every row carries bootstrap replicates made with the same scheme (same
``bootstrap.scheme`` and ``B``): replicate *b* of every row resampled the same rows, so

- each pair (i, j) gets a two-sided paired bootstrap p-value from the replicate differences
  ``d = r_i - r_j`` (NaN pairs dropped): ``p = min(1, 2 · min(P(d ≤ 0), P(d ≥ 0)))``; the
  95% percentile interval of ``d`` contains 0 exactly when this p is at least 0.05 (up to the
  quantile's interpolation);
- the p-values of **all pairs of the table** (the comparisons a reader makes) are adjusted
  with Holm's step-down method, so the table as a whole keeps the 5% family-wise error rate;
- walking down the sorted rows, a row is tied with the first row of the current rank group
  when their Holm-adjusted p is at least 0.05 (never compared with its neighbour, so ties do
  not chain down the table); otherwise it starts a new group;
- each row's **95% rank interval** ranks every replicate (competition ranking: 1 + the
  number of rows strictly better in that replicate; replicates where any row is undefined
  are dropped) and takes the 2.5% and 97.5% quantiles of the row's ranks (inverted-CDF
  quantiles, so the bounds are ranks that occur).

**ci** — otherwise (rows resampled differently or without replicates): the rule of the first
release, stated in the table's footer. A row is tied with its group's first row when both
95% CIs overlap; when only one has a CI, when the other's point value lies inside it; when
neither has one, only when the point values are equal. No p-values, no rank intervals.

A row tied with its group's first row shows that row's rank with ``=`` ("=2"), as does the
first row of a group with more than one member.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fmbench.multiple_testing import holm

if TYPE_CHECKING:  # numpy is imported when first needed: an unchanged rebuild never ranks
    import numpy as np

ALPHA = 0.05


@dataclass
class Entry:
    """One row to rank: its point value, CI and (optionally) replicates of the same metric.

    ``scheme`` identifies the resampling; rows are compared paired only when every row of the
    table has replicates and the same scheme."""

    value: float
    ci: tuple[float, float] | None = None
    scheme: object | None = None
    replicates: np.ndarray | None = None


@dataclass(frozen=True)
class Comparison:
    tied: bool
    method: str  # "paired" | "ci" | "value"
    p_better: float | None = None  # share of replicates in which the leader beats this row (ties half)
    p_adjusted: float | None = None  # Holm-adjusted two-sided p-value against the group's first row


@dataclass(frozen=True)
class RankedEntry:
    rank: int
    label: str
    tied: bool
    comparison: Comparison | None  # against the first row of its rank group (None for that row)
    interval: tuple[int, int] | None = None


@dataclass
class TableRanking:
    method: str  # "paired" | "ci"
    entries: list[RankedEntry]
    comparisons: int = 0  # size of the Holm family (pairs), paired method only
    replicates_used: int = 0  # replicates every row defines (rank intervals), paired method only
    notes: list[str] = field(default_factory=list)


def sort_key(value: float, direction: str) -> float:
    """Smaller key = better."""
    return -value if direction == "higher" else value


def paired_difference(
    better: np.ndarray, other: np.ndarray, *, direction: str, confidence: float = 0.95
) -> tuple[float, float, float]:
    """(lower, upper, P(better wins)) of the paired bootstrap difference, oriented so that
    positive means `better` is better. NaN replicate pairs are dropped."""
    import numpy as np

    d = _oriented_difference(better, other, direction)
    if d.size == 0:
        return float("nan"), float("nan"), float("nan")
    alpha = (1.0 - confidence) / 2.0
    lo, hi = np.quantile(d, [alpha, 1.0 - alpha])
    return float(lo), float(hi), float(np.mean(d > 0) + 0.5 * np.mean(d == 0))  # ties count half


def _oriented_difference(a: np.ndarray, b: np.ndarray, direction: str) -> np.ndarray:
    import numpy as np

    d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    if direction == "lower":
        d = -d
    return d[np.isfinite(d)]


def paired_pvalue(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sided paired bootstrap p-value of 'no difference': 2 · min(P(d ≤ 0), P(d ≥ 0)), capped
    at 1; NaN when no replicate pair is defined."""
    import numpy as np

    d = _oriented_difference(a, b, "higher")
    if d.size == 0:
        return float("nan")
    return float(min(1.0, 2.0 * min(np.mean(d <= 0), np.mean(d >= 0))))


def rank_intervals(
    reps: np.ndarray, direction: str, confidence: float = 0.95
) -> tuple[list[tuple[int, int]], int]:
    """Per row, the (lower, upper) quantiles of its rank over the replicates (rows × B array),
    and how many replicates were used (those where every row is defined)."""
    import numpy as np

    keep = np.all(np.isfinite(reps), axis=0)
    r = reps[:, keep]
    if r.shape[1] == 0:
        return [], 0
    scores = -r if direction == "higher" else r  # smaller is better
    order = np.sort(scores, axis=0)
    # competition rank: 1 + number of rows strictly better in that replicate
    ranks = np.empty(scores.shape, dtype=np.int64)
    for j in range(scores.shape[1]):
        ranks[:, j] = np.searchsorted(order[:, j], scores[:, j], side="left") + 1
    alpha = (1.0 - confidence) / 2.0
    lo = np.quantile(ranks, alpha, axis=1, method="inverted_cdf")
    hi = np.quantile(ranks, 1.0 - alpha, axis=1, method="inverted_cdf")
    return [(int(a), int(b)) for a, b in zip(lo, hi, strict=True)], int(r.shape[1])


def _labels(ranks: list[int]) -> tuple[list[str], list[bool]]:
    counts: dict[int, int] = {}
    for r in ranks:
        counts[r] = counts.get(r, 0) + 1
    tied = [counts[r] > 1 for r in ranks]
    return [f"={r}" if t else str(r) for r, t in zip(ranks, tied, strict=True)], tied


def _walk(n: int, tied_with: object) -> tuple[list[int], list[Comparison | None]]:
    """Competition ranks: each row compared with the first row of the current group."""
    ranks: list[int] = []
    comps: list[Comparison | None] = []
    leader = 0
    for i in range(n):
        if i == 0:
            ranks.append(1)
            comps.append(None)
            continue
        cmp = tied_with(leader, i)  # type: ignore[operator]
        comps.append(cmp)
        if cmp.tied:
            ranks.append(ranks[leader])
        else:
            leader = i
            ranks.append(i + 1)
    return ranks, comps


def _ci_comparison(a: Entry, b: Entry) -> Comparison:
    if a.ci is not None and b.ci is not None:
        return Comparison(tied=bool(a.ci[0] <= b.ci[1] and b.ci[0] <= a.ci[1]), method="ci")
    if a.ci is not None:
        return Comparison(tied=bool(a.ci[0] <= b.value <= a.ci[1]), method="value")
    if b.ci is not None:
        return Comparison(tied=bool(b.ci[0] <= a.value <= b.ci[1]), method="value")
    return Comparison(tied=a.value == b.value, method="value")


def _pairable(entries: Sequence[Entry]) -> bool:
    if len(entries) < 2:
        return False
    first = entries[0]
    return all(
        e.replicates is not None
        and e.scheme is not None
        and e.scheme == first.scheme
        and e.replicates.shape == first.replicates.shape  # type: ignore[union-attr]
        and e.replicates.size > 0
        for e in entries
    )


def rank_table(entries: Sequence[Entry], *, direction: str, confidence: float = 0.95) -> TableRanking:
    """Ranks, tie groups and rank intervals of rows already sorted best first."""
    if not _pairable(entries):
        ranks, comps = _walk(len(entries), lambda i, j: _ci_comparison(entries[i], entries[j]))
        return TableRanking("ci", _entries(ranks, comps, None))
    import numpy as np

    reps = np.vstack([e.replicates for e in entries])  # type: ignore[misc]
    k = len(entries)
    pairs: list[tuple[int, int]] = [(i, j) for i in range(k) for j in range(i + 1, k)]
    raw: list[float] = []
    better: dict[tuple[int, int], float] = {}
    for i in range(k - 1):
        d = reps[i][None, :] - reps[i + 1:]
        if direction == "lower":
            d = -d
        finite = np.isfinite(d)
        n = finite.sum(axis=1)
        le = ((d <= 0) & finite).sum(axis=1)
        ge = ((d >= 0) & finite).sum(axis=1)
        gt = ((d > 0) & finite).sum(axis=1)
        eq = ((d == 0) & finite).sum(axis=1)
        for off in range(k - 1 - i):
            j = i + 1 + off
            if n[off] == 0:
                raw.append(float("nan"))
                continue
            raw.append(float(min(1.0, 2.0 * min(le[off], ge[off]) / n[off])))
            better[(i, j)] = float((gt[off] + 0.5 * eq[off]) / n[off])
    adjusted = dict(zip(pairs, holm(raw), strict=True))

    def tied_with(i: int, j: int) -> Comparison:
        p = adjusted[(i, j)]
        if p != p:  # no replicate pair defined: fall back to the intervals for this pair
            c = _ci_comparison(entries[i], entries[j])
            return Comparison(tied=c.tied, method=c.method)
        return Comparison(tied=p >= ALPHA, method="paired", p_better=round(better[(i, j)], 6),
                          p_adjusted=round(p, 6))

    ranks, comps = _walk(k, tied_with)
    intervals, used = rank_intervals(reps, direction, confidence)
    notes = [] if used == reps.shape[1] else [f"{reps.shape[1] - used} replicate(s) undefined for some row"]
    return TableRanking("paired", _entries(ranks, comps, intervals or None), comparisons=len(pairs),
                        replicates_used=used, notes=notes)


def _entries(ranks: list[int], comps: list[Comparison | None],
             intervals: list[tuple[int, int]] | None) -> list[RankedEntry]:
    labels, tied = _labels(ranks)
    return [
        RankedEntry(
            rank=r,
            label=lab,
            tied=t,
            comparison=c if (c is not None and c.tied) else None,
            interval=intervals[i] if intervals else None,
        )
        for i, (r, lab, t, c) in enumerate(zip(ranks, labels, tied, comps, strict=True))
    ]
