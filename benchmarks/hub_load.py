"""Hub load figures: submissions/s over HTTP, and page latency with 12,000 accepted records.

Starts ``fmbench serve`` on a free loopback port with a fresh SQLite store, then
1. C concurrent clients each post S records (YAML over HTTP, real token auth) -> submissions/s;
2. imports R accepted records (M models; realistic ~24 KB each: 1,000 bootstrap replicates, five
   stratification dimensions, details) and times the leaderboard pages: the first request after
   a change (rebuild), then repeated requests -> p50/p95 (target p95 < 200 ms);
3. 8 concurrent readers for D seconds, first alone (the baseline, same process), then while a
   maintainer submits and accepts one record per second -> page p50/p95 and the ratio.

    python benchmarks/hub_load.py [--records 12000 --models 1000 --clients 20 --per-client 50]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import numpy as np

from fmbench.hub.store import Store
from fmbench.records.io import finalize, record_to_yaml
from fmbench.records.schema import EvalRecord, encode_replicates

STRATA = {"scanner": ["GE", "Philips", "Siemens"], "site": ["s1", "s2", "s3", "s4"], "sex": ["F", "M"],
          "age_group": ["age_18-40", "age_40-65", "age_65-90"], "disease_stage": ["CN", "MCI", "AD"]}


def _realistic(i: int, auroc: float) -> dict:
    """What a real run's record carries beyond the headline: replicates, strata, details (~24 KB)."""
    rng = np.random.default_rng(i)
    reps = np.clip(auroc + rng.normal(0, 0.03, 1000), 0, 1)
    cell = lambda v: {"value": float(v), "ci": [float(max(0, v - 0.08)), float(min(1, v + 0.08))]}  # noqa: E731
    return {
        "stratified": {dim: {g: {"N": 200 // len(gs) - 5,
                                 "AUROC": cell(np.clip(auroc + rng.normal(0, 0.04), 0, 1)),
                                 "Accuracy": cell(np.clip(auroc * 0.9 + rng.normal(0, 0.04), 0, 1))}
                             for g in gs} for dim, gs in STRATA.items()},
        # a pre-specified run of the suite (its seeds and protocol), so the board ranks it
        "provenance": {"metric_definitions": 2, "seed": 0, "protocol": "classification", "split_seed": 0,
                       "bootstrap_seed": 42},
        "bootstrap": {"scheme": "sha256:" + "0" * 64, "B": 1000, "seed": 42,
                      "replicates": {"AUROC": encode_replicates(reps)}},
        "details": {"per_fold": {"AUROC": {"values": [float(x) for x in rng.uniform(0.5, 1, 5)]}},
                    "confusion": [[int(x) for x in rng.integers(0, 100, 2)] for _ in range(2)],
                    "notes": "x" * 2000},
    }


def record(i: int, model: str, auroc: float, prefix: str = "bench", realistic: bool = False) -> EvalRecord:
    extra = _realistic(i, auroc) if realistic else {
        "stratified": {
            "scanner": {
                "GE": {"N": 70, "AUROC": {"value": auroc}},
                "Siemens": {"N": 60, "AUROC": {"value": auroc * 0.95}},
            }
        }
    }
    return finalize(
        EvalRecord.model_validate(
            {
                "eval_id": f"SUITE-TOY-CLASS.{prefix}.{model}.{i:07d}",
                "benchmark_id": "BM-TOY-CLASS",
                "suite_id": "SUITE-TOY-CLASS",
                "model": {"id": model, "name": model.upper()},
                "dataset": {"id": "DS-TOY-FMRI-CLASS", "name": "Toy fMRI Classification", "n": 200},
                "created_at": datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=i),
                "metrics": {
                    "AUROC": {"value": auroc, "ci": [max(0, auroc - 0.05), min(1, auroc + 0.05)], "n": 200},
                    "Accuracy": {"value": auroc * 0.9, "n": 200},
                },
                **extra,
            }
        )
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], q: float) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]
    )


def timed_get(cx: httpx.Client, url: str) -> float:
    t = time.perf_counter()
    r = cx.get(url)
    r.raise_for_status()
    return (time.perf_counter() - t) * 1000


