"""``fmbench run --data atlas.h5ad`` on a single-cell atlas too large to densify.

Writes an .h5ad with a sparse X (default 200,000 cells x 30,000 genes at 0.5% non-zero: about
30M non-zeros, 24 GB if it were dense float32) and ``obs`` columns ``cell_type`` (the label) and
``batch`` (a stratum), then runs, in a fresh process,

    python -m fmbench run --data atlas.h5ad --suite SUITE-PBMC-CELLTYPE --model sparse_logistic \\
        --label-column cell_type --strata batch --no-cache --out DIR

and prints its wall time, its peak RSS (the child process's own, from getrusage) and the
record's metrics. The suite keeps its protocol (stratified 5-fold CV, out-of-fold predictions
pooled), metrics and bootstrap (B=1000).

The labels carry a real, moderate signal: each of five cell types (unequal sizes) has 100 marker
genes, and 3% of a cell's non-zeros fall on its type's markers (the rest on random genes), so a
cell shows a handful of marker hits against about one expected by chance. Batches differ in
sequencing depth (0.7x, 1x, 1.3x non-zeros), so the per-batch metrics differ too.

    python benchmarks/sparse_h5ad.py                      # full size (about 6-10 min on 2 cores)
    python benchmarks/sparse_h5ad.py --n-cells 2000 --n-genes 3000   # seconds
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

TYPES = ("B", "CD4 T", "CD8 T", "NK", "Monocyte")
TYPE_SHARES = (0.30, 0.25, 0.20, 0.15, 0.10)
BATCH_DEPTH = {"batch1": 0.7, "batch2": 1.0, "batch3": 1.3}
MARKERS_PER_TYPE = 100
MARKER_SHARE = 0.03


def make_atlas(n_cells: int, n_genes: int, *, density: float = 0.005, seed: int = 0, block: int = 20_000):
    """(CSR float32 X, obs DataFrame): seeded, generated block by block to bound memory."""
    import pandas as pd
    import scipy.sparse as sp

    if n_genes < MARKERS_PER_TYPE * len(TYPES):
        raise SystemExit(f"--n-genes must be at least {MARKERS_PER_TYPE * len(TYPES)}")
    rng = np.random.default_rng(seed)
    cell_type = rng.choice(len(TYPES), size=n_cells, p=TYPE_SHARES)
    batches = list(BATCH_DEPTH)
    batch = rng.integers(0, len(batches), size=n_cells)
    depth = np.asarray([BATCH_DEPTH[b] for b in batches])[batch]
    per_cell = density * n_genes
    blocks = []
    for lo in range(0, n_cells, block):
        hi = min(n_cells, lo + block)
        counts = rng.poisson(per_cell * depth[lo:hi])
        rows = np.repeat(np.arange(hi - lo), counts)
        total = len(rows)
        marker = rng.random(total) < MARKER_SHARE
        cols = rng.integers(0, n_genes, size=total)
        cols[marker] = cell_type[lo:hi][rows[marker]] * MARKERS_PER_TYPE + rng.integers(
            0, MARKERS_PER_TYPE, size=int(marker.sum()))
        values = np.log1p(rng.geometric(0.4, size=total)).astype(np.float32)
        blocks.append(sp.csr_matrix((values, (rows, cols)), shape=(hi - lo, n_genes), dtype=np.float32))
    X = sp.vstack(blocks, format="csr", dtype=np.float32)
    X.sum_duplicates()
    obs = pd.DataFrame(
        {"cell_type": pd.Categorical(np.asarray(TYPES)[cell_type]),
         "batch": pd.Categorical(np.asarray(batches)[batch])},
        index=[f"cell{i:07d}" for i in range(n_cells)],
    )
    return X, obs


def write_atlas(path: Path, n_cells: int, n_genes: int, *, seed: int = 0) -> tuple[int, float]:
    """Write the .h5ad; returns (non-zeros, seconds)."""
    import anndata
    import pandas as pd

    t = time.perf_counter()
    X, obs = make_atlas(n_cells, n_genes, seed=seed)
    var = pd.DataFrame(index=[f"gene{j:05d}" for j in range(n_genes)])
    anndata.AnnData(X=X, obs=obs, var=var).write_h5ad(path)
    return int(X.nnz), time.perf_counter() - t


def run_fmbench(path: Path, out: Path, suite: str,
                model: str) -> tuple[subprocess.CompletedProcess, float, float]:
    """The CLI run in a fresh process: (process, wall seconds, the child's peak RSS in MB)."""
    cmd = [sys.executable, "-m", "fmbench", "run", "--data", str(path), "--suite", suite, "--model", model,
           "--label-column", "cell_type", "--strata", "batch", "--no-cache", "--out", str(out)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if peak <= before:
        print("note: peak RSS not above an earlier child's; the figure is an upper bound", file=sys.stderr)
    return proc, wall, peak / 1024


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-cells", type=int, default=200_000)
    ap.add_argument("--n-genes", type=int, default=30_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--suite", default="SUITE-PBMC-CELLTYPE")
    ap.add_argument("--model", default="sparse_logistic")
    ap.add_argument("--workdir", type=Path, default=None, help="Keep the .h5ad and the run here.")
    args = ap.parse_args(argv)

    from fmbench.records.io import read_record

    with tempfile.TemporaryDirectory(prefix="fmbench-sparse-") as tmp:
        work = args.workdir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        path = work / f"atlas_{args.n_cells}x{args.n_genes}.h5ad"
        nnz, gen_s = write_atlas(path, args.n_cells, args.n_genes, seed=args.seed)
        dense_gb = args.n_cells * args.n_genes * 4 / 1e9
        print(f"atlas: {args.n_cells:,} cells x {args.n_genes:,} genes, {nnz:,} non-zeros "
              f"({nnz / (args.n_cells * args.n_genes):.3%}); dense float32 would be {dense_gb:.1f} GB; "
              f"file {path.stat().st_size / 1e6:.0f} MB, written in {gen_s:.1f} s")
        proc, wall, peak_mb = run_fmbench(path, work / "run", args.suite, args.model)
        if proc.returncode != 0:
            print(proc.stdout + proc.stderr, file=sys.stderr)
            return proc.returncode
        rec = read_record(work / "run" / "eval.yaml")
        res = rec.resources
        print(f"fmbench run --data ({args.suite}, {args.model}): wall {wall:.1f} s "
              f"(fit {res.get('fit_s', 0):.1f} s, predict {res.get('inference_s', 0):.1f} s), "
              f"peak RSS {peak_mb:,.0f} MB ({peak_mb / 1024 / dense_gb:.1%} of the dense matrix)")
        print(f"record: dataset {rec.dataset.id} digest {rec.dataset.digest[:19]}… n={rec.dataset.n} "
              f"split '{rec.dataset.split}'")
        for name in ("AUROC", "Accuracy", "Balanced Accuracy", "F1-Score"):
            mv = rec.metrics.get(name)
            if mv is not None and mv.value is not None:
                ci = f" [{mv.ci[0]:.4f}, {mv.ci[1]:.4f}]" if mv.ci else ""
                print(f"  {name}: {mv.value:.4f}{ci}")
        for group, res_g in sorted((rec.stratified.get("batch") or {}).items()):
            auroc = res_g.metrics.get("AUROC")
            print(f"  batch {group}: N={res_g.N}, AUROC {auroc.value:.4f}" if auroc and auroc.value else
                  f"  batch {group}: N={res_g.N}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
