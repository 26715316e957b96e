"""Robustness harness at scale: five probes, default grids, on memory-mapped float32 EEG-like data.

    python benchmarks/robustness_scale.py [--n 1000] [--channels 64] [--times 1000] [--repeat 3]
    python benchmarks/robustness_scale.py --big            # adds a 4 GB memory-mapped input (slow)

Writes X.npy + meta.csv into a temporary folder (deleted afterwards) and runs
``run-robustness --data`` in a fresh process per configuration, so each peak RSS is that
run's own. Configurations:

- ``dummy_classifier``, split none: every sample goes through all 33 passes (clean + 32
  perturbed: dropout 6, noise 6, line_noise 5, permutation 10, shift 5; identity levels reuse
  the clean outputs). The model costs nothing, so this is the harness itself.
- ``dummy_classifier`` and ``logistic``, holdout 70/30 (the suite's split): fit on 70%
  (read into memory, as any fit needs), probe the 30% test part.
- ``--big``: ``dummy_classifier``, split none, 16,384 x 64 x 1000 (4.2 GB) memory-mapped.

Printed per run: evaluation wall time (probing only, inside the process), the run's time
including dataset hashing, fit and report rendering, the process's peak RSS (getrusage),
input MB probed per second, and perturbed MB produced per second. Figures, not assertions;
the machine is shared, so repeat and read the best.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def write_data(folder: Path, n: int, c: int, t: int, *, seed: int = 0) -> int:
    """X.npy (float32, written in chunks, never whole in memory) and meta.csv; returns bytes of X."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    chunk = max(1, (64 << 20) // (c * t * 4))
    base = rng.standard_normal((chunk, c, t), dtype=np.float32)
    with open(folder / "X.npy", "wb") as fh:
        np.lib.format.write_array_header_1_0(fh, {"descr": "<f4", "fortran_order": False, "shape": (n, c, t)})
        for s in range(0, n, chunk):
            m = min(chunk, n - s)
            (base[:m] * np.float32(1 + s / n) + rng.standard_normal((m, c, 1), dtype=np.float32)).tofile(fh)
    labels = np.where(rng.random(n) < 0.5, "slowing", "typical")
    labels[:2] = ["slowing", "typical"]
    lines = ["subject_id,label"] + [f"sub-{i // 2:05d},{lab}" for i, lab in enumerate(labels)]
    (folder / "meta.csv").write_text("\n".join(lines) + "\n")
    return n * c * t * 4


def worker(args: argparse.Namespace) -> None:
    t0 = time.perf_counter()
    import dataclasses

    from fmbench.catalog.registry import load_catalog
    from fmbench.runner import DEFAULT_ROBUSTNESS_SUITE as DEFAULT_SUITE
    from fmbench.runner import run_robustness

    catalog = load_catalog()
    suite = catalog.suite(DEFAULT_SUITE)
    if args.split == "none":
        suite = suite.model_copy(update={"split": suite.split.model_copy(update={"kind": "none"})})
    catalog = dataclasses.replace(catalog, suites={**catalog.suites, suite.id: suite})
    t1 = time.perf_counter()
    out = run_robustness(
        args.model, Path(args.out), data=Path(args.data), sampling_freq=250.0, catalog=catalog
    )
    t2 = time.perf_counter()
    rec = out.record
    print(
        json.dumps(
            {
                "eval_s": rec.resources["wall_s"],
                "run_s": t2 - t1,
                "process_s": t2 - t0,
                "fit_s": rec.resources.get("fit_s"),
                "perturb_s": rec.resources.get("perturb_s"),
                "inference_s": rec.resources.get("inference_s"),
                "n_eval": rec.dataset.n,
                # perturbed passes (identity levels dropout 0 and shift 0 reuse the clean outputs)
                "passes": sum(
                    sum(lv != 0 for lv in v["levels"])
                    if k in ("dropout", "shift")
                    else int(v["levels"][0])
                    if k == "permutation"
                    else len(v["levels"])
                    for k, v in rec.details["probes"].items()
                ),
                "cpu_s": time.process_time(),
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "robustness_score": rec.metrics["robustness_score"].value,
                "rankable": rec.rankable,
            }
        )
    )


