"""k-mer featurisation of the 9,034 human non-TATA promoters (DS-GB-HUMAN-NONTATA-PROMOTERS).

Counts every k-mer (default k=6, 4,096 columns) on both strands, windows with N skipped, with
fmbench's vectorised featuriser (``fmbench.models.baselines.dna_baselines.kmer_counts``) and with
a plain Python loop (``collections.Counter`` over every window of the sequence and of its reverse
complement) in the same process on the same sequences; checks that both give identical counts and
prints sequences/s, the featuriser's peak traced memory (tracemalloc: numpy's allocations) and
the process's peak RSS (getrusage), and the speed ratio.

    python benchmarks/dna_kmer.py [--k 6] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc
from collections import Counter
from itertools import product
from pathlib import Path

import numpy as np

from fmbench.catalog.registry import load_catalog
from fmbench.data.provision import load_dataset
from fmbench.data.sequences import codes
from fmbench.models.baselines.dna_baselines import kmer_counts, kmer_profile

DATASET = "DS-GB-HUMAN-NONTATA-PROMOTERS"
COMPLEMENT = str.maketrans("ACGTN", "TGCAN")


def python_counts(seqs: list[str], k: int) -> np.ndarray:
    """The same counts in plain Python: a Counter over every window of both strands."""
    column = {"".join(t): j for j, t in enumerate(product("ACGT", repeat=k))}
    out = np.zeros((len(seqs), 4**k), dtype=np.float32)
    for i, s in enumerate(seqs):
        rc = s.translate(COMPLEMENT)[::-1]
        c = Counter(t[j : j + k] for t in (s, rc) for j in range(len(t) - k + 1))
        for w, v in c.items():
            j = column.get(w)  # None for a window with N
            if j is not None:
                out[i, j] = v
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--k", type=int, default=6)
    ap.add_argument("--data-dir", type=Path, default=None)
    args = ap.parse_args()
    ds = load_dataset(load_catalog().dataset(DATASET), args.data_dir)
    X, n, k = ds.X, len(ds.X), args.k
    print(f"{DATASET}: {n} sequences, longest {X.dtype.itemsize // 4} bp, k={k} ({4**k} columns)")

    tracemalloc.start()
    t = time.perf_counter()
    fast = kmer_counts(codes(X), k)
    fast_s = time.perf_counter() - t
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    t = time.perf_counter()
    kmer_profile(X, [4, 5, 6])
    profile_s = time.perf_counter() - t

    t = time.perf_counter()
    slow = python_counts(X.tolist(), k)
    slow_s = time.perf_counter() - t
    same = np.array_equal(fast, slow)

    out_mb = fast.nbytes / 2**20
    print(f"vectorised : {fast_s:7.3f} s  {n / fast_s:10,.0f} sequences/s  peak traced {peak / 2**20:.1f} MiB "
          f"(output {out_mb:.1f} MiB)")
    print(f"python loop: {slow_s:7.3f} s  {n / slow_s:10,.0f} sequences/s")
    print(f"speed-up   : {slow_s / fast_s:.1f}x   identical counts: {same}   "
          f"(total {int(fast.sum()):,} k-mers on both strands)")
    print(f"kmer_logistic profile (k = 4, 5, 6; 5,376 columns): {profile_s:.3f} s, {n / profile_s:,.0f} sequences/s")
    print(f"process peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    if not same:
        raise SystemExit("the vectorised and the Python counts differ")


if __name__ == "__main__":
    main()
