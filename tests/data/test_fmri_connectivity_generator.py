"""BM-FMRI-GRANULAR: connectivity generator (effects, condition-dependent quality), suite end to end."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from data_helpers import ci_separated, run
from scipy import stats

from fmbench.data.generators.fmri_granular import edge_names, generate


@pytest.fixture(scope="module")
def scans(tmp_path_factory) -> tuple[np.ndarray, pd.DataFrame]:  # noqa: ANN001
    out = tmp_path_factory.mktemp("fmri")
    generate(out, seed=11, n_subjects=800)
    return np.load(out / "X.npy"), pd.read_csv(out / "meta.csv")


def _dmn_score(X: np.ndarray) -> np.ndarray:
    names = edge_names()
    within = [i for i, n in enumerate(names) if n.count("DMN") == 2]
    return X[:, within].mean(axis=1)


def _cohen_d(a: np.ndarray, b: np.ndarray) -> float:
    return (a.mean() - b.mean()) / np.sqrt((a.var(ddof=1) + b.var(ddof=1)) / 2)


def test_shapes_and_metadata(scans) -> None:  # noqa: ANN001
    X, meta = scans
    assert X.shape == (800, 190) and np.isfinite(X).all() and len(edge_names()) == 190
    acquisitions = {"resting_state", "task_based", "working_memory", "motor", "language"}
    assert set(meta["acquisition_type"]) == acquisitions
    assert set(meta["preprocessing"]) == {"fmriprep", "hcp", "minimal"}
    assert set(meta["field_strength"]) == {"3T", "7T"}
    assert set(meta["label"]) == {"patient", "control"}


def test_patients_have_weaker_dmn_coupling(scans) -> None:  # noqa: ANN001
    X, meta = scans
    s, pat = _dmn_score(X), (meta["label"] == "patient").to_numpy()
    assert s[pat].mean() < s[~pat].mean()
    assert stats.ttest_ind(s[pat], s[~pat]).pvalue < 1e-10
    # edges outside the DMN carry no class signal
    other = [i for i, n in enumerate(edge_names()) if "DMN" not in n]
    assert abs(_cohen_d(X[pat][:, other].mean(1), X[~pat][:, other].mean(1))) < 0.3


def test_signal_quality_depends_on_condition(scans) -> None:  # noqa: ANN001
    X, meta = scans
    s, pat = _dmn_score(X), (meta["label"] == "patient").to_numpy()

    def effect(col: str, value: str) -> float:
        m = (meta[col] == value).to_numpy()
        return abs(_cohen_d(s[m & pat], s[m & ~pat]))

    assert effect("acquisition_type", "resting_state") > effect("acquisition_type", "working_memory") + 0.5
    assert effect("preprocessing", "hcp") > effect("preprocessing", "minimal")
    assert effect("field_strength", "7T") > effect("field_strength", "3T")


def test_generation_is_deterministic(tmp_path: Path) -> None:
    for d in ("a", "b"):
        (tmp_path / d).mkdir()
        generate(tmp_path / d, seed=5, n_subjects=20)
    assert (tmp_path / "a" / "X.npy").read_bytes() == (tmp_path / "b" / "X.npy").read_bytes()
    assert (tmp_path / "a" / "meta.csv").read_bytes() == (tmp_path / "b" / "meta.csv").read_bytes()


@pytest.mark.slow
def test_suite_logistic_beats_majority_with_granular_tables(tmp_path, data_dir) -> None:  # noqa: ANN001
    maj = run("SUITE-FMRI-GRANULAR", "majority", tmp_path / "maj", data_dir)
    lr = run("SUITE-FMRI-GRANULAR", "logistic", tmp_path / "lr", data_dir)
    assert lr.metrics["AUROC"].value > 0.8
    assert ci_separated(lr.metrics["AUROC"], maj.metrics["AUROC"])
    assert set(lr.stratified) == {"scanner", "site", "acquisition_type", "preprocessing", "field_strength"}
    acq = lr.stratified["acquisition_type"]
    assert len(acq) == 5
    assert acq["resting_state"].metrics["AUROC"].value > acq["working_memory"].metrics["AUROC"].value
