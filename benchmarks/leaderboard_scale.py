"""Leaderboard build at scale: 10,000 records (1,000 bootstrap replicates each), cold and warm.

    python benchmarks/leaderboard_scale.py [--records 10000] [--models 150] [--keep DIR]

Generates valid records across every catalog benchmark into a temporary folder, then builds
Markdown + HTML site + JSON twice in fresh processes: *cold* (empty cache) and *warm* (no
record changed since the last build). Prints the wall time of each build (inside the process,
after imports) and the process's peak RSS. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np


def _metric(rng: np.random.Generator, spec, base: float) -> dict:  # noqa: ANN001
    lo = spec.min if spec.min is not None else 0.0
    hi = spec.max if spec.max is not None else 10.0
    if spec.direction == "target" and spec.target is not None:
        lo, hi = spec.target
    v = float(np.clip(lo + (hi - lo) * base + rng.normal(0, 0.02 * (hi - lo)), lo, hi))
    half = 0.03 * (hi - lo)
    return {"value": round(v, 6), "ci": [round(max(lo, v - half), 6), round(min(hi, v + half), 6)], "n": 400}


def generate(out: Path, n_records: int, n_models: int, seed: int = 0) -> float:
    from fmbench.catalog.registry import load_catalog
    from fmbench.records.io import finalize, record_to_yaml
    from fmbench.records.schema import EvalRecord, encode_replicates

    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    catalog = load_catalog()
    benches = sorted(catalog.benchmarks.values(), key=lambda b: b.id)
    skill = rng.uniform(0.55, 0.95, size=(len(benches), n_models))
    start = datetime(2025, 1, 1, tzinfo=UTC)
    out.mkdir(parents=True, exist_ok=True)
    for i in range(n_records):
        bi = i % len(benches)
        b = benches[bi]
        m = int(rng.integers(n_models))
        base = float(skill[bi, m])
        metrics = {s.name: _metric(rng, s, base) for s in b.metrics}
        prim = metrics[b.primary_metric]["value"]
        spec = b.primary
        span = (spec.max if spec.max is not None else 10.0) - (spec.min if spec.min is not None else 0.0)
        reps = prim + rng.normal(0, 0.015 * span, size=1000)
        stratified = {}
        for dim in b.strata[:2]:
            stratified[dim] = {
                f"{dim}_{g}": {
                    "N": 100 + 10 * g,
                    **{s.name: _metric(rng, s, base - 0.05 * g) for s in b.metrics[:3]},
                }
                for g in range(3)
            }
        details = {}
        if b.probe_grids:
            details = {
                "curves": {
                    p: {
                        "levels": grid,
                        "stability": [round(1 - 0.1 * k * (1 - base), 4) for k in range(len(grid))],
                    }
                    for p, grid in b.probe_grids.items()
                }
            }
        scheme = "sha256:" + hashlib.sha256(f"{b.id}-scheme".encode()).hexdigest()
        rec = EvalRecord.model_validate(
            {
                "eval_id": f"scale.{b.id}.{i:06d}",
                "benchmark_id": b.id,
                "model": {"id": f"model-{m:04d}", "name": f"Model {m:04d}"},
                "dataset": {"id": f"DS-{b.id}", "name": f"Dataset of {b.id}", "n": 400},
                "status": "completed",
                "evidence": "run",
                "created_at": start + timedelta(minutes=i),
                "metrics": metrics,
                "stratified": stratified,
                "details": details,
                "bootstrap": {
                    "scheme": scheme,
                    "B": 1000,
                    "seed": 42,
                    "replicates": {b.primary_metric: encode_replicates(reps)},
                },
            }
        )
        sub = out / b.id
        sub.mkdir(exist_ok=True)
        (sub / f"{i:06d}.yaml").write_text(record_to_yaml(finalize(rec)), encoding="utf-8")
    return time.perf_counter() - t0


def build_once(evals: Path, out: Path, cache: Path) -> None:
    """Run in a child process: one build, then print a JSON line of figures."""
    from fmbench.allocator import tune_allocator
    from fmbench.leaderboard.publish import build_leaderboard

    tune_allocator()  # as the CLI does
    t0 = time.perf_counter()
    c0 = time.process_time()
    res = build_leaderboard(
        [evals],
        out_md=out / "index.md",
        out_html=out / "site",
        out_json=out / "leaderboard.json",
        cache_dir=cache,
    )
    wall = time.perf_counter() - t0
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = time.process_time() - c0 + kids.ru_utime + kids.ru_stime
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "wall_s": wall,
                "cpu_s": cpu,
                "peak_rss_mb": rss_kb / 1024,
                "records": res.records,
                "skipped": len(res.skipped),
                "cache_hits": res.cache_hits,
                "timings": {k: round(v, 3) for k, v in res.timings.items()},
            }
        )
    )


def _child(evals: Path, out: Path, cache: Path) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", str(evals), str(out), str(cache)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=10_000)
    ap.add_argument("--models", type=int, default=150)
    ap.add_argument("--keep", type=Path, default=None, help="Generate into this folder and keep it.")
    ap.add_argument("--repeat", type=int, default=3, help="Cold builds to run (each from an empty cache).")
    ap.add_argument("--child", nargs=3, type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        build_once(*args.child)
        return
    with tempfile.TemporaryDirectory(prefix="fmbench-lb-scale-") as tmp:
        root = args.keep or Path(tmp)
        evals = root / "evals"
        if not evals.exists():
            gen_s = generate(evals, args.records, args.models)
            print(f"generated {args.records} records in {gen_s:.1f} s")
        size = sum(p.stat().st_size for p in evals.rglob("*.yaml"))
        print(f"records on disk: {size / 1e6:.1f} MB")
        cache = root / "cache"
        walls: dict[str, list[float]] = {"cold": [], "warm": []}
        for name in ["cold"] * args.repeat + ["warm", "warm", "warm"]:
            if name == "cold" and cache.exists():
                import shutil

                shutil.rmtree(cache)
            r = _child(evals, root / f"out-{name}", cache)
            walls[name].append(r["wall_s"])
            print(
                f"{name:5s} build: {r['wall_s']:.2f} s wall, {r['cpu_s']:.2f} s CPU (incl. workers)  "
                f"peak RSS {r['peak_rss_mb']:.0f} MB  records {r['records']}  skipped {r['skipped']}  "
                f"cache hits {r['cache_hits']}  {r['timings']}"
            )
        for name, w in walls.items():
            print(f"{name}: median {statistics.median(w):.2f} s, best {min(w):.2f} s, "
                  f"worst {max(w):.2f} s over {len(w)} build(s)")
        a, b = root / "out-cold", root / "out-warm"
        same = all(
            (a / f).read_bytes() == (b / f).read_bytes()
            for f in ("index.md", "leaderboard.json", "site/index.html")
        )
        print(f"cold and warm outputs byte-identical: {same}")
        print(f"load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPU(s)")


if __name__ == "__main__":
    main()
