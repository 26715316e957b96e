"""Bootstrap CIs for AUROC: fmbench's vectorised engine vs a per-replicate scikit-learn loop.

Prints the time for B=1000 replicates on n=100,000 predictions (target: under 1 s) — with
the allocator setting the CLI applies and with glibc's default — the
time of a per-replicate ``roc_auc_score`` loop over the *same* resamples (measured on a
subset of replicates and scaled to B), their ratio, the largest difference between the two
replicate vectors, and peak RSS.

    python benchmarks/bootstrap_auroc.py [--n 100000] [--B 1000] [--loop-reps 50]
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
from sklearn.metrics import roc_auc_score

from fmbench.allocator import tune_allocator
from fmbench.metrics.bootstrap import BootstrapScheme, counts_to_indices, resample_counts
from fmbench.metrics.classification import CLASSIFICATION_METRICS, ClassificationData
from fmbench.metrics.grouped import evaluate_grouped


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--B", type=int, default=1000)
    ap.add_argument("--loop-reps", type=int, default=50, help="replicates timed in the slow loop")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, args.n)
    score = 1 / (1 + np.exp(-(rng.normal(size=args.n) + 1.0 * y)))
    data = ClassificationData(y, np.column_stack([1 - score, score]))
    scheme = BootstrapScheme(n_boot=args.B, seed=42)
    auroc = CLASSIFICATION_METRICS["AUROC"]

    def timed() -> tuple[list[float], object]:
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            res = evaluate_grouped(data, args.n, [auroc], scheme=scheme)
            times.append(time.perf_counter() - t)
        return times, res

    plain_times, _ = timed()
    tuned = tune_allocator()  # what `fmbench` does at start (see fmbench/allocator.py)
    times, res = timed()
    fast = min(times)
    reps = res.replicates["AUROC"]

    slow_vals = []
    t = time.perf_counter()
    for W in resample_counts(args.n, n_boot=args.loop_reps, seed=42):
        for row in W:
            idx = counts_to_indices(row)
            slow_vals.append(roc_auc_score(y[idx], score[idx]))
    slow = (time.perf_counter() - t) * args.B / args.loop_reps
    max_diff = float(np.max(np.abs(np.array(slow_vals) - reps[: len(slow_vals)])))

    ci = res.metrics["AUROC"].ci
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"n={args.n:,} B={args.B}: AUROC {res.metrics['AUROC'].value:.4f} CI [{ci[0]:.4f}, {ci[1]:.4f}]")
    print(f"vectorised bootstrap, as the fmbench CLI runs it (allocator tuned: {tuned}): {fast:.3f} s "
          f"(best of {args.repeat}: {', '.join(f'{x:.3f}' for x in times)})")
    print(f"vectorised bootstrap, library call with glibc's default allocator: {min(plain_times):.3f} s")
    print(f"per-replicate sklearn loop: {slow:.1f} s (extrapolated from {args.loop_reps} replicates)")
    print(f"speed-up: {slow / fast:.0f}x; max |difference| over the shared replicates: {max_diff:.2e}")
    print(f"peak RSS: {peak:.0f} MB")


if __name__ == "__main__":
    main()
