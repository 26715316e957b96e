"""BM-002: AnnData loader (scanpy's pbmc68k_reduced and user .h5ad), baselines, suite end to end."""

from __future__ import annotations

import hashlib
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from data_helpers import assert_clean_failure, ci_separated, run

from fmbench.catalog.registry import load_catalog
from fmbench.data.provision import load_dataset

anndata = pytest.importorskip("anndata")


@pytest.fixture(scope="module")
def pbmc():  # noqa: ANN201
    return load_dataset(load_catalog().dataset("DS-PBMC68K-REDUCED"))


def _pbmc_file() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("scanpy")
    return Path(next(iter(spec.submodule_search_locations))) / "datasets" / "10x_pbmc68k_reduced.h5ad"


def test_pbmc_shapes_labels_and_strata(pbmc) -> None:  # noqa: ANN001
    ref = anndata.read_h5ad(_pbmc_file())
    assert pbmc.X.shape == (700, 765) and pbmc.X.dtype == np.float32
    np.testing.assert_allclose(pbmc.X, np.asarray(ref.X), rtol=0, atol=0)
    assert list(pbmc.y) == [str(v) for v in ref.obs["bulk_labels"]]
    assert len(set(pbmc.y)) == 10
    assert list(pbmc.meta["cell_id"]) == list(ref.obs_names)
    # n_genes_bin against an independent histogram over the card's edges
    counts, _ = np.histogram(ref.obs["n_genes"].to_numpy(), [1000, 1100, 1200, 1400, 10**9])
    got = pbmc.meta["n_genes_bin"].value_counts()
    assert [got.get(k, 0) for k in ["1000-1099", "1100-1199", "1200-1399", "1400+"]] == counts.tolist()
    assert set(pbmc.meta["phase"]) == {"G1", "S", "G2M"}


def test_pbmc_digest_is_the_bundled_file_sha256(pbmc) -> None:  # noqa: ANN001
    sha = hashlib.sha256(_pbmc_file().read_bytes()).hexdigest()
    card = load_catalog().dataset("DS-PBMC68K-REDUCED")
    assert card.files[0].sha256 == sha
    expected = "sha256:" + hashlib.sha256(f"{sha}  10x_pbmc68k_reduced.h5ad\n".encode()).hexdigest()
    assert pbmc.digest == expected


def test_bin_labels_hand_worked() -> None:
    from fmbench.data.loaders.anndata_loader import bin_labels

    got = bin_labels(np.array([999, 1000, 1099, 1100, 1500, np.nan]), [1000, 1100, 1400])
    assert list(got) == ["<1000", "1000-1099", "1000-1099", "1100-1399", "1400+", None]


def test_pca_logistic_matches_sklearn_pipeline(pbmc) -> None:  # noqa: ANN001
    from sklearn.decomposition import PCA
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    from fmbench.models.baselines.singlecell_baselines import PCAKNN, PCALogistic

    y = np.searchsorted(np.unique(pbmc.y.astype(str)), pbmc.y.astype(str))
    X = np.asarray(pbmc.X[:, :200], dtype=np.float64)
    tr, te = np.arange(0, 700, 3), np.arange(1, 700, 3)
    P = PCALogistic(n_components=20, C=0.1).fit(X[tr], y[tr]).predict_proba(X[te])
    sc = StandardScaler().fit(X[tr])
    pca = PCA(20, svd_solver="full")
    lr = LogisticRegression(C=0.1, max_iter=2000).fit(pca.fit_transform(sc.transform(X[tr])), y[tr])
    np.testing.assert_allclose(P, lr.predict_proba(pca.transform(sc.transform(X[te]))), atol=1e-6)
    Pk = PCAKNN(n_components=20, n_neighbors=15).fit(X[tr], y[tr]).predict_proba(X[te])
    assert Pk.shape == (len(te), len(np.unique(y[tr]))) and np.allclose(Pk.sum(1), 1)


