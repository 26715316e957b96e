"""BM-BRAIN-MAE baselines: Correlation and MSE with 95% CIs, and run time, on SUITE-BRAIN-MAE.

Also runs a whole-ROI variant of the suite (25% of ROIs hidden) to show where temporal and
spatial baselines differ. Usage: ``python benchmarks/recon_baselines.py [--data-dir DIR]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from fmbench.catalog.registry import load_catalog
from fmbench.runner import run_suite

SUITE = "SUITE-BRAIN-MAE"


def fmt(mv) -> str:  # noqa: ANN001
    if mv.value is None:
        return f"null ({mv.reason})"
    ci = f" [{mv.ci[0]:.3f}, {mv.ci[1]:.3f}]" if mv.ci else ""
    return f"{mv.value:.3f}{ci}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", type=Path, default=None)
    args = ap.parse_args()
    catalog = load_catalog()
    base = catalog.suite(SUITE)
    rois = base.model_copy(
        update={"id": f"{SUITE}-ROIS", "params": {"mask": {"kind": "rois", "fraction": 0.25, "seed": 7}}}
    )
    catalog.suites[rois.id] = rois
    print(f"{'suite':22s} {'model':14s} {'Correlation [95% CI]':26s} {'MSE [95% CI]':26s} {'wall_s':>7s}")
    with tempfile.TemporaryDirectory() as tmp:
        for suite in (base, rois):
            for model in base.baselines:
                t0 = time.perf_counter()
                rec = run_suite(
                    suite.id, model, Path(tmp) / suite.id / model, catalog=catalog, data_dir=args.data_dir
                ).record
                wall = time.perf_counter() - t0
                print(
                    f"{suite.id:22s} {model:14s} {fmt(rec.metrics['Correlation']):26s} "
                    f"{fmt(rec.metrics['MSE']):26s} {wall:7.2f}"
                )


if __name__ == "__main__":
    main()
