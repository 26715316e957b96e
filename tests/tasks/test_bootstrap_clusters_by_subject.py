"""Rows of one subject are not independent: a suite that splits by subject but names no cluster
column still resamples whole subjects, and suites that do neither are flagged."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

import fmbench

GENERATOR = '''
from pathlib import Path

import numpy as np
import pandas as pd


def generate(out_dir: Path, *, seed: int, n_subjects: int = 60, visits: int = 4) -> None:
    """Each subject has `visits` rows sharing a strong subject effect."""
    rng = np.random.default_rng(seed)
    label = rng.integers(0, 2, size=n_subjects)
    subject_effect = rng.normal(0, 1.5, size=n_subjects)
    rows = np.repeat(np.arange(n_subjects), visits)
    x0 = 0.8 * label[rows] + subject_effect[rows] + rng.normal(0, 0.3, size=len(rows))
    X = np.column_stack([x0, rng.normal(size=(len(rows), 3))]).astype(np.float32)
    meta = pd.DataFrame({
        "subject_id": [f"s{i:03d}" for i in rows],
        "label": np.where(label[rows] == 1, "yes", "no"),
        "site": np.where(rows % 2 == 0, "A", "B"),
    })
    np.save(out_dir / "X.npy", X)
    meta.to_csv(out_dir / "meta.csv", index=False)
'''

BENCH = """
id: BM-VISITS
name: Repeated visits
health_domain: Neurology
health_topic: Test
description: Binary classification with several rows per subject.
clinical_relevance: None; a test of resampling.
ai_task: Classification
input_modality: features
output_type: class probabilities
primary_metric: AUROC
metrics:
  - {name: AUROC, definition: "Area under the ROC curve.", direction: higher, min: 0, max: 1}
strata: [site]
"""

CARD = """
id: DS-VISITS
name: Repeated visits
source: generated
generator: visits:generate
seed: 3
format: npy+csv
loader: npy_table
license: CC0
"""

SUITE = """
id: SUITE-VISITS
benchmark_id: BM-VISITS
name: Repeated visits, 5-fold by subject
dataset_id: DS-VISITS
protocol: classification
label_column: label
positive_class: "yes"
split: {kind: kfold, n_folds: 5, group_column: subject_id, seed: 0}
bootstrap: {n_boot: 1000, seed: 42}
required_metadata: [subject_id, site]
"""


def _catalog(root: Path, suite: str = SUITE) -> Path:
    for rel, text in [("benchmarks/BM-VISITS.yaml", BENCH), ("datasets/DS-VISITS.yaml", CARD),
                      ("datasets/visits.py", GENERATOR), ("suites/SUITE-VISITS.yaml", suite)]:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(textwrap.dedent(text).lstrip())
    return root


class FirstFeature:
    """Scores rows by their first feature; fitting changes nothing (so the test can recompute)."""

    def fit(self, X, y):  # noqa: ANN001, ANN201
        return self

    def predict_proba(self, X):  # noqa: ANN001, ANN201
        p = 1 / (1 + np.exp(-np.asarray(X)[:, 0]))
        return np.column_stack([1 - p, p])


def _hand_cluster_bootstrap(y: np.ndarray, s: np.ndarray, groups: np.ndarray, n_boot: int = 2000) -> float:
    rng = np.random.default_rng(0)
    ids = np.unique(groups)
    rows_of = {g: np.flatnonzero(groups == g) for g in ids}
    values = []
    for _ in range(n_boot):
        rows = np.concatenate([rows_of[g] for g in rng.choice(ids, size=len(ids), replace=True)])
        if len(np.unique(y[rows])) == 2:
            values.append(roc_auc_score(y[rows], s[rows]))
    lo, hi = np.quantile(values, [0.025, 0.975])
    return float(hi - lo)


def test_split_group_column_clusters_the_bootstrap(tmp_path):
    cat = _catalog(tmp_path / "catalog")
    res = fmbench.evaluate(FirstFeature(), suite="SUITE-VISITS", catalog=[cat],
                           data_dir=tmp_path / "data")
    assert res.record.bootstrap.cluster == "subject_id"  # inferred from the split, said in the record
    import pandas as pd

    folder = next((tmp_path / "data").iterdir())
    meta = pd.read_csv(folder / "meta.csv")
    X = np.load(folder / "X.npy")
    y = (meta["label"] == "yes").to_numpy().astype(int)
    s = FirstFeature().predict_proba(X)[:, 1]
    auroc = res.metrics["AUROC"]
    assert auroc.value == pytest.approx(roc_auc_score(y, s))
    width = auroc.ci[1] - auroc.ci[0]
    hand = _hand_cluster_bootstrap(y, s, meta["subject_id"].to_numpy())
    assert width == pytest.approx(hand, rel=0.10)
    # the row bootstrap the suite would have used before is clearly narrower
    rng = np.random.default_rng(1)
    rows = [rng.integers(0, len(y), len(y)) for _ in range(1000)]
    row_values = [roc_auc_score(y[r], s[r]) for r in rows]
    assert np.diff(np.quantile(row_values, [0.025, 0.975]))[0] < 0.8 * width


def test_neither_split_nor_cluster_column_is_flagged(tmp_path):
    unclustered = SUITE.replace(", group_column: subject_id", "")
    cat = _catalog(tmp_path / "catalog", unclustered)
    cmd = [sys.executable, "-m", "fmbench", "validate", str(cat)]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "warning: " in p.stderr and "bootstrap.cluster_column: the data carry 'subject_id'" in p.stderr
    res = fmbench.evaluate(FirstFeature(), suite="SUITE-VISITS", catalog=[cat],
                           data_dir=tmp_path / "data")
    assert res.record.bootstrap.cluster is None
    [warning] = res.record.provenance["warnings"]
    assert "180 row(s) repeat a subject_id" in warning
    assert "set bootstrap.cluster_column: subject_id" in warning
