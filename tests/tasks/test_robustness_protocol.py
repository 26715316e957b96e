"""The robustness protocol in-process: determinism, order and batch independence, flags, streaming."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from fmbench.perturbations import seeding
from fmbench.perturbations.stream import RowReader
from fmbench.runner import run_robustness


def _write(folder: Path, n: int = 60, c: int = 6, t: int = 200, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    tt = np.arange(t) / 100.0
    signal = np.where(y[:, None, None] == 1, np.sin(2 * np.pi * 7 * tt), np.sin(2 * np.pi * 11 * tt))
    X = (rng.standard_normal((n, c, t)) + 1.5 * signal).astype(np.float32)
    folder.mkdir(parents=True, exist_ok=True)
    np.save(folder / "X.npy", X)
    pd.DataFrame(
        {"subject_id": [f"s{i // 2}" for i in range(n)], "label": np.where(y == 1, "slowing", "typical")}
    ).to_csv(folder / "meta.csv", index=False)
    return folder


def _model(tmp: Path, cls: str = "CentroidModel") -> Path:
    path = tmp / f"{cls}.yaml"
    path.write_text(
        yaml.safe_dump(
            {"model_id": cls.lower(), "type": "python_class", "import_path": f"fmbench.testing:{cls}"}
        )
    )
    return path


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write(tmp_path_factory.mktemp("rb") / "eeg")


def _run(tmp: Path, data: Path, name: str, **kw):  # noqa: ANN003, ANN202
    return run_robustness(
        _model(tmp, kw.pop("cls", "CentroidModel")),
        tmp / name,
        data=data,
        sampling_freq=kw.pop("sampling_freq", 250.0),
        **kw,
    ).record


def test_noise_alone_equals_noise_in_full_run(tmp_path: Path, data: Path) -> None:
    full = _run(tmp_path, data, "full")
    alone = _run(tmp_path, data, "alone", probes=["noise"])
    reordered = _run(tmp_path, data, "reordered", probes=["shift", "noise", "dropout"])
    for rec in (alone, reordered):
        assert rec.metrics["noise_rAUC"] == full.metrics["noise_rAUC"]
        assert rec.details["probes"]["noise"] == full.details["probes"]["noise"]
    assert full.rankable, full.rankable_reason
    assert set(full.details["probes"]) == {"dropout", "noise", "line_noise", "permutation", "shift"}
    assert full.benchmark_id == "robustness_testing"
    # stability decreases with severity (noise grid runs from 40 dB down to 0 dB)
    sim = full.details["probes"]["noise"]["similarity_mean"]["embedding"]
    assert sim == sorted(sim, reverse=True)
    score = np.mean([full.metrics[f"{p}_rAUC"].value for p in ("dropout", "noise", "line_noise", "shift")])
    assert full.metrics["robustness_score"].value == pytest.approx(score, abs=1e-6)


def test_results_do_not_depend_on_batch_size(
    tmp_path: Path, data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(seeding, "BLOCK_ELEMENTS", 6 * 200 * 4)  # 4 rows per block, so batches really differ
    a = _run(tmp_path, data, "b4", batch_size=4, probes=["noise", "dropout", "line_noise"])
    b = _run(tmp_path, data, "b11", batch_size=11, probes=["noise", "dropout", "line_noise"])
    c = _run(tmp_path, data, "bdefault", probes=["noise", "dropout", "line_noise"])
    assert a.details["batch_size"] == 4 and b.details["batch_size"] == 12
    assert a.details["probes"] == b.details["probes"] == c.details["probes"]


def test_seed_changes_the_draws(tmp_path: Path, data: Path) -> None:
    a = _run(tmp_path, data, "s1", seed=1, probes=["noise"])
    b = _run(tmp_path, data, "s2", seed=2, probes=["noise"])
    assert a.details["probes"]["noise"] != b.details["probes"]["noise"]


def test_constant_model_is_not_rankable(tmp_path: Path, data: Path) -> None:
    path = tmp_path / "const.yaml"
    path.write_text(
        yaml.safe_dump(
            {"model_id": "const", "type": "python_class", "import_path": "fmbench.testing:ConstantModel"}
        )
    )
    rec = run_robustness(
        path, tmp_path / "c", data=data, sampling_freq=250.0, probes=["noise", "shift"]
    ).record
    assert rec.rankable is False and "constant" in rec.rankable_reason
    assert rec.metrics["robustness_score"].value == 1.0  # perfectly "stable", hence the flag


def test_chance_model_is_not_rankable(tmp_path: Path, data: Path) -> None:
    rec = run_robustness(
        "dummy_classifier", tmp_path / "d", data=data, sampling_freq=250.0, probes=["noise"]
    ).record
    assert rec.rankable is False and "not above chance" in rec.rankable_reason


def test_row_reader_preads_memmapped_rows_exactly(data: Path) -> None:
    X = np.load(data / "X.npy", mmap_mode="r")
    rows = np.array([0, 1, 2, 7, 9, 10, 33, 59])
    reader = RowReader(X, rows)
    assert reader._fh is not None  # the pread path, not the memory map
    out = np.full((8, *X.shape[1:]), np.nan, dtype=np.float32)
    np.testing.assert_array_equal(reader.read(0, 8, out), X[rows])
    np.testing.assert_array_equal(reader.read(3, 6, out)[:3], X[rows[3:6]])
    reader.close()
    in_memory = RowReader(np.asarray(X, dtype=np.float64), rows)
    np.testing.assert_array_equal(in_memory.read(0, 8, out), X[rows])


@pytest.mark.parametrize(
    ("shape", "expected"),
    [
        ((60, 40), {"dropout", "noise", "permutation", "masking", "expression_noise"}),
        ((60, 6, 6, 6), {"dropout", "noise", "intensity", "contrast"}),
    ],
)
def test_features_and_volumes_run_their_default_probes(
    tmp_path: Path, shape: tuple[int, ...], expected: set[str]
) -> None:
    from fmbench.catalog.registry import load_catalog

    rng = np.random.default_rng(1)
    y = np.arange(shape[0]) % 2
    X = rng.standard_normal(shape) + 0.8 * y.reshape((-1,) + (1,) * (len(shape) - 1))
    folder = tmp_path / "d"
    folder.mkdir()
    np.save(folder / "X.npy", X.astype(np.float32))
    pd.DataFrame({"label": np.where(y == 1, "slowing", "typical")}).to_csv(folder / "meta.csv", index=False)
    catalog = tmp_path / "cat" / "suites"
    catalog.mkdir(parents=True)
    suite = load_catalog().suite("SUITE-ROBUSTNESS-NEURO").model_dump(mode="json")
    suite.update(id="SUITE-RB-ANY", params={})  # no probe list: every probe with a grid for this shape
    (catalog / "SUITE-RB-ANY.yaml").write_text(yaml.safe_dump(suite))
    rec = run_robustness(
        _model(tmp_path),
        tmp_path / "o",
        suite_id="SUITE-RB-ANY",
        data=folder,
        catalog_dirs=[tmp_path / "cat"],
    ).record
    assert set(rec.details["probes"]) == expected
    bench = load_catalog().benchmark("robustness_testing")
    assert all(bench.metric(name) is not None for name in rec.metrics)
    assert rec.rankable, rec.rankable_reason


def test_suite_grid_overrides_benchmark_grid(tmp_path: Path, data: Path) -> None:
    from fmbench.catalog.registry import load_catalog

    catalog = tmp_path / "cat" / "suites"
    catalog.mkdir(parents=True)
    suite = load_catalog().suite("SUITE-ROBUSTNESS-NEURO").model_dump(mode="json")
    suite.update(id="SUITE-RB-GRID", params={"probes": ["noise"], "probe_grids": {"noise": [20, 0]}})
    (catalog / "SUITE-RB-GRID.yaml").write_text(yaml.safe_dump(suite))
    rec = run_robustness(
        _model(tmp_path), tmp_path / "o", suite_id="SUITE-RB-GRID", data=data, catalog_dirs=[tmp_path / "cat"]
    ).record
    assert rec.details["probes"]["noise"]["levels"] == [20.0, 0.0]
    full = _run(tmp_path, data, "full", probes=["noise"])
    # the same (seed, probe, level) gives the same draws whatever the rest of the grid
    assert rec.details["probes"]["noise"]["similarity_mean"]["proba"] == [
        full.details["probes"]["noise"]["similarity_mean"]["proba"][i] for i in (2, 5)
    ]


def test_bad_suite_params_are_named(tmp_path: Path, data: Path) -> None:
    from fmbench.catalog.registry import load_catalog
    from fmbench.errors import ConfigError

    catalog = tmp_path / "cat" / "suites"
    catalog.mkdir(parents=True)
    suite = load_catalog().suite("SUITE-ROBUSTNESS-NEURO").model_dump(mode="json")
    suite.update(id="SUITE-RB-BAD", params={"probe_grid": {"noise": [1]}})
    (catalog / "SUITE-RB-BAD.yaml").write_text(yaml.safe_dump(suite))
    with pytest.raises(ConfigError, match="params.probe_grid"):
        run_robustness(
            _model(tmp_path),
            tmp_path / "o",
            suite_id="SUITE-RB-BAD",
            data=data,
            catalog_dirs=[tmp_path / "cat"],
        )
