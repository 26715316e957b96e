"""A sweep of 40 quick cells: serially in one process vs on a LocalCluster of ``--workers 2``.

    python benchmarks/sweep_scale.py [--workers 2] [--seeds 5] [--keep DIR]

The grid: 4 built-in baselines (majority, dummy_classifier, logistic, pca_logistic) × 2 suites
(SUITE-TOY-CLASS, SUITE-TOY-CLASS-CV) × 5 seeds = 40 cells. *Serial* runs each cell in this
process with the sweep's own cell function (``fmbench.sweep.task.run_cell``, the runner of
``fmbench run --seed k``) and writes it as the sweep does: the strictest baseline, with no
interpreter start per cell as a shell loop of ``fmbench run`` would pay. *Sweep* is
``fmbench.sweep`` on a LocalCluster (worker processes start cold: their imports count). Each
phase has its own empty output cache, so neither reuses the other's model outputs.

Prints the wall time of each, their ratio, the cluster start-up time, and the per-cell
scheduling overhead: worker time not spent inside cells ((sweep wall − start-up) × workers −
Σ cell wall times measured inside the tasks), divided by the cells. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

MODELS = ["majority", "dummy_classifier", "logistic", "pca_logistic"]
SUITES = ["SUITE-TOY-CLASS", "SUITE-TOY-CLASS-CV"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--keep", type=Path, default=None, help="Keep the outputs in this folder.")
    args = ap.parse_args()

    root = args.keep or Path(tempfile.mkdtemp(prefix="fmbench-sweep-scale-"))
    root.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("FMBENCH_DATA", str(root / "data"))

    from fmbench.sweep.cluster import ClusterChoice, quiet_dask_logs
    from fmbench.sweep.engine import run_sweep, write_cell
    from fmbench.sweep.run import plan_sweep
    from fmbench.sweep.spec import SweepSpec
    from fmbench.sweep.task import CellJob, run_cell

    spec = SweepSpec(models=MODELS, suites=SUITES, seeds=list(range(args.seeds)))
    plan = plan_sweep(spec, base=Path.cwd())
    n = len(plan.cells)
    data_dir = str(plan.data_dir) if plan.data_dir is not None else None
    # generate the toy datasets once, outside both timings
    for sid in SUITES:
        run_cell(CellJob(sid, plan.models[0].config, 0, data_dir, "warm-up"), plan.catalog)

    os.environ["FMBENCH_CACHE"] = str(root / "cache-serial")
    out_serial = root / "serial"
    t0 = time.perf_counter()
    serial_cells = 0.0
    for cell in plan.cells:
        outcome = run_cell(CellJob(cell.suite_id, cell.model.config, cell.seed, data_dir, cell.label), plan.catalog)
        assert outcome.status == "done", outcome.error
        serial_cells += outcome.wall_s
        write_cell(out_serial, cell, outcome)
    serial = time.perf_counter() - t0

    os.environ["FMBENCH_CACHE"] = str(root / "cache-sweep")
    quiet_dask_logs()
    out_sweep = root / "sweep"
    from distributed import Client, LocalCluster

    t0 = time.perf_counter()  # the cluster's start-up alone, measured on a throwaway cluster
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        client.wait_for_workers(args.workers)
        startup = time.perf_counter() - t0
    choice = ClusterChoice("local", workers=args.workers, retries=2)
    t0 = time.perf_counter()
    result = run_sweep(plan, out_sweep, choice)
    swept = time.perf_counter() - t0
    assert result.count("done") == n, [c.error for c in result.cells if c.status != "done"]
    in_cells = sum(c.wall_s or 0.0 for c in result.cells)
    overhead = ((swept - startup) * args.workers - in_cells) / n

    print(f"cells: {n} ({len(MODELS)} models × {len(SUITES)} suites × {args.seeds} seeds)")
    print(f"serial (one process, run_cell per cell): {serial:.2f} s  (inside cells {serial_cells:.2f} s)")
    print(f"sweep --workers {args.workers} (LocalCluster, start-up included): {swept:.2f} s  "
          f"(inside cells {in_cells:.2f} s, summed over workers)")
    print(f"cluster start-up: {startup:.2f} s")
    print(f"ratio serial / sweep: {serial / swept:.2f}x")
    print(f"per-cell scheduling overhead: {1000 * overhead:.0f} ms "
          f"(((sweep − start-up) × {args.workers} − inside cells) / {n})")
    print(f"cores: {os.cpu_count()}")
    if args.keep is None:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
