"""A sweep YAML file: `validate` checks it before anything runs, bad ones are one line and exit 2
with nothing written; a suite's declared seeds are the default grid and `--leaderboard` builds
boards where each model's row is the mean ± sd over those seeds."""

from __future__ import annotations

import json
import statistics

import pytest
from sweep_helpers import cells, run_fmbench, sweep_env, write_models

from fmbench.records.io import read_record

SEEDED_SUITE = """id: SUITE-TOY-SEEDS
benchmark_id: BM-TOY-CLASS
name: Toy fMRI classification, holdout split, three pre-specified seeds
description: SUITE-TOY-CLASS run at split seeds 0, 1 and 2.
dataset_id: DS-TOY-FMRI-CLASS
protocol: classification
label_column: label
positive_class: positive
split: {kind: holdout, test_fraction: 0.3, group_column: subject_id, seed: 0}
bootstrap: {n_boot: 200, seed: 42, cluster_column: subject_id}
seeds: [0, 1, 2]
min_group_size: 10
required_metadata: [subject_id, scanner, site, disease_stage, sex, age, ethnicity]
"""


@pytest.mark.parametrize("body, expected", [
    ("kind: sweep\nmodels: [logistic]\nsuites: [SUITE-TOY-CLASS]\nseeds: [0, 0]\n", "sweep.yaml: seeds: must be distinct"),
    ("kind: sweep\nmodels: [logistic]\nsuites: [SUITE-NOPE]\n", "sweep.yaml: suites[0]: unknown suite id 'SUITE-NOPE'"),
    ("kind: sweep\nmodels: [missing.yaml]\nsuites: [SUITE-TOY-CLASS]\n", "sweep.yaml: models[0]: "),
    ("kind: sweep\nmodels: [logistic]\nsuites: [SUITE-TOY-CLASS]\ncluster: nowhere\n", "sweep.yaml: cluster: 'nowhere'"),
    ("kind: sweep\nmodels: [logistic]\nsuites: [SUITE-TOY-CLASS]\nworkerz: 2\n", "sweep.yaml: workerz: Extra inputs"),
    ("kind: sweep\nmodels: [logistic]\nsuites: [SUITE-TOY-CLASS]\nseeds: [" + ", ".join(map(str, range(101))) + "]\n",
     "sweep.yaml: seeds: List should have at most 100 items"),
    ("kind: sweep\nmodels: [" + ", ".join(["logistic"] * 150) + "]\nsuites: ["
     + ", ".join(f"S{i}" for i in range(70)) + "]\n", "the grid has 10500 cells; at most 10000"),
], ids=["repeated-seed", "unknown-suite", "missing-model-file", "bad-cluster", "misspelt-field", "too-many-seeds",
        "too-many-cells"])
def test_a_bad_sweep_file_is_one_line_exit_2_and_writes_nothing(tmp_path, data_dir, body, expected):
    path = tmp_path / "sweep.yaml"
    path.write_text(body + f"out: {tmp_path / 'out'}\n")
    env = sweep_env(data_dir, tmp_path / "cache")
    checked = run_fmbench("validate", path, env=env)
    assert checked.returncode == 2 and expected in checked.stdout + checked.stderr, checked.stdout + checked.stderr
    swept = run_fmbench("sweep", path, env=env)
    assert swept.returncode == 2 and swept.stdout == ""
    assert len(swept.stderr.strip().splitlines()) == 1 and expected.split(": ", 1)[-1] in swept.stderr
    assert not (tmp_path / "out").exists()


def test_a_good_sweep_file_validates_and_refuses_grid_options_beside_it(tmp_path, data_dir):
    write_models(tmp_path, ["majority"])
    path = tmp_path / "sweep.yaml"
    path.write_text("kind: sweep\nmodels: [majority.yaml, logistic]\nsuites: [SUITE-TOY-CLASS]\nout: out\n")
    env = sweep_env(data_dir, tmp_path / "cache")
    checked = run_fmbench("validate", path, env=env)
    assert checked.returncode == 0 and "1 file(s) valid" in checked.stdout, checked.stderr
    both = run_fmbench("sweep", path, "--seeds", "0,1", env=env)
    assert both.returncode == 2 and both.stderr.startswith("error: --seeds: ") and not (tmp_path / "out").exists()


@pytest.mark.slow
def test_suite_seeds_are_the_default_grid_and_boards_show_mean_and_sd(tmp_path, data_dir, sweep_cache, dask_cluster):
    address, _ = dask_cluster
    catalog = tmp_path / "catalog"
    (catalog / "suites").mkdir(parents=True)
    (catalog / "suites" / "SUITE-TOY-SEEDS.yaml").write_text(SEEDED_SUITE)
    write_models(tmp_path, ["majority", "logistic"])
    path = tmp_path / "grid.yaml"
    path.write_text(f"kind: sweep\nmodels: [majority.yaml, logistic.yaml]\nsuites: [SUITE-TOY-SEEDS]\n"
                    f"catalog: [catalog]\nout: sweep\nleaderboard: boards\ncluster: {address}\n")
    done = run_fmbench("sweep", path, env=sweep_env(data_dir, sweep_cache))
    assert done.returncode == 0, done.stderr
    state = cells(tmp_path / "sweep")
    assert sorted(state) == [("SUITE-TOY-SEEDS", m, k) for m in ("logistic", "majority") for k in (0, 1, 2)]
    board = json.loads((tmp_path / "boards" / "leaderboard.json").read_text())
    assert board["skipped"] == []
    # records of one model finishing in the same second differ in their ids (the seeds are in them)
    ids = [read_record(p).eval_id for p in (tmp_path / "sweep").glob("*/*/seed-*/eval.yaml")]
    assert len(set(ids)) == 6
    assert (tmp_path / "boards" / "index.md").is_file() and (tmp_path / "boards" / "html" / "index.html").is_file()
    rows = _rows(board, "SUITE-TOY-SEEDS")
    assert {r["model_id"] for r in rows} == {"logistic", "majority"}
    for row in rows:  # mean and sd recomputed from the records themselves
        values = [read_record(tmp_path / "sweep" / "SUITE-TOY-SEEDS" / row["model_id"] / f"seed-{k}" / "eval.yaml")
                  .metrics["AUROC"].value for k in (0, 1, 2)]
        seeds = row["seeds"]
        assert [s["seed"] for s in seeds["seeds"]] == [0, 1, 2]
        assert seeds["mean"] == pytest.approx(statistics.mean(values), abs=1e-12)
        assert seeds["sd"] == pytest.approx(statistics.stdev(values), abs=1e-12)


def _rows(board: dict, suite: str) -> list[dict]:
    out = []
    for bench in board["benchmarks"]:
        for table in bench.get("tables", []):
            if table["test_set"]["suite_id"] == suite:
                out += table["rows"]
    return out
