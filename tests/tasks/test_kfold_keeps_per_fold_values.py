"""k-fold suites keep every headline metric per fold beside the pooled estimate."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import fmbench
from fmbench.catalog.registry import load_catalog
from fmbench.data.provision import load_dataset
from fmbench.tasks.splits import kfold_splits


def _pipeline():  # noqa: ANN202
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))


def test_per_fold_values_equal_sklearn_fold_by_fold(tmp_path):
    res = fmbench.evaluate(_pipeline(), suite="SUITE-TOY-CLASS-CV", data_dir=tmp_path)
    per_fold = res.record.details["per_fold"]
    assert per_fold["n_folds"] == 5
    cat = load_catalog()
    suite = cat.suite("SUITE-TOY-CLASS-CV")
    ds = load_dataset(cat.dataset(suite.dataset_id), tmp_path)
    y = (ds.meta["label"].astype(str) == "positive").to_numpy().astype(int)
    aurocs, accs = [], []
    for train, test in kfold_splits(y, ds.meta, suite.split, suite.split.seed):
        model = _pipeline().fit(ds.X[train], y[train])
        p = model.predict_proba(ds.X[test])[:, 1]
        aurocs.append(roc_auc_score(y[test], p))
        accs.append(accuracy_score(y[test], (p >= 0.5).astype(int)))
    assert per_fold["metrics"]["AUROC"]["values"] == pytest.approx(aurocs, abs=1e-9)
    assert per_fold["metrics"]["Accuracy"]["values"] == pytest.approx(accs, abs=1e-9)
    assert per_fold["metrics"]["AUROC"]["mean"] == pytest.approx(np.mean(aurocs))
    assert per_fold["metrics"]["AUROC"]["sd"] == pytest.approx(np.std(aurocs, ddof=1))
    # the report shows them beside the pooled value
    table = next(t for t in res.record.details["tables"] if t["title"].startswith("Per-fold values"))
    auroc_row = next(r for r in table["rows"] if r[0] == "AUROC")
    assert auroc_row[-1] == pytest.approx(round(res.metrics["AUROC"].value, 4))
    out = tmp_path / "saved"
    res.save(out)
    assert "Per-fold values (5 folds)" in (out / "report.md").read_text(encoding="utf-8")


def test_holdout_has_no_per_fold_values(tmp_path):
    res = fmbench.evaluate("logistic", suite="SUITE-TOY-CLASS", data_dir=tmp_path)
    assert "per_fold" not in res.record.details
