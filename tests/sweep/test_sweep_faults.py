"""Faults on an existing scheduler (`--cluster tcp://…`, the session's LocalCluster of 2 worker
processes): a model that raises is recorded as a failed cell while the others complete; a worker
killed mid-sweep has its cell rescheduled and every cell ends done; Ctrl-C stops cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from sweep_helpers import RAISING, SLOW, cells, python_model, run_fmbench, sweep_env, write_models

from fmbench.records.io import read_record


@pytest.mark.slow
def test_a_raising_model_is_a_failed_cell_and_the_others_complete(tmp_path, data_dir, sweep_cache, dask_cluster):
    address, _ = dask_cluster
    good = write_models(tmp_path / "models", ["majority", "logistic"])
    broken = python_model(tmp_path / "models", "broken", RAISING, "Broken")
    out = tmp_path / "sweep"
    done = run_fmbench("sweep", *[a for m in [*good, broken] for a in ("--model", m)], "--suite", "SUITE-TOY-CLASS",
                       "--out", out, "--cluster", address, env=sweep_env(data_dir, sweep_cache))
    assert done.returncode == 1, done.stderr  # a failed cell: exit 1, after every other cell is written
    state = cells(out)
    assert set(state) == {("SUITE-TOY-CLASS", m, 0) for m in ("majority", "logistic", "broken")}
    assert state["SUITE-TOY-CLASS", "majority", 0]["status"] == "done"
    assert state["SUITE-TOY-CLASS", "logistic", 0]["status"] == "done"
    failed = state["SUITE-TOY-CLASS", "broken", 0]
    assert failed["status"] == "failed"
    assert "weights file is corrupt" in failed["error"] and "\n" not in failed["error"]
    record = read_record(out / "SUITE-TOY-CLASS" / "broken" / "seed-0" / "eval.yaml")
    assert record.status == "failed" and record.error == failed["error"] and not record.metrics
    assert not (out / "SUITE-TOY-CLASS" / "broken" / "seed-0" / "report.html").exists()
    assert f"failed: {out / 'SUITE-TOY-CLASS' / 'broken' / 'seed-0' / 'cell.json'}: " in done.stdout
    assert "3 cells: 2 done, 0 unchanged (not rerun), 1 failed" in done.stdout
    # a failed cell is not finished: the next run tries it again (and only it)
    again = run_fmbench("sweep", *[a for m in [*good, broken] for a in ("--model", m)], "--suite",
                        "SUITE-TOY-CLASS", "--out", out, "--cluster", address, env=sweep_env(data_dir, sweep_cache))
    assert again.returncode == 1 and "3 cells: 0 done, 2 unchanged (not rerun), 1 failed; 1 ran" in again.stdout


def _sweep(args: list, env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "fmbench", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


@pytest.mark.slow
def test_killing_a_worker_mid_sweep_still_ends_with_every_cell_done(tmp_path, data_dir, sweep_cache, dask_cluster):
    address, client = dask_cluster
    slow = python_model(tmp_path / "models", "slow", SLOW, "Slow")
    out = tmp_path / "sweep"
    proc = _sweep(["sweep", "--model", slow, "--suite", "SUITE-TOY-CLASS", "--seeds", "0-3", "--out", out,
                   "--cluster", address], sweep_env(data_dir, sweep_cache))
    killed = None
    deadline = time.monotonic() + 120
    while killed is None and time.monotonic() < deadline and proc.poll() is None:
        busy = {w: [k for k in keys if str(k).startswith("fmbench-cell-")] for w, keys in client.processing().items()}
        busy = {w: keys for w, keys in busy.items() if keys}
        if busy:
            worker, keys = sorted(busy.items())[0]
            pids = client.run(os.getpid)
            os.kill(pids[worker], signal.SIGKILL)
            killed = (worker, int(str(keys[0]).split("-")[2]))
        else:
            time.sleep(0.05)
    stdout, stderr = proc.communicate(timeout=300)
    assert killed is not None, "no cell was seen running"
    assert proc.returncode == 0, stderr
    state = cells(out)
    assert sorted(state) == [("SUITE-TOY-CLASS", "slow", k) for k in range(4)]
    assert {s["status"] for s in state.values()} == {"done"}
    worker, index = killed  # the cell that was running on the killed worker ran again on another
    assert state["SUITE-TOY-CLASS", "slow", index]["worker"] != worker
    assert "4 cells: 4 done, 0 unchanged (not rerun), 0 failed" in stdout
    client.wait_for_workers(2, timeout=60)  # the nanny restarted it, for the tests that follow


@pytest.mark.slow
def test_ctrl_c_cancels_keeps_finished_cells_and_says_how_to_continue(tmp_path, data_dir, sweep_cache, dask_cluster):
    address, client = dask_cluster
    slow = python_model(tmp_path / "models", "slow", SLOW, "Slow")
    out = tmp_path / "sweep"
    args = ["sweep", "--model", slow, "--suite", "SUITE-TOY-CLASS", "--seeds", "0-5", "--out", out,
            "--cluster", address]
    proc = _sweep(args, sweep_env(data_dir, sweep_cache))
    deadline = time.monotonic() + 120
    while not list(out.glob("*/*/seed-*/cell.json")) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    written = len(cells(out))
    assert 1 <= written < 6
    lines = stderr.strip().splitlines()
    assert lines == [f"interrupted: finished and written: {written} of 6 cells (in {out}); continue with: "
                     f"python -m fmbench sweep --model {slow} --suite SUITE-TOY-CLASS --seeds 0-5 --out {out} "
                     f"--cluster {address}"]
    assert not list(out.rglob(".*"))  # no half-written cell
    for _ in range(100):  # the cancelled cells left the scheduler
        if not any(str(k).startswith("fmbench-cell-") for keys in client.processing().values() for k in keys):
            break
        time.sleep(0.1)
    resumed = run_fmbench(*args, env=sweep_env(data_dir, sweep_cache))
    assert resumed.returncode == 0, resumed.stderr
    assert f"6 cells: {6 - written} done, {written} unchanged (not rerun), 0 failed" in resumed.stdout
