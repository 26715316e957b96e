"""Overall and per-subgroup metrics with bootstrap CIs, in one pass over the replicates.

Works for any data object with ``subset(mask)`` and ``__len__``-like ``n`` and any metric with
``point(data) -> (value, reason)`` and ``batch(data, W) -> values``: classification, regression
and report metrics share it. Groups below ``min_group_size`` are withheld and counted
(small-cell suppression); when that withholds exactly one group of a dimension, the smallest
shown group is withheld too, so the first cannot be recovered by subtraction (complementary
suppression). Per metric: worst group and largest gap, in the metric's direction; each
dimension's gap with a bootstrap CI and a permutation p-value (``fmbench.metrics.gaps``).
Intervals follow ``fmbench.metrics.intervals`` (exact for proportions at 0 or N, no
zero-width bootstrap intervals, widened to the estimate where the percentile one excludes it).
Subgroup CIs come from the same replicates restricted to the group's rows, so they stay
paired across models too.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from fmbench.metrics.bootstrap import BootstrapScheme, chunk_counts, chunk_for, chunk_sizes
from fmbench.metrics.gaps import gap_tests
from fmbench.metrics.intervals import choose_interval
from fmbench.records.schema import GapTest, GroupResult, MetricValue, SubgroupSummary, WorstGroup


class GroupableData(Protocol):
    def subset(self, mask: np.ndarray) -> Any: ...


class BatchMetric(Protocol):
    name: str

    def point(self, data: Any) -> tuple[float, str | None]: ...

    def batch(self, data: Any, W: np.ndarray) -> np.ndarray: ...


@dataclass
class GroupedResult:
    metrics: dict[str, MetricValue]
    stratified: dict[str, dict[str, GroupResult]]
    withheld: dict[str, int]
    subgroups: dict[str, SubgroupSummary]
    replicates: dict[str, np.ndarray] = field(default_factory=dict)


def _value(metric: BatchMetric, data: Any, point: float, reason: str | None, reps: np.ndarray | None, n: int,
           confidence: float, *, clustered: bool, with_n: bool = True) -> MetricValue:
    if not np.isfinite(point):
        return MetricValue(value=None, n=n if with_n else None, reason=reason or "undefined")
    counts_of = getattr(metric, "counts", None)
    counts = counts_of(data) if counts_of is not None and reps is not None else None
    interval = choose_interval(point, reps, confidence, counts=counts, clustered=clustered)
    return MetricValue(value=float(point), ci=interval.ci, ci_method=interval.method, n=n if with_n else None,
                       reason=interval.reason)


def evaluate_grouped(
    data: Any,
    n: int,
    metrics: Sequence[BatchMetric],
    *,
    strata: Mapping[str, np.ndarray] | None = None,
    scheme: BootstrapScheme | None = None,
    clusters: np.ndarray | None = None,
    min_group_size: int = 10,
    directions: Mapping[str, str] | None = None,
    targets: Mapping[str, tuple[float, float]] | None = None,
    on_replicates: Callable[[int], None] | None = None,
) -> GroupedResult:
    """``on_replicates(k)``: told each time k more bootstrap replicates are done (a progress bar)."""
    strata = strata or {}
    directions = directions or {}
    targets = targets or {}
    groups: list[tuple[str, str, np.ndarray, Any]] = []
    withheld: dict[str, int] = {}
    for dim, labels in strata.items():
        labels = np.asarray(labels, dtype=object)
        present = ~np.array([v is None or (isinstance(v, float) and np.isnan(v)) for v in labels])
        masks = {g: present & (labels.astype(str) == g) for g in sorted({str(v) for v in labels[present]})}
        small = {g for g, mask in masks.items() if mask.sum() < min_group_size}
        shown = [g for g in masks if g not in small]
        if len(small) == 1 and shown:
            # complementary suppression: one withheld group's N (and metrics such as accuracy)
            # would follow from the overall minus the shown groups, so the smallest shown group
            # is withheld too, as statistical agencies do
            small.add(min(shown, key=lambda g: (int(masks[g].sum()), g)))
        if small:
            withheld[dim] = len(small)
        groups += [(dim, g, mask, data.subset(mask)) for g, mask in masks.items() if g not in small]

    points = {m.name: m.point(data) for m in metrics}
    group_points = {(dim, g, m.name): m.point(sub) for dim, g, _, sub in groups for m in metrics}

    reps: dict[Any, list[np.ndarray]] = {}
    if scheme is not None and n > 0:
        for chunk in _replicate_chunks(data, n, metrics, groups, points, group_points, scheme, clusters,
                                       on_replicates):
            for key, values in chunk.items():
                reps.setdefault(key, []).append(values)
    rep = {k: np.concatenate(v) for k, v in reps.items()}
    conf = scheme.confidence if scheme else 0.95

    clustered = clusters is not None
    overall = {m.name: _value(m, data, *points[m.name], rep.get(m.name), n, conf, clustered=clustered)
               for m in metrics}
    stratified: dict[str, dict[str, GroupResult]] = {}
    for dim, g, mask, sub in groups:
        stratified.setdefault(dim, {})[g] = GroupResult(
            N=int(mask.sum()),
            metrics={
                m.name: _value(
                    m,
                    sub,
                    *group_points[(dim, g, m.name)],
                    rep.get((dim, g, m.name)),
                    int(mask.sum()),
                    conf,
                    clustered=clustered,
                    with_n=False,
                )
                for m in metrics
            },
        )
    gaps: dict[str, dict] = {}
    if scheme is not None and n > 0:
        dims: dict[str, list[tuple[str, np.ndarray]]] = {}
        for dim, g, mask, _sub in groups:
            dims.setdefault(dim, []).append((g, mask))
        gaps = gap_tests(
            data,
            metrics,
            dims,
            group_points,
            rep,
            n_permutations=scheme.n_permutations,
            seed=scheme.seed,
            confidence=conf,
            clustered=clustered,
        )
    summaries = {
        m.name: summarize_subgroups(
            stratified,
            m.name,
            directions.get(m.name, "higher"),
            target=targets.get(m.name),
            gaps=gaps.get(m.name),
        )
        for m in metrics
    }
    summaries = {k: v for k, v in summaries.items() if v is not None}
    return GroupedResult(
        overall, stratified, withheld, summaries, {m.name: rep[m.name] for m in metrics if m.name in rep}
    )


def _replicate_chunks(
    data: Any,
    n: int,
    metrics: Sequence[BatchMetric],
    groups: list,
    points: dict,
    group_points: dict,
    scheme: BootstrapScheme,
    clusters: np.ndarray | None,
    on_replicates: Callable[[int], None] | None = None,
) -> list[dict]:
    """Replicate values per chunk, chunks computed on two threads (NumPy releases the GIL).

    If the data offers ``bootstrap_order()`` (e.g. rows sorted by score), counts are drawn in
    that column layout and the data and group masks are permuted to match: the replicates are
    identical, only cheaper to score.
    """
    order = data.bootstrap_order() if hasattr(data, "bootstrap_order") else None
    if order is not None:
        data = data.subset(order)
        groups = [(dim, g, mask[order], data.subset(mask[order])) for dim, g, mask, _ in groups]
    live = [m for m in metrics if np.isfinite(points[m.name][0])]
    live_groups = [
        (dim, g, mask, sub, [m for m in metrics if np.isfinite(group_points[(dim, g, m.name)][0])])
        for dim, g, mask, sub in groups
    ]

    def one(c_size: tuple[int, int]) -> dict:
        c, size = c_size
        W = chunk_counts(n, c, size, seed=scheme.seed, clusters=clusters, order=order)
        out: dict[Any, np.ndarray] = {m.name: m.batch(data, W) for m in live}
        for dim, g, mask, sub, ms in live_groups:
            if ms:
                Wg = W[:, mask]
                for m in ms:
                    out[(dim, g, m.name)] = m.batch(sub, Wg)
        return out

    jobs = list(enumerate(chunk_sizes(scheme.n_boot, chunk_for(n))))
    workers = min(2, os.cpu_count() or 1, len(jobs))
    from threadpoolctl import threadpool_limits

    # BLAS on one thread in both paths: a multi-threaded matrix-vector product sums in another
    # order, so the replicates (and CIs) would depend on the machine's CPU count.
    done = on_replicates or (lambda k: None)
    out = []
    with threadpool_limits(limits=1, user_api="blas"):
        if workers <= 1:
            for job in jobs:
                out.append(one(job))
                done(job[1])
            return out
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for job, result in zip(jobs, pool.map(one, jobs), strict=True):  # in order, on this thread
                out.append(result)
                done(job[1])
            return out


def summarize_subgroups(
    stratified: Mapping[str, Mapping[str, GroupResult]],
    metric: str,
    direction: str,
    *,
    target: tuple[float, float] | None = None,
    gaps: Mapping[str, GapTest] | None = None,
) -> SubgroupSummary | None:
    """Worst group over all dimensions and the largest within-dimension gap.

    Direction ``target`` (with its band): the worst group is the one farthest outside the band.
    """
    worst: WorstGroup | None = None
    worst_key = None
    best_gap, gap_dim = None, None
    sign = -1.0 if direction == "lower" else 1.0

    def badness(v: float) -> float:  # larger = worse
        if direction == "target" and target is not None:
            return max(target[0] - v, v - target[1], 0.0)
        return -sign * v

    for dim in sorted(stratified):
        vals = [
            (g, r.metrics[metric].value)
            for g, r in sorted(stratified[dim].items())
            if metric in r.metrics and r.metrics[metric].value is not None
        ]
        if not vals:
            continue
        g_worst, v_worst = max(vals, key=lambda gv: badness(gv[1]))  # first of equals, as before
        if worst is None or badness(v_worst) > worst_key:
            worst, worst_key = WorstGroup(dimension=dim, group=g_worst, value=v_worst), badness(v_worst)
        if len(vals) >= 2:
            gap = max(v for _, v in vals) - min(v for _, v in vals)
            if best_gap is None or gap > best_gap:
                best_gap, gap_dim = gap, dim
    if worst is None:
        return None
    return SubgroupSummary(worst=worst, max_gap=best_gap, max_gap_dimension=gap_dim, gaps=dict(gaps or {}))
