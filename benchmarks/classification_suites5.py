"""Wall time and primary metric (95% CI) of every baseline on SUITE-PBMC-CELLTYPE, SUITE-AD-MRI
and SUITE-FMRI-GRANULAR (B = 1000 bootstrap), as quickstart runs them.

    python benchmarks/classification_suites5.py [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from fmbench.catalog.registry import load_catalog
from fmbench.runner import run_suite

SUITES = ("SUITE-PBMC-CELLTYPE", "SUITE-AD-MRI", "SUITE-FMRI-GRANULAR")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args()
    catalog = load_catalog()
    with tempfile.TemporaryDirectory() as tmp:
        for sid in SUITES:
            suite = catalog.suite(sid)
            primary = catalog.benchmark(suite.benchmark_id).primary_metric
            for model in suite.baselines:
                t0 = time.perf_counter()
                out = Path(tmp) / sid / model
                rec = run_suite(sid, model, out, catalog=catalog, data_dir=args.data_dir).record
                wall = time.perf_counter() - t0
                mv = rec.metrics[primary]
                print(f"{sid:22s} {model:14s} {primary} = {mv.value:.4f} [{mv.ci[0]:.4f}, {mv.ci[1]:.4f}]"
                      f"  n={rec.dataset.n}  run {wall:5.2f} s (protocol {rec.resources['wall_s']:.2f} s)")


if __name__ == "__main__":
    main()
