"""Hub load figures: submissions/s over HTTP, and page latency with 10,000 accepted records.

Starts ``fmbench serve`` on a free loopback port with a fresh SQLite store, then
1. C concurrent clients each post S records (YAML over HTTP, real token auth) -> submissions/s;
2. imports R accepted records (M models) and times the leaderboard pages: the first request
   after a change (rebuild), then repeated requests -> p50/p95 (target p95 < 200 ms).

    python benchmarks/hub_load.py [--records 10000 --models 1000 --clients 20 --per-client 50]
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

from fmbench.hub.store import Store
from fmbench.records.io import finalize, record_to_yaml
from fmbench.records.schema import EvalRecord


def record(i: int, model: str, auroc: float, prefix: str = "bench") -> EvalRecord:
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
                "stratified": {
                    "scanner": {
                        "GE": {"N": 70, "AUROC": {"value": auroc}},
                        "Siemens": {"N": 60, "AUROC": {"value": auroc * 0.95}},
                    }
                },
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=10_000)
    ap.add_argument("--models", type=int, default=1_000)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--per-client", type=int, default=50)
    ap.add_argument("--requests", type=int, default=200)
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="fmbench-hubload-"))
    db = f"sqlite:///{tmp / 'hub.sqlite3'}"
    store = Store.open(db)
    token = store.add_user("loader")[1]
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
            (str(i), record(i, f"model{i % args.models:05d}", 0.5 + ((i * 7919) % 4999) / 10_000))
            for i in range(args.records)
        ]
        store = Store.open(db)
        res = store.import_records(recs)
        store.close()
        print(
            f"imported {res.added} accepted records ({args.models} models) in {time.perf_counter() - t:.1f} s"
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
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
