"""An .h5ad's sparse X stays sparse all the way to a model that accepts it; other models get dense
batches; the sparse_logistic baseline scores exactly what scikit-learn gives on the same folds.

The atlas here is 2,000 cells x 3,000 genes at 1% non-zero (benchmarks/sparse_h5ad.py runs the
same pipeline at 200,000 x 30,000, which could not be densified)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import fmbench
from fmbench.catalog.registry import load_catalog
from fmbench.models.sparse_inputs import BATCH_VALUES

anndata = pytest.importorskip("anndata")
sp = pytest.importorskip("scipy.sparse")

SUITE = "SUITE-PBMC-CELLTYPE"  # stratified 5-fold CV, out-of-fold predictions pooled
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def atlas(tmp_path_factory) -> Path:  # noqa: ANN001
    """Three cell types, each with 30 marker genes that its cells express more often."""
    rng = np.random.default_rng(7)
    n, g = 2000, 3000
    cell_type = rng.choice(3, size=n, p=[0.5, 0.3, 0.2])
    dense_p = np.full((3, g), 0.009)
    for t in range(3):
        dense_p[t, t * 30:(t + 1) * 30] = 0.15
    rows, cols = np.nonzero(rng.random((n, g)) < dense_p[cell_type])
    X = sp.csr_matrix((rng.gamma(2.0, 1.0, len(rows)).astype(np.float32), (rows, cols)), shape=(n, g))
    obs = pd.DataFrame({"cell_type": np.asarray(["B", "NK", "T"])[cell_type],
                        "batch": rng.choice(["b1", "b2"], size=n)}, index=[f"c{i}" for i in range(n)])
    path = tmp_path_factory.mktemp("atlas") / "atlas.h5ad"
    anndata.AnnData(X=X, obs=obs).write_h5ad(path)
    return path


class Recorder:
    """Records the type and shape of every matrix it is given; predicts class frequencies."""

    seen: list[tuple[str, str, tuple]] = []

    def __init__(self, accepts_sparse: bool) -> None:
        self.accepts_sparse = accepts_sparse

    def fit(self, X, y):  # noqa: ANN001, ANN201
        Recorder.seen.append(("fit", type(X).__name__, X.shape))
        self.prior_ = np.bincount(y, minlength=3) / len(y)
        return self

    def predict_proba(self, X):  # noqa: ANN001, ANN201
        Recorder.seen.append(("predict_proba", type(X).__name__, X.shape))
        return np.tile(self.prior_, (X.shape[0], 1))


@pytest.mark.parametrize("accepts", [True, False])
def test_matrix_reaching_the_model(atlas, accepts) -> None:  # noqa: ANN001
    Recorder.seen = []
    fmbench.evaluate(Recorder(accepts), SUITE, data=atlas, label_column="cell_type", copy=False)
    kinds = {(call, kind) for call, kind, _ in Recorder.seen}
    if accepts:
        assert kinds == {("fit", "csr_matrix"), ("predict_proba", "csr_matrix")}
        assert [s for c, _, s in Recorder.seen if c == "fit"][0][0] == 1600  # 4/5 of the cells per fold
    else:  # dense rows: all training rows at once, predictions in bounded batches
        assert kinds == {("fit", "ndarray"), ("predict_proba", "ndarray")}
        assert max(s[0] * s[1] for c, _, s in Recorder.seen if c == "predict_proba") <= BATCH_VALUES


def test_sparse_logistic_equals_sklearn_on_the_same_folds(atlas) -> None:  # noqa: ANN001
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, roc_auc_score
    from sklearn.model_selection import StratifiedGroupKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MaxAbsScaler

    res = fmbench.evaluate("sparse_logistic", SUITE, data=atlas, label_column="cell_type", strata=["batch"],
                           no_cache=True)
    adata = anndata.read_h5ad(atlas)
    X = adata.X.tocsr()
    classes = sorted(set(adata.obs["cell_type"].astype(str)))
    y = np.searchsorted(classes, adata.obs["cell_type"].astype(str).to_numpy())
    suite = load_catalog().suite(SUITE)
    cv = StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=suite.split.seed)
    P = np.zeros((len(y), len(classes)))
    for train, test in cv.split(np.zeros(len(y)), y, np.arange(len(y))):
        model = make_pipeline(MaxAbsScaler(), LogisticRegression(C=1.0, max_iter=200, tol=1e-4))
        P[test] = model.fit(X[train], y[train]).predict_proba(X[test])
    auroc = roc_auc_score(y, P, multi_class="ovr", average="macro")
    assert res.metrics["AUROC"].value == pytest.approx(auroc, abs=1e-9)
    assert res.metrics["Accuracy"].value == pytest.approx(accuracy_score(y, P.argmax(1)), abs=1e-12)
    assert auroc > 0.9  # the marker genes carry a real signal
    b1 = (adata.obs["batch"] == "b1").to_numpy()
    assert res.stratified["batch"]["b1"].metrics["Accuracy"].value == pytest.approx(
        accuracy_score(y[b1], P[b1].argmax(1)), abs=1e-12)
    rec = res.record
    assert rec.dataset.id == "DS-USER-atlas" and rec.provenance["data"]["format"] == "h5ad"
    assert rec.provenance["data"]["label_column"] == "cell_type"


@pytest.mark.slow
def test_benchmark_script_runs_small(tmp_path) -> None:  # noqa: ANN001
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "sparse_h5ad.py"), "--n-cells", "1500",
                           "--n-genes", "1000", "--workdir", str(tmp_path)], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "peak RSS" in proc.stdout and "AUROC:" in proc.stdout
    assert (tmp_path / "run" / "eval.yaml").exists()
