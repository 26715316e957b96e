"""Subgroup gaps with uncertainty: a bootstrap CI and a permutation p-value per dimension.

A record's "largest gap" is the largest minus the smallest of several noisy group values, so
it is positive even when the model treats every group alike: with site, sex and age assigned
at random a record still shows an AUROC gap of 0.05. Each (metric, dimension) gap therefore gets

- a **CI from the same bootstrap replicates** as the group values (the gap of each replicate),
  through the same interval rules as every metric (widened to the estimate where the
  percentile interval excludes it, which the upward bias of a max−min makes common);
- a **permutation p-value**: the group labels are permuted among the compared rows, the gap
  recomputed, and p = (1 + #{permuted gap ≥ observed}) / (1 + #permutations), the standard
  estimate that is never 0 (Phipson & Smyth 2010). Permutations are seeded per dimension and
  computed as 0/1 row-weight matrices through each metric's vectorised ``batch`` — the same
  kernels as the bootstrap, no Python loop over permutations;
- a **Holm adjustment** across the dimensions tested for that metric in the record.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from fmbench.metrics.bootstrap import chunk_for, chunk_sizes
from fmbench.metrics.intervals import choose_interval
from fmbench.multiple_testing import holm
from fmbench.records.schema import GapTest

MIN_VALID_PERMUTATIONS = 0.5  # share of permutations with a defined gap below which p is withheld


def _dimension_key(dimension: str) -> int:
    """A stable integer per dimension name, so its permutations do not depend on the others."""
    return int.from_bytes(hashlib.sha256(dimension.encode()).digest()[:4], "little")


def permutation_gaps(data: Any, codes: np.ndarray, n_groups: int, metric: Any, *, n_permutations: int,
                     seed: int, dimension: str) -> np.ndarray:
    """Gap (max − min over groups) of ``metric`` for each of ``n_permutations`` random relabellings
    of ``codes`` (group code per row of ``data``); NaN where some group's value is undefined."""
    order = data.bootstrap_order() if hasattr(data, "bootstrap_order") else None
    if order is not None:  # the layout in which the AUROC kernel needs no per-replicate gather
        data, codes = data.subset(order), codes[order]
    m = len(codes)
    out = []
    for c, size in enumerate(chunk_sizes(n_permutations, chunk_for(m))):
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(2, _dimension_key(dimension), c)))
        perm = rng.permuted(np.broadcast_to(codes, (size, m)), axis=1)
        values = np.stack([metric.batch(data, (perm == g).astype(np.int64)) for g in range(n_groups)])
        out.append(values.max(axis=0) - values.min(axis=0))  # NaN propagates
    return np.concatenate(out) if out else np.empty(0)


def permutation_p(observed: float, permuted: np.ndarray) -> tuple[float | None, int]:
    """(p, permutations used): (1 + #{gap ≥ observed}) / (1 + #valid); None if too few are defined."""
    valid = permuted[np.isfinite(permuted)]
    if len(permuted) == 0 or len(valid) < MIN_VALID_PERMUTATIONS * len(permuted):
        return None, len(valid)
    tol = 1e-12 * max(1.0, abs(observed))  # a permutation that reproduces the gap counts as extreme
    return float((1 + np.count_nonzero(valid >= observed - tol)) / (1 + len(valid))), len(valid)


def gap_tests(
    data: Any,
    metrics: Sequence[Any],
    dims: Mapping[str, list[tuple[str, np.ndarray]]],
    group_points: Mapping[tuple[str, str, str], tuple[float, str | None]],
    group_reps: Mapping[tuple[str, str, str], np.ndarray],
    *,
    n_permutations: int,
    seed: int,
    confidence: float = 0.95,
    clustered: bool = False,
) -> dict[str, dict[str, GapTest]]:
    """metric -> dimension -> GapTest, for every dimension with two or more groups in which the
    metric is defined (``dims``: dimension -> [(group, row mask)] of the shown groups)."""
    out: dict[str, dict[str, GapTest]] = {}
    for m in metrics:
        tests: dict[str, GapTest] = {}
        for dim, groups in dims.items():
            defined = [(g, mask) for g, mask in groups if np.isfinite(group_points[(dim, g, m.name)][0])]
            if len(defined) < 2:
                continue
            values = np.array([group_points[(dim, g, m.name)][0] for g, _ in defined])
            gap = float(values.max() - values.min())
            reps = [group_reps.get((dim, g, m.name)) for g, _ in defined]
            reason = None
            if all(r is not None for r in reps):
                stacked = np.stack(reps)
                interval = choose_interval(gap, stacked.max(axis=0) - stacked.min(axis=0), confidence,
                                           clustered=clustered)
                ci, ci_method, reason = interval.ci, interval.method, interval.reason
            else:
                ci, ci_method = None, None
            p, used = None, None
            if n_permutations > 0:
                rows = np.zeros(len(defined[0][1]), dtype=bool)
                codes_full = np.full(len(rows), -1)
                for k, (_, mask) in enumerate(defined):
                    rows |= mask
                    codes_full[mask] = k
                permuted = permutation_gaps(data.subset(rows), codes_full[rows], len(defined), m,
                                            n_permutations=n_permutations, seed=seed, dimension=dim)
                p, used = permutation_p(gap, permuted)
                if p is None:
                    reason = (reason + "; " if reason else "") + (
                        f"no permutation p: the gap is undefined in {1 - used / n_permutations:.0%} "
                        "of permutations"
                    )
            tests[dim] = GapTest(
                value=gap,
                groups=len(defined),
                ci=ci,
                ci_method=ci_method,
                reason=reason,
                p_value=p,
                permutations=used if p is not None else None,
            )
        adjusted = holm([t.p_value if t.p_value is not None else float("nan") for t in tests.values()])
        out[m.name] = {
            dim: t.model_copy(update={"p_adjusted": None if np.isnan(a) else float(a)})
            for (dim, t), a in zip(tests.items(), adjusted, strict=True)
        }
    return out
