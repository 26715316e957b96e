"""The sweep through `--cluster slurm` (dask-jobqueue's SLURMCluster) on a real one-node Slurm
cluster that the test starts on localhost: every cell's record is written by Slurm job workers.
Under CI=true this runs (slurm-wlm and munge are in the test command); elsewhere it is skipped
only when the binaries are missing."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sweep_helpers import cells, run_fmbench, sweep_env, write_models

from fmbench.records.io import read_record

pytest.importorskip("dask_jobqueue", reason="the dist extra (dask-jobqueue) is not installed")


@pytest.mark.slow
@pytest.mark.slurm
def test_the_small_sweep_runs_on_slurm_job_workers(tmp_path, data_dir, slurm_env):
    models = write_models(tmp_path / "models")
    out = tmp_path / "sweep"
    env = {**sweep_env(data_dir, tmp_path / "cache"), "SLURM_CONF": slurm_env["SLURM_CONF"]}
    args = ["sweep", *[a for m in models for a in ("--model", m)], "--suite", "SUITE-TOY-CLASS,SUITE-TOY-CLASS-CV",
            "--seeds", "0,1", "--out", out, "--cluster", "slurm", "--workers", "2", "--slurm-interface", "lo",
            "--slurm-cores", "1", "--slurm-memory", "1GB", "--slurm-walltime", "00:10:00"]
    done = subprocess.run([sys.executable, "-m", "fmbench", *map(str, args)], capture_output=True,
                          text=True, env=env, timeout=400, cwd=tmp_path)
    assert done.returncode == 0, done.stderr + done.stdout
    assert "12 cells: 12 done, 0 unchanged (not rerun), 0 failed; 12 ran on 2 Slurm job(s)" in done.stdout
    state = cells(out)
    assert len(state) == 12 and {s["status"] for s in state.values()} == {"done"}
    assert all(s["worker"].startswith("tcp://127.0.0.1:") for s in state.values())
    for (suite, model, seed) in state:
        record = read_record(out / suite / model / f"seed-{seed}" / "eval.yaml")
        assert record.status == "completed" and record.provenance["seed"] == seed
    assert len(list(tmp_path.glob("slurm-*.out"))) == 2  # two worker jobs ran under Slurm (their output files)
    again = run_fmbench(*args, env=env)
    assert again.returncode == 0 and "0 ran in" in again.stdout  # nothing to do: no job submitted
