"""Issue 15: 10,000 seeded mutations of valid records against a real hub, on SQLite and PostgreSQL.

No reply may be a server error, the server must stay under 300 MB, and every record the hub
accepts is re-checked by an oracle written here, independently of fmbench's intake code.
"""

from __future__ import annotations

import copy
import json
import math
import os
import random
from datetime import UTC, datetime, timedelta

import httpx
import psutil
import pytest
from hub_helpers import auth, reset_postgres

from fmbench.catalog.registry import load_catalog
from fmbench.hub.store import Store
from fmbench.records.digest import compute_digest
from fmbench.records.schema import EvalRecord
from fmbench.testing import make_toy_record

N_MUTANTS = int(os.environ.get("FMBENCH_FUZZ_N", "10000"))
WEIRD_VALUES = [True, False, "0.9", "", None, -1, 2, 1e308, -1e308, "NaN", [], {}, [0.1], 10**30, 0, 1, 0.5,
                "=HYPERLINK(1)", "a/b", "x\x00y", "\u202e", 2**63, -0.0]
WEIRD_DATES = ["0999-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00+01:00", "2026-13-01",
               "1999-12-31T23:59:59Z", "2000-01-01T00:00:00Z", "not a date", 0, None]


def _paths(data, prefix=()):  # noqa: ANN001, ANN202
    """Every (path, value) in nested data."""
    yield prefix, data
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _paths(v, (*prefix, i))


def _set(data, path, value):  # noqa: ANN001, ANN202
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


def mutate(base: dict, rng: random.Random, i: int) -> dict:
    data = copy.deepcopy(base)
    data["eval_id"] = f"FUZZ.{i:06d}"
    for _ in range(rng.randint(1, 3)):
        paths = [p for p, _ in _paths(data) if p]
        path = rng.choice(paths)
        kind = rng.random()
        if kind < 0.35:
            _set(data, path, rng.choice(WEIRD_VALUES))
        elif kind < 0.45:
            node = data
            for key in path[:-1]:
                node = node[key]
            if isinstance(node, dict):
                node.pop(path[-1], None)
        elif kind < 0.55:
            data["created_at"] = rng.choice(WEIRD_DATES)
        elif kind < 0.65:
            name = rng.choice(["AUROC", "Accuracy", "Bogus", "auroc", "F1-Score", "ECE"])
            if not isinstance(data.get("metrics"), dict):
                data["metrics"] = {}
            data["metrics"][name] = {"value": rng.uniform(-0.5, 1.5), "ci": sorted([rng.random(), rng.random()]),
                                     "n": rng.choice([1, 200, 201, 10_000])}
        elif kind < 0.72:
            data[rng.choice(["suite_id", "benchmark_id"])] = rng.choice(
                ["SUITE-TOY-CLASS-CV", "SUITE-AD-MRI", "SUITE-NOPE", "BM-001", "robustness_testing", None])
        elif kind < 0.79:
            ds = data.get("dataset") if isinstance(data.get("dataset"), dict) else {}
            data["dataset"] = {**ds, rng.choice(["id", "n", "split"]): rng.choice(
                ["DS-AD-MRI-SIM", 10, 100_000, "a/b", "", None, "train"])}
        elif kind < 0.86:
            data["evidence"] = rng.choice(["reported", "run", "paper"])
        elif kind < 0.93:
            deep: dict = {}
            node = deep
            for _ in range(rng.choice([10, 63, 65, 300])):
                node["x"] = {}
                node = node["x"]
            data["details"] = deep
        else:
            strata = data.get("stratified")
            scanner = strata.get("scanner") if isinstance(strata, dict) else None
            for group in scanner.values() if isinstance(scanner, dict) else ():
                if isinstance(group, dict):
                    group["N"] = rng.choice([0, 100, 1000, -1, 2.5])
    data.pop("digest", None)
    if rng.random() < 0.9:  # most mutants carry a correct digest, so they reach the semantic checks
        try:
            data["digest"] = compute_digest(EvalRecord.model_validate(data))
        except Exception:  # noqa: BLE001 - not a record at all; sent without a digest
            pass
    return data


