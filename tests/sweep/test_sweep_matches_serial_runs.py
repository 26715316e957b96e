"""A 3 models × 2 suites × 2 seeds sweep on a LocalCluster of 2 worker processes gives the records
that `fmbench run --seed k` gives cell by cell (apart from ids, times and resources); rerunning it
runs nothing; changing one model config reruns only that model's cells."""

from __future__ import annotations

import pytest
from sweep_helpers import cells, run_fmbench, sweep_env, write_models

from fmbench.records.io import read_record

SUITES = ["SUITE-TOY-CLASS", "SUITE-TOY-CLASS-CV"]
SEEDS = [0, 1]
VARYING = {"eval_id", "created_at", "resources", "digest"}


def _comparable(path) -> dict:  # noqa: ANN001
    data = read_record(path).to_data()
    return {k: v for k, v in data.items() if k not in VARYING}


@pytest.mark.slow
def test_sweep_equals_serial_runs_then_skips_then_reruns_only_what_changed(tmp_path, data_dir):
    models = write_models(tmp_path / "models")
    out = tmp_path / "sweep"
    env = sweep_env(data_dir, tmp_path / "cache-sweep")
    args = ["sweep", *[a for m in models for a in ("--model", m)], "--suite", ",".join(SUITES),
            "--seeds", "0,1", "--out", out, "--cluster", "local", "--workers", "2", "--resources", "GPU=1"]
    first = run_fmbench(*args, env=env)
    assert first.returncode == 0, first.stderr
    assert "12 cells: 12 done, 0 unchanged (not rerun), 0 failed; 12 ran on a local cluster of 2" in first.stdout
    state = cells(out)
    assert len(state) == 12 and {s["status"] for s in state.values()} == {"done"}
    assert len({s["worker"] for s in state.values()}) == 2  # both worker processes ran cells
    assert not list(out.rglob(".*"))  # no staging folders or temporary files left

    # The same cells one by one with `fmbench run` (its own output cache: nothing reused from the sweep).
    serial = tmp_path / "serial"
    env_serial = sweep_env(data_dir, tmp_path / "cache-serial")
    for model in models:
        for seed in SEEDS:
            target = serial / model.stem / f"seed-{seed}"
            done = run_fmbench("run", "--model", model, "--suite", ",".join(SUITES), "--seed", seed,
                               "--out", target, env=env_serial)
            assert done.returncode == 0, done.stderr
            for suite in SUITES:
                swept = out / suite / model.stem / f"seed-{seed}" / "eval.yaml"
                assert _comparable(swept) == _comparable(target / suite / "eval.yaml"), (suite, model.stem, seed)
                assert read_record(swept).provenance["seed"] == seed
                assert (out / suite / model.stem / f"seed-{seed}" / "report.html").is_file()
    seed1 = read_record(out / SUITES[0] / "logistic" / "seed-1" / "eval.yaml")
    seed0 = read_record(out / SUITES[0] / "logistic" / "seed-0" / "eval.yaml")
    assert seed1.provenance["split_seed"] == 1 and seed0.provenance["split_seed"] == 0
    assert seed1.metrics["AUROC"].value != seed0.metrics["AUROC"].value  # the seed reached the split

    ids = {k: read_record(out / k[0] / k[1] / f"seed-{k[2]}" / "eval.yaml").eval_id for k in state}

    again = run_fmbench(*args, env=env)
    assert again.returncode == 0, again.stderr
    assert "12 cells: 0 done, 12 unchanged (not rerun), 0 failed; 0 ran in" in again.stdout
    assert cells(out) == state

    # C=0.1 -> C=1.0 changes the logistic model's config digest: its 4 cells rerun, no other.
    (tmp_path / "models" / "logistic.yaml").write_text("model_id: logistic\ntype: builtin\ninit_kwargs: {C: 1.0}\n")
    changed = run_fmbench(*args, env=env)
    assert changed.returncode == 0, changed.stderr
    assert "12 cells: 4 done, 8 unchanged (not rerun), 0 failed; 4 ran" in changed.stdout
    after = cells(out)
    for k, s in after.items():
        new_id = read_record(out / k[0] / k[1] / f"seed-{k[2]}" / "eval.yaml").eval_id
        if k[1] == "logistic":
            assert s["key"] != state[k]["key"] and new_id != ids[k]
        else:
            assert s == state[k] and new_id == ids[k]
