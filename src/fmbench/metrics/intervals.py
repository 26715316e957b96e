"""Which confidence interval a metric gets, and the method that made it.

The percentile bootstrap is the default. It fails in three ways that a reader cannot see
from "v [lo, hi]" alone, and each gets its own answer here:

- **A proportion at 0 or N** (17 of 17 positives found): every resample gives 1.0, so the
  percentile interval is [1, 1] although 17 trials cannot rule out 0.85. Proportions of rows
  (Accuracy, Sensitivity, Specificity, overall and per stratum) then get the Clopper–Pearson
  exact interval, ``scipy.stats.binomtest(k, N).proportion_ci(method="exact")`` — also
  whenever their bootstrap is degenerate. Clopper–Pearson rather than Wilson: it never
  undercovers, and for k = N its lower bound is the familiar (α/2)^(1/N).
- **Any other metric with a degenerate bootstrap** (AUROC 1.0 with perfect separation): no
  interval is given, and the reason says why; an interval of zero width is not one.
- **An estimate outside its own percentile interval** (ECE 0.0000 with CI [0.00004, 0.042]:
  ECE and subgroup gaps are biased upward in resamples, so a value near 0 has nearly every
  replicate above it). Efron's bias-corrected (BC) percentile interval cannot help here: the
  estimate lies below the α/2 quantile exactly when z0 = Φ⁻¹(share below) < −z, and then BC's
  upper quantile Φ(2·z0 + z) is below Φ(z0), so BC's interval excludes the estimate too (the
  same holds above). The percentile interval is instead extended to reach the estimate — the
  smallest change that covers it, never narrower than the bootstrap says — and the method says
  "widened to include the estimate".

Every interval carries its method in ``MetricValue.ci_method``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_UNDEFINED = 0.05


@dataclass(frozen=True)
class Interval:
    ci: tuple[float, float] | None
    method: str | None
    reason: str | None = None  # why there is no interval


def _bootstrap_name(clustered: bool) -> str:
    return "cluster bootstrap" if clustered else "bootstrap"


def clopper_pearson(k: int, n: int, confidence: float) -> tuple[float, float]:
    from scipy.stats import binomtest

    ci = binomtest(int(k), int(n)).proportion_ci(confidence_level=confidence, method="exact")
    return float(ci.low), float(ci.high)


def choose_interval(point: float, replicates: np.ndarray | None, confidence: float = 0.95, *,
                    counts: tuple[int, int] | None = None, clustered: bool = False) -> Interval:
    """The interval of one estimate (see the module docstring for the rules).

    ``counts``: (successes, trials) when the metric is a proportion of rows. ``clustered``:
    the replicates resampled clusters, which the method name then says.
    """
    if replicates is None:
        return Interval(None, None)
    reps = np.asarray(replicates, dtype=float)
    finite = reps[np.isfinite(reps)]
    boot = _bootstrap_name(clustered)
    if len(reps) == 0:
        return Interval(None, None, "no bootstrap replicates")
    undefined = 1 - len(finite) / len(reps)
    if undefined > MAX_UNDEFINED:
        return Interval(None, None, f"no interval: the metric is undefined in {undefined:.0%} of "
                                    f"{boot} resamples (group too small or a class missing)")
    alpha = 1 - confidence
    lo, hi = (float(x) for x in np.quantile(finite, [alpha / 2, 1 - alpha / 2]))
    degenerate = bool(np.ptp(finite) <= 1e-12 * max(1.0, abs(point)))
    if counts is not None and counts[1] > 0 and (degenerate or counts[0] in (0, counts[1])):
        k, n = counts
        why = "bootstrap degenerate" if degenerate else f"count at {'0' if k == 0 else 'N'}"
        note = "; rows taken as independent" if clustered else ""
        return Interval(clopper_pearson(k, n, confidence), f"Clopper-Pearson exact ({k}/{n}; {why}{note})")
    if degenerate:
        return Interval(None, None, f"no interval: all {len(finite)} {boot} resamples give {point:.4g} "
                                    "(degenerate resampling, e.g. perfect separation or a constant model)")
    if lo <= point <= hi:
        return Interval((lo, hi), f"percentile {boot}")
    return Interval((min(lo, point), max(hi, point)), f"percentile {boot}, widened to include the estimate")