def oracle_problems(rec: dict, catalog) -> list[str]:  # noqa: ANN001
    """What an accepted record must satisfy, written independently of fmbench's intake code."""
    out = []
    bench = catalog.benchmarks.get(rec["benchmark_id"])
    if bench is None:
        return ["unknown benchmark"]
    specs = {m.name: m for m in bench.metrics}
    n = rec["dataset"].get("n")

    def check_metric(where: str, name: str, mv: dict) -> None:
        if name not in specs:
            out.append(f"{where}: undefined metric {name}")
            return
        v, ci = mv.get("value"), mv.get("ci")
        for x in [v, *(ci or [])]:
            if x is not None and (type(x) is not float or not math.isfinite(x)):
                out.append(f"{where}: not a real number {x!r}")
            elif x is not None and not specs[name].in_range(x):
                out.append(f"{where}: out of range {x}")
        if v is not None and ci is not None and not ci[0] <= v <= ci[1]:
            out.append(f"{where}: CI excludes value")
        if n is not None and mv.get("n") is not None and mv["n"] > n:
            out.append(f"{where}: n above dataset n")

    for name, mv in rec["metrics"].items():
        check_metric(f"metrics.{name}", name, mv)
    for dim, groups in rec.get("stratified", {}).items():
        if n is not None and sum(g["N"] for g in groups.values()) > n:
            out.append(f"stratified.{dim}: N sum above n")
        for g, res in groups.items():
            for name, mv in res.items():
                if name != "N":
                    check_metric(f"stratified.{dim}.{g}", name, mv)
    for ident in (rec["model"]["id"], rec["dataset"]["id"], rec["benchmark_id"], rec.get("suite_id") or ""):
        if "/" in ident or any(ord(c) < 32 or ord(c) == 127 for c in ident):
            out.append(f"id {ident!r} not plain")
    created = datetime.fromisoformat(rec["created_at"].replace("Z", "+00:00"))
    if not datetime(2000, 1, 1, tzinfo=UTC) <= created <= datetime.now(UTC) + timedelta(days=1):
        out.append("created_at implausible")
    suite_id = rec.get("suite_id")
    if suite_id is not None:
        suite = catalog.suites.get(suite_id)
        if suite is None or suite.benchmark_id != rec["benchmark_id"]:
            out.append("suite unknown or of another benchmark")
        elif rec["evidence"] == "run" and rec["dataset"]["id"] != suite.dataset_id:
            out.append("not the suite's dataset")
    return out


def _depth(data, d=0) -> int:  # noqa: ANN001
    if isinstance(data, dict):
        return max([_depth(v, d + 1) for v in data.values()], default=d + 1)
    if isinstance(data, list):
        return max([_depth(v, d + 1) for v in data], default=d + 1)
    return d


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_fuzzed_submissions_never_break_the_hub(backend, server_factory, request, tmp_path):
    db = f"sqlite:///{tmp_path / 'fuzz.sqlite3'}"
    if backend == "postgresql":
        db = request.getfixturevalue("postgres_url")
        reset_postgres(db)
    srv = server_factory(db)
    store = Store.open(srv.db_url)
    token = store.add_user("fuzzer")[1]
    store.close()
    catalog = load_catalog()
    rng = random.Random(20261207)
    bases = [make_toy_record(k).to_data() for k in range(5)]
    statuses: dict[int, int] = {}
    accepted = 0
    with httpx.Client(base_url=srv.url, headers=auth(token), timeout=30) as client:
        for i in range(N_MUTANTS):
            body = json.dumps(mutate(rng.choice(bases), rng, i), default=str)
            r = client.post("/api/submissions", content=body, headers={"Content-Type": "application/json"})
            statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
            assert r.status_code < 500, (i, r.status_code, r.text[:300])
            if r.status_code in (200, 201):
                accepted += 1
                rec = client.get(f"/api/submissions/{r.json()['id']}").json()["record"]
                assert oracle_problems(rec, catalog) == [], (i, rec)
                assert _depth(rec) <= 64
        assert client.get("/api/health").status_code == 200
    rss = psutil.Process(srv.proc.pid).memory_info().rss
    assert rss < 300 * 2**20, rss / 2**20
    assert accepted > 0 and statuses.get(422, 0) > 0  # the mutator reaches both outcomes
    print(f"{backend}: {N_MUTANTS} mutants, replies {dict(sorted(statuses.items()))}, server RSS {rss / 2**20:.0f} MB")
