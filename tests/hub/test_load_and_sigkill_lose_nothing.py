"""Load and faults against a real uvicorn on loopback (bounded; marked slow)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import text

from fmbench.hub.store import Store, record_from_json
from fmbench.records.digest import digest_matches
from fmbench.records.io import record_to_yaml
from fmbench.testing import make_toy_record

pytestmark = pytest.mark.slow
HEADERS = {"Content-Type": "application/yaml"}


def _rows(db_url: str) -> list[tuple[int, str, str, str]]:
    store = Store.open(db_url)
    try:
        with store.engines.read.connect() as conn:
            return [
                tuple(r)
                for r in conn.execute(
                    text("SELECT id, eval_id, digest, record_json FROM submissions ORDER BY id")
                )
            ]
    finally:
        store.close()


def test_20_clients_x_50_submissions_each_stored_exactly_once(tmp_path, server_factory):
    db_url = f"sqlite:///{tmp_path / 'hub.sqlite3'}"
    store = Store.open(db_url)
    token = store.add_user("loader")[1]
    store.close()
    srv = server_factory(db_url)
    n_clients, per_client = 20, 50
    bodies = [
        [record_to_yaml(make_toy_record(c * per_client + k, model=f"m{c:02d}")) for k in range(per_client)]
        for c in range(n_clients)
    ]

    def client_run(c: int) -> list[tuple[int, str]]:
        out = []
        with httpx.Client(
            base_url=srv.url, headers={"Authorization": f"Bearer {token}", **HEADERS}, timeout=60
        ) as cx:
            for body in bodies[c]:
                r = cx.post("/api/submissions", content=body)
                out.append((r.status_code, r.json()["eval_id"]))
            r = cx.post("/api/submissions", content=bodies[c][0])  # a retry: idempotent
            out.append((r.status_code, r.json()["eval_id"]))
        return out

    t0 = time.perf_counter()
    with ThreadPoolExecutor(n_clients) as pool:
        results = [x for part in pool.map(client_run, range(n_clients)) for x in part]
    elapsed = time.perf_counter() - t0
    created = [e for s, e in results if s == 201]
    assert sorted(s for s, _ in results if s != 201) == [200] * n_clients
    assert len(created) == len(set(created)) == n_clients * per_client
    rows = _rows(db_url)
    assert sorted(r[1] for r in rows) == sorted(created)  # each acknowledged one, once
    assert all(digest_matches(record_from_json(r[3])) for r in rows)
    print(f"{len(created)} submissions in {elapsed:.1f}s ({len(created) / elapsed:.0f}/s)")


def test_sigkill_mid_submissions_loses_nothing_acknowledged(tmp_path, server_factory):
    db_url = f"sqlite:///{tmp_path / 'hub.sqlite3'}"
    store = Store.open(db_url)
    token = store.add_user("loader")[1]
    store.close()
    srv = server_factory(db_url)
    acked: list[str] = []
    sent: set[str] = set()
    lock = threading.Lock()
    stop = threading.Event()

    def client_run(c: int) -> None:
        with httpx.Client(
            base_url=srv.url, headers={"Authorization": f"Bearer {token}", **HEADERS}, timeout=10
        ) as cx:
            for k in range(10_000):
                if stop.is_set():
                    return
                rec = make_toy_record(c * 10_000 + k, model=f"k{c}")
                with lock:
                    sent.add(rec.eval_id)
                try:
                    r = cx.post("/api/submissions", content=record_to_yaml(rec))
                except httpx.HTTPError:
                    return  # the server died mid-request: not acknowledged
                if r.status_code in (200, 201):
                    with lock:
                        acked.append(r.json()["eval_id"])

    threads = [threading.Thread(target=client_run, args=(c,), daemon=True) for c in range(8)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    while len(acked) < 150 and time.monotonic() < deadline:
        time.sleep(0.02)
    srv.kill()  # SIGKILL while the clients are still submitting
    stop.set()
    for t in threads:
        t.join(timeout=30)
    assert len(acked) >= 150

    restarted = server_factory(db_url)  # restart on the same file
    rows = _rows(db_url)
    stored = [r[1] for r in rows]
    assert len(stored) == len(set(stored))
    assert set(acked) <= set(stored)  # every acknowledged submission survived
    assert set(stored) <= sent
    for _id, eval_id, digest, payload in rows:  # and none is partial
        rec = record_from_json(payload)
        assert rec.eval_id == eval_id and rec.digest == digest and digest_matches(rec)
    store = Store.open(db_url)
    with store.engines.read.connect() as conn:
        assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    store.close()
    r = httpx.get(f"{restarted.url}/api/health", timeout=10)
    assert r.status_code == 200
    print(
        f"acknowledged {len(acked)}, stored {len(stored)} (in flight at the kill: {len(stored) - len(acked)})"
    )
