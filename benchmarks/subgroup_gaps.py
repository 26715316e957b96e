"""Cost of subgroup gap tests: gap CIs + permutation p-values on top of the plain bootstrap.

Times ``evaluate_grouped`` on n rows with 5 stratification dimensions (2–5 groups each) and the
AUROC, B bootstrap replicates, once without gap tests (``n_permutations=0``: the bootstrap, the
per-group values and their CIs, gap CIs from the same replicates) and once with ``--permutations``
permutations per dimension, in the same process, and prints both, their ratio and peak RSS.

    python benchmarks/subgroup_gaps.py [--n 100000] [--B 1000] [--permutations 1000]
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from fmbench.allocator import tune_allocator
from fmbench.metrics.bootstrap import BootstrapScheme
from fmbench.metrics.classification import CLASSIFICATION_METRICS, ClassificationData
from fmbench.metrics.grouped import evaluate_grouped


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--B", type=int, default=1000)
    ap.add_argument("--permutations", type=int, default=1000)
    ap.add_argument("--metrics", default="AUROC", help="comma-separated metric names")
    args = ap.parse_args()
    tune_allocator()

    rng = np.random.default_rng(0)
    n = args.n
    y = rng.integers(0, 2, n)
    score = 1 / (1 + np.exp(-(rng.normal(size=n) + 1.0 * y)))
    data = ClassificationData(y, np.column_stack([1 - score, score]))
    strata = {
        "site": rng.choice([f"site{i}" for i in range(5)], n),
        "scanner": rng.choice(["GE", "Philips", "Siemens"], n),
        "sex": rng.choice(["F", "M"], n),
        "age_group": rng.choice(["<40", "40-65", ">65"], n),
        "stage": rng.choice(["I", "II", "III", "IV"], n),
    }
    metrics = [CLASSIFICATION_METRICS[m.strip()] for m in args.metrics.split(",")]

    def timed(n_perm: int) -> tuple[float, object]:
        t = time.perf_counter()
        res = evaluate_grouped(data, n, metrics, strata=strata,
                               scheme=BootstrapScheme(n_boot=args.B, seed=42, n_permutations=n_perm))
        return time.perf_counter() - t, res

    plain_s, _ = timed(0)
    tested_s, res = timed(args.permutations)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"n={n:,}, B={args.B}, 5 dimensions (17 groups), metrics: {', '.join(m.name for m in metrics)}")
    print(f"bootstrap with per-group CIs and gap CIs (no permutation test): {plain_s:.2f} s")
    print(f"same plus {args.permutations} permutations per dimension:          {tested_s:.2f} s")
    print(f"cost of the permutation tests: {tested_s - plain_s:.2f} s; ratio to the plain run: "
          f"{tested_s / plain_s:.1f}x")
    for name in (m.name for m in metrics):
        for dim, g in res.subgroups[name].gaps.items():
            print(f"  {name} gap by {dim:9s}: {g.value:.4f} [{g.ci[0]:.4f}, {g.ci[1]:.4f}]  "
                  f"p = {g.p_value:.3f}, Holm {g.p_adjusted:.3f}  ({g.groups} groups, {g.ci_method})")
    print(f"peak RSS: {peak:.0f} MB")


if __name__ == "__main__":
    main()
