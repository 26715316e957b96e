"""The simulated ROI time series: stable VAR(1), autocorrelated, network-structured, z-scored."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fmbench.data.generators import GENERATORS
from fmbench.errors import ConfigError

PARAMS = {"n_subjects": 24, "n_rois": 12, "n_networks": 3, "n_timepoints": 150}


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("roi_ts")
    GENERATORS.get("roi_timeseries")(out, seed=3, **PARAMS)
    return out


def test_files_shapes_and_metadata(generated):
    X = np.load(generated / "X.npy")
    assert X.shape == (24, 12, 150) and X.dtype == np.float32
    meta = pd.read_csv(generated / "meta.csv")
    assert list(meta.columns) == ["subject_id", "site", "scanner"]
    assert meta["subject_id"].is_unique and len(meta) == 24
    rois = pd.read_csv(generated / "rois.csv")
    assert rois["network"].nunique() == 3 and len(rois) == 12


def test_zscored_per_roi(generated):
    X = np.load(generated / "X.npy").astype(np.float64)
    np.testing.assert_allclose(X.mean(axis=2), 0, atol=1e-5)
    np.testing.assert_allclose(X.std(axis=2), 1, atol=1e-5)


def test_var_process_is_stable(generated):
    A = np.load(generated / "var_coefficients.npy")
    radii = [np.abs(np.linalg.eigvals(a)).max() for a in A]
    assert max(radii) < 0.95


def test_temporal_autocorrelation(generated):
    X = np.load(generated / "X.npy").astype(np.float64)
    lag1 = [np.corrcoef(x[r, :-1], x[r, 1:])[0, 1] for x in X for r in range(x.shape[0])]
    assert np.mean(lag1) > 0.3
    assert np.mean(np.array(lag1) > 0) > 0.95


def test_network_block_structure(generated):
    X = np.load(generated / "X.npy").astype(np.float64)
    net = pd.read_csv(generated / "rois.csv")["network"].to_numpy()
    same = net[:, None] == net[None, :]
    off = ~np.eye(len(net), dtype=bool)
    C = np.mean([np.corrcoef(x) for x in X], axis=0)
    within, between = C[same & off].mean(), C[~same].mean()
    assert within > 0.3 and within > between + 0.25
    # the smallest within-network correlation beats the largest between-network one
    assert C[same & off].min() > C[~same].max()


def test_same_seed_same_bytes(tmp_path):
    gen = GENERATORS.get("roi_timeseries")
    for d in ("a", "b", "c"):
        (tmp_path / d).mkdir()
    gen(tmp_path / "a", seed=5, **PARAMS)
    gen(tmp_path / "b", seed=5, **PARAMS)
    gen(tmp_path / "c", seed=6, **PARAMS)
    for name in ("X.npy", "meta.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert (tmp_path / "a" / "X.npy").read_bytes() != (tmp_path / "c" / "X.npy").read_bytes()


def test_unstable_parameters_refused(tmp_path):
    with pytest.raises(ConfigError, match="spectral radius"):
        GENERATORS.get("roi_timeseries")(tmp_path, seed=0, ar=0.8, coupling=0.3, **PARAMS)