def core(args: argparse.Namespace) -> None:
    """The streaming harness alone (reader, probes, similarities) with a chance model, in-process."""
    from fmbench.perturbations.perturb import ProbeEnv, get_probe
    from fmbench.perturbations.stream import RowReader, plan_passes, run_stream

    tmp = Path(tempfile.mkdtemp(prefix="fmbench-robustness-core-"))
    try:
        size = write_data(tmp, args.n, args.channels, args.times)
        X = np.load(tmp / "X.npy", mmap_mode="r")
        grids = {
            "dropout": [0, 0.05, 0.1, 0.2, 0.3, 0.5],
            "noise": [40, 30, 20, 10, 5, 0],
            "line_noise": [40, 30, 20, 10, 5],
            "permutation": [10],
            "shift": [0, 10, 20, 40, 80],
        }
        probes = [(get_probe(k, 3), [float(v) for v in g]) for k, g in grids.items()]

        def chance(x: np.ndarray) -> dict[str, np.ndarray]:
            r = np.random.default_rng(0).random((len(x), 2))
            return {"proba": r / r.sum(axis=1, keepdims=True)}

        for threads in (1, 2):
            for _ in range(args.repeat):
                passes = plan_passes(probes, seed=0, shape=X.shape[1:])
                t, c = time.perf_counter(), time.process_time()
                res = run_stream(
                    RowReader(X, np.arange(len(X))),
                    passes,
                    chance,
                    env=ProbeEnv(250.0),
                    batch_size=max(1, (32 << 20) // (X[0].nbytes)),
                    threads=threads,
                )
                wall, cpu = time.perf_counter() - t, time.process_time() - c
                print(
                    f"core harness, {threads} thread(s): {wall:.2f} s wall, {cpu:.2f} s cpu, perturbation "
                    f"{res.perturb_s:.2f} s, {size / 1e6 / wall:.0f} MB/s, peak RSS "
                    f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
                )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run_one(data: Path, model: str, split: str, row_mb: float, input_mb: float, tmp: Path) -> dict:
    out = tmp / f"out-{model}-{split}-{time.monotonic_ns()}"
    proc = subprocess.run(
        [
            sys.executable,
            __file__,
            "--worker",
            "--data",
            str(data),
            "--model",
            model,
            "--split",
            split,
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise SystemExit(f"worker failed ({model}, {split}): {proc.stderr.strip()}")
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    shutil.rmtree(out, ignore_errors=True)
    probed = r["n_eval"] * row_mb
    r["MB_per_s"] = probed / r["eval_s"]
    r["perturbed_MB_per_s"] = probed * r["passes"] / r["eval_s"]
    r["rss_over_input"] = r["peak_rss_mb"] / input_mb
    return r


def report(label: str, runs: list[dict]) -> None:
    best = min(runs, key=lambda r: r["eval_s"])
    evals = ", ".join(f"{r['eval_s']:.2f}" for r in runs)
    rss = max(r["peak_rss_mb"] for r in runs)
    print(f"{label} (n probed = {best['n_eval']}, {best['passes']} perturbed passes + clean):")
    print(
        f"  eval (probing) {best['eval_s']:.2f} s [runs: {evals}] | whole run incl. hashing, fit, reports "
        f"{best['run_s']:.2f} s | process incl. imports {best['process_s']:.2f} s, "
        f"cpu {best['cpu_s']:.2f} s"
    )
    print(
        f"  fit {best['fit_s'] or 0:.2f} s | perturbation {best['perturb_s']:.2f} s | model calls "
        f"{best['inference_s']:.2f} s"
    )
    print(
        f"  peak RSS {rss:.1f} MB ({max(r['rss_over_input'] for r in runs):.2f}x input) | "
        f"{best['MB_per_s']:.1f} MB/s of input probed | {best['perturbed_MB_per_s']:.1f} MB/s perturbed"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--channels", type=int, default=64)
    ap.add_argument("--times", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument(
        "--big", action="store_true", help="also run a 4 GB memory-mapped input (dummy_classifier)"
    )
    ap.add_argument("--big-only", action="store_true", help="only the 4 GB run")
    ap.add_argument("--core", action="store_true", help="only the streaming harness, in-process (no records)")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--data", help=argparse.SUPPRESS)
    ap.add_argument("--model", help=argparse.SUPPRESS)
    ap.add_argument("--split", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args)
        return
    if args.core:
        core(args)
        return
    tmp = Path(tempfile.mkdtemp(prefix="fmbench-robustness-scale-"))
    try:
        c, t = args.channels, args.times
        row_mb = c * t * 4 / 1e6
        if not args.big_only:
            data = tmp / "small"
            size = write_data(data, args.n, c, t)
            mb = size / 1e6
            print(
                f"input: {args.n} x {c} x {t} float32 = {mb:.0f} MB (memory-mapped), sampling 250 Hz; "
                f"targets (dummy, split none): eval < 3 s, peak RSS < {1.5 * mb:.0f} MB"
            )
            for model, split, reps in [
                ("dummy_classifier", "none", args.repeat),
                ("dummy_classifier", "holdout", args.repeat),
                ("logistic", "holdout", 1),
            ]:
                runs = [run_one(data, model, split, row_mb, mb, tmp) for _ in range(reps)]
                report(f"{model}, split {split}", runs)
            shutil.rmtree(data)
        if args.big or args.big_only:
            n_big = 16384
            data = tmp / "big"
            t0 = time.perf_counter()
            size = write_data(data, n_big, c, t)
            mb = size / 1e6
            print(
                f"input: {n_big} x {c} x {t} float32 = {mb:.0f} MB memory-mapped (written in "
                f"{time.perf_counter() - t0:.0f} s); target: peak RSS < 1000 MB"
            )
            report(
                "dummy_classifier, split none, 4 GB",
                [run_one(data, "dummy_classifier", "none", row_mb, mb, tmp)],
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