def readers_phase(url: str, token: str, maint: str, args: argparse.Namespace) -> None:
    """Page latency for concurrent readers, alone and while one record a second is accepted."""
    import threading

    pages = ["/benchmarks/BM-TOY-CLASS", "/api/leaderboards/BM-TOY-CLASS", "/"]

    def read(stop: threading.Event, out: list[float]) -> None:
        with httpx.Client(base_url=url, timeout=60) as cx:
            k = 0
            while not stop.is_set():
                out.append(timed_get(cx, pages[k % len(pages)]))
                k += 1

    def accept_one(i: int, latencies: list[float]) -> None:
        t = time.perf_counter()
        with httpx.Client(base_url=url, timeout=120) as cx:
            body = record_to_yaml(record(10_000_000 + i, f"live{i:04d}", 0.7, "live", realistic=True))
            r = cx.post("/api/submissions", content=body, headers={
                "Authorization": f"Bearer {token}", "Content-Type": "application/yaml"})
            cx.post(f"/api/submissions/{r.json()['id']}/review", json={"decision": "accept"},
                    headers={"Authorization": f"Bearer {maint}"}).raise_for_status()
        latencies.append((time.perf_counter() - t) * 1000)

    def phase(with_writer: bool) -> tuple[list[float], list[float]]:
        """Readers for ``args.seconds``; with the writer, one submit+accept starts every second (an
        arrival rate: a slow accept does not delay the next one; concurrent rebuilds coalesce)."""
        stop, lat, accepts = threading.Event(), [], []
        threads = [threading.Thread(target=read, args=(stop, lat)) for _ in range(args.readers)]
        for th in threads:
            th.start()
        writers = []
        t0 = time.monotonic()
        i = 0
        while time.monotonic() - t0 < args.seconds:
            if with_writer:
                w = threading.Thread(target=accept_one, args=(i, accepts))
                w.start()
                writers.append(w)
                i += 1
            time.sleep(max(0.0, t0 + i - time.monotonic()) if with_writer else 1.0)
        for w in writers:
            w.join()
        stop.set()
        for th in threads:
            th.join()
        return lat, accepts

    quiet, _ = phase(False)
    busy, accept_ms = phase(True)
    accepted = len(accept_ms)
    print(f"{args.readers} readers alone:            p50 {pct(quiet, 50):7.1f} ms  "
          f"p95 {pct(quiet, 95):7.1f} ms ({len(quiet)} requests)")
    print(f"{args.readers} readers, 1 accept/s ({accepted} accepted): p50 {pct(busy, 50):7.1f} ms  "
          f"p95 {pct(busy, 95):7.1f} ms ({len(busy)} requests); "
          f"p95 ratio to alone {pct(busy, 95) / pct(quiet, 95):.2f}")
    print(f"submit + accept (the writer's wait, incl. the rebuild): p50 {pct(accept_ms, 50):.0f} ms, "
          f"p95 {pct(accept_ms, 95):.0f} ms")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=12_000)
    ap.add_argument("--readers", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=20.0, help="duration of each reader phase")
    ap.add_argument("--models", type=int, default=200, help="models; the rest are their earlier records")
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--per-client", type=int, default=50)
    ap.add_argument("--requests", type=int, default=200)
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="fmbench-hubload-"))
    db = f"sqlite:///{tmp / 'hub.sqlite3'}"
    store = Store.open(db)
    token = store.add_user("loader")[1]
    maint = store.add_user("maint", maintainer=True)[1]
    store.close()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(tmp / "server.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "fmbench", "serve", "--db", db, "--port", str(port), "--log-level", "warning"],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=os.environ.copy(),
    )
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{url}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        print(f"server {url}, store {db}, {os.cpu_count()} CPU(s)")

        # 1. submissions/s
        n = args.clients * args.per_client
        bodies = [
            record_to_yaml(record(i, f"sub{i % 97:03d}", 0.5 + (i % 50) / 100, "sub")) for i in range(n)
        ]

        def client(c: int) -> int:
            ok = 0
            with httpx.Client(
                base_url=url,
                timeout=60,
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/yaml"},
            ) as cx:
                for body in bodies[c * args.per_client : (c + 1) * args.per_client]:
                    ok += cx.post("/api/submissions", content=body).status_code == 201
            return ok

        t = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            stored = sum(pool.map(client, range(args.clients)))
        dt = time.perf_counter() - t
        print(
            f"submissions: {stored}/{n} stored by {args.clients} clients in {dt:.2f} s"
            f" -> {stored / dt:.0f} /s"
        )

        # 2. pages with R accepted records
        t = time.perf_counter()
        recs = [
            (str(i), record(i, f"model{i % args.models:05d}", 0.5 + ((i * 7919) % 4999) / 10_000,
                            realistic=True))
            for i in range(args.records)
        ]
        size_kb = sum(len(record_to_yaml(r)) for _, r in recs[:50]) / 50 / 1024
        store = Store.open(db)
        res = store.import_records(recs)
        store.close()
        print(
            f"imported {res.added} accepted records ({args.models} models, ~{size_kb:.0f} KB each as YAML) "
            f"in {time.perf_counter() - t:.1f} s"
        )
        pages = [
            "/benchmarks/BM-TOY-CLASS",
            "/",
            "/api/leaderboards/BM-TOY-CLASS",
            "/api/leaderboards/BM-TOY-CLASS.csv",
            "/models/model00042",
        ]
        with httpx.Client(base_url=url, timeout=300) as cx:
            cold = timed_get(cx, pages[0])
            print(f"first page after the import (rebuild of {args.records} records): {cold:.0f} ms")
            for p in pages:
                timed_get(cx, p)  # render once
                lat = [timed_get(cx, p) for _ in range(args.requests)]
                size = len(cx.get(p).content)
                print(
                    f"GET {p:38s} p50 {pct(lat, 50):7.1f} ms  p95 {pct(lat, 95):7.1f} ms"
                    f"  ({size / 1024:.0f} KiB)"
                )
        readers_phase(url, token, maint, args)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
