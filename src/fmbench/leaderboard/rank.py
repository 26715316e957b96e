"""Ordering and tie groups.

Rows are sorted by the primary metric in its direction. Walking down the sorted list, each
row is compared with the *first* row of the current rank group (never with its immediate
neighbour, so ties do not chain down the table):

1. **paired** — both records carry bootstrap replicates of the primary metric made with the
   same scheme (same ``bootstrap.scheme``, same ``B``): the replicates resampled the same rows,
   so the difference ``a - b`` per replicate is a bootstrap distribution of the paired
   difference. Tied when its percentile interval (at the records' confidence, default 95%)
   contains 0.
2. **ci** — otherwise, when both have a CI: tied when the intervals overlap.
3. **value** — otherwise (at least one record has no CI, e.g. a reported result): when exactly
   one has a CI, tied when the other's point value lies inside it; when neither has one, tied
   only when the point values are equal. Without any uncertainty we do not invent ties.

A row tied with its group's first row shows that row's rank with ``=`` ("=2"), as does the
first row of a group with more than one member.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy is imported when first needed: an unchanged rebuild never ranks
    import numpy as np

from fmbench.records.schema import EvalRecord


@dataclass(frozen=True)
class Comparison:
    tied: bool
    method: str  # "paired" | "ci" | "value"
    p_better: float | None = None  # share of replicates in which `better` beats `other` (ties half)


def paired_difference(
    better: np.ndarray, other: np.ndarray, *, direction: str, confidence: float = 0.95
) -> tuple[float, float, float]:
    """(lower, upper, P(better wins)) of the paired bootstrap difference, oriented so that
    positive means `better` is better. NaN replicate pairs are dropped."""
    import numpy as np

    d = np.asarray(better, dtype=float) - np.asarray(other, dtype=float)
    if direction == "lower":
        d = -d
    d = d[np.isfinite(d)]
    if d.size == 0:
        return float("nan"), float("nan"), float("nan")
    alpha = (1.0 - confidence) / 2.0
    lo, hi = np.quantile(d, [alpha, 1.0 - alpha])
    return float(lo), float(hi), float(np.mean(d > 0) + 0.5 * np.mean(d == 0))  # ties count half


def _replicates(rec: EvalRecord, metric: str, memo: dict[str, np.ndarray | None] | None) -> np.ndarray | None:
    if rec.bootstrap is None:
        return None
    if memo is None:
        return rec.bootstrap.replicate_array(metric)
    if rec.eval_id not in memo:
        memo[rec.eval_id] = rec.bootstrap.replicate_array(metric)
    return memo[rec.eval_id]


def compare(
    better: EvalRecord,
    other: EvalRecord,
    metric: str,
    *,
    direction: str,
    memo: dict[str, np.ndarray | None] | None = None,
) -> Comparison:
    """Can `other` (ranked below) be told apart from `better` on `metric`?"""
    a, b = better.metrics[metric], other.metrics[metric]
    assert a.value is not None and b.value is not None
    bb, bo = better.bootstrap, other.bootstrap
    if bb is not None and bo is not None and bb.scheme == bo.scheme and bb.B == bo.B:
        ra, rb = _replicates(better, metric, memo), _replicates(other, metric, memo)
        if ra is not None and rb is not None and ra.shape == rb.shape and ra.size:
            lo, hi, p = paired_difference(ra, rb, direction=direction, confidence=bb.confidence)
            if math.isfinite(lo):
                return Comparison(tied=bool(lo <= 0.0 <= hi), method="paired", p_better=round(p, 6))
    if a.ci is not None and b.ci is not None:
        overlap = a.ci[0] <= b.ci[1] and b.ci[0] <= a.ci[1]
        return Comparison(tied=bool(overlap), method="ci")
    if a.ci is not None:
        return Comparison(tied=bool(a.ci[0] <= b.value <= a.ci[1]), method="value")
    if b.ci is not None:
        return Comparison(tied=bool(b.ci[0] <= a.value <= b.ci[1]), method="value")
    return Comparison(tied=a.value == b.value, method="value")


def sort_key(value: float, direction: str) -> float:
    """Smaller key = better."""
    return -value if direction == "higher" else value


@dataclass(frozen=True)
class RankedEntry:
    rank: int
    label: str
    tied: bool
    comparison: Comparison | None


def tie_groups(records: Sequence[EvalRecord], metric: str, *, direction: str) -> list[RankedEntry]:
    """Ranks for records already sorted best first (competition ranking with tie groups)."""
    ranks: list[int] = []
    comparisons: list[Comparison | None] = []
    leader = 0
    memo: dict[str, np.ndarray | None] = {}
    for i, rec in enumerate(records):
        if i == 0:
            ranks.append(1)
            comparisons.append(None)
            continue
        cmp = compare(records[leader], rec, metric, direction=direction, memo=memo)
        comparisons.append(cmp)
        if cmp.tied:
            ranks.append(ranks[leader])
        else:
            leader = i
            ranks.append(i + 1)
    counts: dict[int, int] = {}
    for r in ranks:
        counts[r] = counts.get(r, 0) + 1
    out = []
    for r, c in zip(ranks, comparisons, strict=True):
        tied = counts[r] > 1
        out.append(
            RankedEntry(
                rank=r,
                label=f"={r}" if tied else str(r),
                tied=tied,
                comparison=c if (c is not None and c.tied) else None,
            )
        )
    return out