def test_pca_baselines_embed_before_and_after_fit(pbmc) -> None:  # noqa: ANN001
    """A frozen-embedding probe calls embed() on a model it never fits: the PCA baselines give
    the input itself then (they used to raise AttributeError), and the fitted scaler + PCA
    projection after fit (compared with scikit-learn fitted directly)."""
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import StandardScaler

    from fmbench.models.baselines.singlecell_baselines import PCAKNN, PCALogistic

    y = np.searchsorted(np.unique(pbmc.y.astype(str)), pbmc.y.astype(str))
    X = np.asarray(pbmc.X[:, :200], dtype=np.float64)
    for model in (PCALogistic(n_components=20), PCAKNN(n_components=20)):
        np.testing.assert_array_equal(model.embed(X[:50]), X[:50])
        model.fit(X, y)
        expected = PCA(20, svd_solver="full").fit(StandardScaler().fit_transform(X))
        got = model.embed(X[:50])
        want = expected.transform(StandardScaler().fit(X).transform(X[:50]))
        np.testing.assert_allclose(np.abs(got), np.abs(want), atol=1e-6)  # PCA signs are arbitrary


@pytest.mark.slow
def test_suite_sensible_beats_majority(tmp_path, data_dir) -> None:  # noqa: ANN001
    maj = run("SUITE-PBMC-CELLTYPE", "majority", tmp_path / "maj", data_dir)
    lr = run("SUITE-PBMC-CELLTYPE", "pca_logistic", tmp_path / "lr", data_dir)
    # majority predicts the largest type (Dendritic, 240 of 700 cells) in every fold
    assert maj.metrics["Accuracy"].value == pytest.approx(240 / 700)
    assert lr.metrics["Accuracy"].value > 0.75
    assert ci_separated(lr.metrics["Accuracy"], maj.metrics["Accuracy"])
    assert ci_separated(lr.metrics["F1-Score"], maj.metrics["F1-Score"])
    assert {"phase", "n_genes_bin"} <= set(lr.stratified)
    table = next(t for t in lr.details["tables"] if t["title"] == "Per-class F1")
    assert len(table["rows"]) == 10 and sum(r[2] for r in table["rows"]) == 700
    assert "Per-class F1" in (tmp_path / "lr" / "report.md").read_text()


def _user_h5ad_catalog(tmp_path: Path, *, label_column: str = "cell_type") -> Path:
    import scipy.sparse as sp

    rng = np.random.default_rng(0)
    types = np.repeat(["B", "T", "NK"], 20)
    centers = {"B": rng.normal(0, 2, 30), "T": rng.normal(0, 2, 30), "NK": rng.normal(0, 2, 30)}
    X = np.stack([centers[t] + rng.normal(0, 1, 30) for t in types]).clip(0)
    obs = pd.DataFrame({"cell_type": types, "batch": np.tile(["b1", "b2"], 30)},
                       index=[f"c{i}" for i in range(60)])
    path = tmp_path / "cells.h5ad"
    anndata.AnnData(X=sp.csr_matrix(X.astype(np.float32)), obs=obs).write_h5ad(path)
    cat = tmp_path / "catalog"
    (cat / "datasets").mkdir(parents=True)
    (cat / "suites").mkdir()
    (cat / "datasets" / "DS-MYCELLS.yaml").write_text(textwrap.dedent(f"""\
        id: DS-MYCELLS
        name: My cells
        source: file
        loader: anndata
        format: h5ad
        license: CC0-1.0
        params: {{path: {path}, label_column: {label_column}}}
        """))
    (cat / "suites" / "SUITE-MYCELLS.yaml").write_text(textwrap.dedent("""\
        id: SUITE-MYCELLS
        benchmark_id: BM-002
        name: my cells
        dataset_id: DS-MYCELLS
        protocol: classification
        split: {kind: kfold, n_folds: 3, seed: 0}
        bootstrap: {n_boot: 200}
        strata: [batch]
        """))
    return cat


def test_user_h5ad_runs(cli, tmp_path) -> None:  # noqa: ANN001
    cat = _user_h5ad_catalog(tmp_path)
    out = tmp_path / "ok"
    proc = cli("run", "--catalog", cat, "--suite", "SUITE-MYCELLS", "--model", "knn", "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert "Accuracy" in proc.stdout and (tmp_path / "ok" / "eval.yaml").exists()


def test_h5ad_without_label_column_fails_cleanly(cli, tmp_path) -> None:  # noqa: ANN001
    cat = _user_h5ad_catalog(tmp_path, label_column="celltype")
    out = tmp_path / "out"
    proc = cli("run", "--catalog", cat, "--suite", "SUITE-MYCELLS", "--model", "knn", "--out", out)
    assert_clean_failure(proc, out, "cells.h5ad", "no label column 'celltype'", "did you mean 'cell_type'?",
                         "columns: batch, cell_type", "params.label_column in dataset card DS-MYCELLS")
