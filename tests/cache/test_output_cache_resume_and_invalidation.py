"""Output cache: SIGKILL half-way + --resume gives the same record; invalidation; ls/clear."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from fmbench.errors import ConfigError
from fmbench.testing import comparable, make_catalog, read_eval, write_yaml

pytestmark = pytest.mark.usefixtures("isolated_cache")

EMBEDDER = '''
import os
import time
import numpy as np


class SlowEmbedder:
    """Deterministic 3-d embedding; sleeps per call and logs each call's row count.

    The log's path comes from the environment: a file named in init_kwargs is an input of the
    model, part of the cache key, and a log changes on every call."""

    def __init__(self, delay=0.0, scale=1.0):
        self.delay, self.log, self.scale = delay, os.environ.get("SLOW_EMBEDDER_LOG"), scale

    def embed(self, X):
        time.sleep(self.delay)
        if self.log:
            with open(self.log, "a") as fh:
                fh.write(f"{len(X)}\\n")
        X = np.asarray(X, dtype=float)
        return self.scale * np.stack([X.mean(1), X.std(1), X[:, :5].sum(1)], axis=1)
'''


def run_cli(args: list[str]) -> None:
    """In-process `fmbench ARGS`; an exit (only on errors) fails the test."""
    from fmbench.cli import main

    try:
        main(args)
    except SystemExit as exc:  # main exits only on errors
        raise AssertionError(f"fmbench {' '.join(args)} exited with {exc.code}") from None


def setup(tmp_path: Path, monkeypatch, *, delay: float, n: int = 60) -> tuple[Path, Path, Path]:  # noqa: ANN001
    (tmp_path / "pkg").mkdir(exist_ok=True)
    (tmp_path / "pkg" / "slow_embedder.py").write_text(EMBEDDER)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 12))
    labels = ["b" if i % 2 else "a" for i in range(n)]
    X[1::2, :5] += 0.8
    cat = make_catalog(
        tmp_path,
        X,
        labels,
        split={"kind": "kfold", "n_folds": 3, "seed": 0},
        params={"linear_probe": {"Cs": [0.1, 1.0], "inner_folds": 3, "embed_chunk": 10}},
    )
    log = tmp_path / "calls.log"
    monkeypatch.setenv("SLOW_EMBEDDER_LOG", str(log))
    cfg = write_yaml(
        tmp_path / "slow.yaml",
        {
            "model_id": "slow",
            "type": "python_class",
            "import_path": "slow_embedder:SlowEmbedder",
            "init_kwargs": {"delay": delay},
        },
    )
    return cat, cfg, log


def embed_entries(cache: Path) -> list[Path]:
    return sorted((cache / "outputs").glob("*/*/embeddings.*/embed/*.npy"))


@pytest.mark.slow
def test_sigkill_half_way_then_resume_gives_the_same_record(tmp_path, monkeypatch):
    cat, cfg, log = setup(tmp_path, monkeypatch, delay=0.6)
    cache = tmp_path / "fm-cache"
    path = os.pathsep.join(p for p in (str(tmp_path / "pkg"), os.environ.get("PYTHONPATH")) if p)
    env = {**os.environ, "PYTHONPATH": path, "FMBENCH_CACHE": str(cache)}
    args = ["run", "--suite", "SUITE-FM-TEST", "--model", str(cfg), "--catalog", str(cat)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "fmbench", *args, "--out", str(tmp_path / "killed")],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while len(embed_entries(cache)) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = len(embed_entries(cache))
    assert 2 <= done < 6, f"kill came too late or too early: {done} of 6 chunks cached"
    assert not (tmp_path / "killed").exists()  # nothing written for a killed run
    calls_before = len(log.read_text().splitlines())

    sys.path.insert(0, str(tmp_path / "pkg"))
    try:
        run_cli([*args, "--out", str(tmp_path / "resumed"), "--resume"])
        resumed_calls = len(log.read_text().splitlines()) - calls_before
        run_cli([*args, "--out", str(tmp_path / "fresh"), "--no-cache"])
    finally:
        sys.path.remove(str(tmp_path / "pkg"))
    assert resumed_calls == 6 - done  # only the missing chunks were embedded
    resumed = read_eval(tmp_path / "resumed" / "eval.yaml")
    fresh = read_eval(tmp_path / "fresh" / "eval.yaml")
    assert comparable(resumed) == comparable(fresh)
    assert resumed["digest"] != fresh["digest"] and resumed["resources"]["cache_hits"] == done


def test_cache_reused_and_invalidated_by_model_config_and_dataset(tmp_path, monkeypatch):
    from fmbench.runner import run_suite

    cat, cfg, log = setup(tmp_path, monkeypatch, delay=0.0, n=30)
    monkeypatch.syspath_prepend(str(tmp_path / "pkg"))

    def run(out: str, model: Path = cfg, **options) -> dict:
        before = len(log.read_text().splitlines()) if log.exists() else 0
        run_suite("SUITE-FM-TEST", model, tmp_path / out, catalog_dirs=[cat], options=options)
        rec = read_eval(tmp_path / out / "eval.yaml")
        return {"calls": len(log.read_text().splitlines()) - before, "rec": rec}

    first = run("a")
    assert first["calls"] == 3  # 30 rows in chunks of 10
    again = run("b")
    assert again["calls"] == 0 and comparable(again["rec"]) == comparable(first["rec"])
    assert run("c", no_cache=True)["calls"] == 3
    # another model config (same code): new keys
    cfg2 = write_yaml(
        tmp_path / "slow2.yaml",
        {
            "model_id": "slow",
            "type": "python_class",
            "import_path": "slow_embedder:SlowEmbedder",
            "init_kwargs": {"delay": 0.0, "scale": 2.0},
        },
    )
    assert run("d", model=cfg2)["calls"] == 3
    assert run("e", model=cfg2)["calls"] == 0
    # the dataset changes (one value of X.npy): its digest and the keys change
    X = np.load(tmp_path / "data" / "DS-FM-TEST" / "X.npy")
    X[0, 0] += 1.0
    np.save(tmp_path / "data" / "DS-FM-TEST" / "X.npy", X)
    changed = run("f")
    assert changed["calls"] == 3 and changed["rec"]["dataset"]["digest"] != first["rec"]["dataset"]["digest"]
    with pytest.raises(ConfigError, match="--resume"):
        run("g", resume=True, no_cache=True)


def test_classification_predictions_cached_per_fold_and_cache_cli(tmp_path, capsys):
    cache = tmp_path / "fm-cache"
    out1, out2, out3 = (str(tmp_path / n) for n in ("one", "two", "three"))
    run_cli(["run", "--suite", "SUITE-TOY-CLASS-CV", "--model", "logistic", "--out", out1])
    folds = "logistic.*/DS-TOY-FMRI-CLASS.*/classification.*/fit_predict_proba/*.npy"
    entries = sorted((cache / "outputs").glob(folds))
    assert len(entries) == 5  # one per fold
    run_cli(["run", "--suite", "SUITE-TOY-CLASS-CV", "--model", "logistic", "--out", out2])
    assert comparable(read_eval(Path(out1) / "eval.yaml")) == comparable(read_eval(Path(out2) / "eval.yaml"))
    capsys.readouterr()
    run_cli(["cache", "ls", "--json"])
    import json

    rows = json.loads(capsys.readouterr().out)
    assert [(r["protocol"], r["method"], r["entries"]) for r in rows] == [
        ("classification", "fit_predict_proba", 5)
    ]
    (cache / "outputs" / "keep.txt").write_text("not a cache entry")
    run_cli(["cache", "clear", "--model", "other-model"])
    assert len(list(cache.rglob("*.npy"))) == 5
    run_cli(["cache", "clear"])
    assert list(cache.rglob("*.npy")) == [] and (cache / "outputs" / "keep.txt").exists()
    run_cli(["run", "--suite", "SUITE-TOY-CLASS-CV", "--model", "logistic", "--out", out3, "--no-cache"])
    assert list(cache.rglob("*.npy")) == []
