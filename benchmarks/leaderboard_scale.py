"""Leaderboard build at scale: 10,000 records (1,000 bootstrap replicates each), cold and warm.

    python benchmarks/leaderboard_scale.py [--records 10000] [--models 150] [--keep DIR] [--repeat 3]

Generates valid records across every catalog benchmark into a temporary folder (runs of the
benchmark's canonical suite; one in ten at a re-rolled seed, i.e. exploratory), then runs
``python -m fmbench build-leaderboard`` (Markdown + HTML site + JSON) as a user would:
``--repeat`` times *cold* (empty cache), then three times *warm* (no record changed since the
last build). Prints each command's wall time from interpreter start to exit (imports
included), its CPU time with its workers', the in-process phases (--timings) and the peak
RSS of any build process. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import hashlib
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
        suite = catalog.suite(b.canonical_suite)
        # one run in ten re-rolls the seed: exploratory, listed under the table, not ranked
        seed = suite.split.seed if rng.random() >= 0.1 else int(rng.integers(1, 1000))
        split_seed, boot_seed = suite.run_seeds(seed)
        scheme = "sha256:" + hashlib.sha256(f"{b.id}-scheme-{split_seed}".encode()).hexdigest()
        rec = EvalRecord.model_validate(
            {
                "eval_id": f"scale.{b.id}.{i:06d}",
                "benchmark_id": b.id,
                "suite_id": suite.id,
                "model": {"id": f"model-{m:04d}", "name": f"Model {m:04d}"},
                "dataset": {"id": suite.dataset_id, "name": f"Dataset of {b.id}", "n": 400,
                            "digest": "sha256:" + hashlib.sha256(suite.dataset_id.encode()).hexdigest()},
                "provenance": {"seed": split_seed, "protocol": suite.protocol, "split_seed": split_seed,
                               "bootstrap_seed": boot_seed},
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


def run_command(evals: Path, out: Path, cache: Path) -> dict:
    """Run ``python -m fmbench build-leaderboard`` as a user would; its wall time (interpreter
    start to exit, imports included), CPU time and peak RSS (its own and its workers')."""
    import re

    cmd = [
        sys.executable, "-m", "fmbench", "build-leaderboard", "--evals", str(evals),
        "--out-md", str(out / "index.md"), "--out-html", str(out / "site"),
        "--out-json", str(out / "leaderboard.json"), "--cache-dir", str(cache), "--timings",
    ]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"build-leaderboard failed ({proc.returncode}): {stderr.strip()}")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # cumulative: differences are taken below
    line = next(x for x in stdout.splitlines() if x.startswith("timings: "))
    phases = {k: float(v) for k, v in re.findall(r"([\w+]+) ([0-9.]+) s", line.split(";")[0])}
    ranked = re.search(r"(\d+) record\(s\) read, (\d+) skipped", stdout)
    return {
        "wall_s": wall,
        "cpu_total": usage.ru_utime + usage.ru_stime,
        "maxrss_mb": usage.ru_maxrss / 1024,
        "records": int(ranked.group(1)),
        "skipped": int(ranked.group(2)),
        "hits": int(re.search(r"record cache hits (\d+)", line).group(1)),
        "outputs_cached": line.endswith("yes"),
        "phases": phases,
    }


_BASELINE = """
import sys, time
from pathlib import Path
import fmbench.leaderboard.collect as collect
from fmbench.leaderboard.publish import build_leaderboard
collect._yaml_rs = None  # every file through PyYAML (libyaml), the reference parser
evals, out = Path(sys.argv[1]), Path(sys.argv[2])
t0 = time.perf_counter()
build_leaderboard([evals], out_md=out / "index.md", out_html=out / "site",
                  out_json=out / "leaderboard.json", cache_dir=None, workers=1)
print(time.perf_counter() - t0)
"""


def baseline(evals: Path, out: Path) -> tuple[float, float]:
    """The same build the straightforward way: reference YAML parser, one process, no cache.
    (whole process wall time, build time inside it)."""
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _BASELINE, str(evals), str(out)],
                          check=True, capture_output=True, text=True)
    return time.perf_counter() - t0, float(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=10_000)
    ap.add_argument("--models", type=int, default=150)
    ap.add_argument("--keep", type=Path, default=None, help="Generate into this folder and keep it.")
    ap.add_argument("--repeat", type=int, default=3, help="Cold builds to run (each from an empty cache).")
    ap.add_argument("--no-baseline", dest="baseline", action="store_false",
                    help="Skip the single-process reference-parser build (takes ~30 s).")
    args = ap.parse_args()
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
        cpu_before = 0.0
        for name in ["cold"] * args.repeat + ["warm", "warm", "warm"]:
            if name == "cold" and cache.exists():
                import shutil

                shutil.rmtree(cache)
            r = run_command(evals, root / f"out-{name}", cache)
            cpu, cpu_before = r["cpu_total"] - cpu_before, r["cpu_total"]
            walls[name].append(r["wall_s"])
            print(
                f"{name:5s} build: {r['wall_s']:.2f} s wall (whole command), {cpu:.2f} s CPU "
                f"(incl. workers)\n      records {r['records']}  skipped {r['skipped']}  "
                f"record cache hits {r['hits']}  "
                f"outputs from cache {r['outputs_cached']}  in-process phases {r['phases']}"
            )
        for name, w in walls.items():
            print(f"{name}: median {statistics.median(w):.2f} s, best {min(w):.2f} s, "
                  f"worst {max(w):.2f} s over {len(w)} build(s)")
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"peak RSS of any build process: {peak:.0f} MB")
        if args.baseline:
            whole, inner = baseline(evals, root / "out-baseline")
            cold = statistics.median(walls["cold"])
            print(f"baseline (PyYAML reference parser, one process, no caches): {whole:.2f} s whole process "
                  f"({inner:.2f} s building); cold median speed-up {whole / cold:.1f}x (whole vs whole)")
        outputs = ("index.md", "leaderboard.json", "site/index.html", "site/bm-001.html")
        others = ["out-warm"] + (["out-baseline"] if args.baseline else [])
        for other in others:
            cold, that = root / "out-cold", root / other
            same = all((cold / f).read_bytes() == (that / f).read_bytes() for f in outputs)
            print(f"outputs of the cold build and {other[4:]} build byte-identical: {same}")
        import json

        lb = json.loads((root / "out-cold" / "leaderboard.json").read_text(encoding="utf-8"))
        tables = [t for b in lb["benchmarks"] for t in b["tables"]]
        print(f"boards: {len(tables)} ranked table(s), {sum(len(t['rows']) for t in tables)} ranked row(s) "
              f"({sum(t['tie_rule'] == 'paired' for t in tables)} table(s) paired with rank intervals), "
              f"{sum(len(t['exploratory']) for t in tables)} exploratory run(s) listed, "
              f"{sum(t['superseded'] for t in tables)} superseded pre-specified record(s)")
        print(f"load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPU(s)")


if __name__ == "__main__":
    main()
