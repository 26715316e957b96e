"""Tiny sequence classifiers for the robustness tests: ``fit``/``predict_proba`` on ``<U`` arrays.

The models are plain numpy and scikit-learn on purpose (no fmbench code), so the tests check
fmbench from outside; this file is copied next to a model YAML under another name when a run
imports them through a model config. ``write_sequence_catalog`` writes the tests' data and suite.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

_CODE = np.full(128, -1, dtype=np.int64)
for _i, _b in enumerate("ACGT"):
    _CODE[ord(_b)] = _i


def dimer_profile(X: np.ndarray) -> np.ndarray:
    """Share of each of the 16 dinucleotides among a sequence's A/C/G/T dinucleotides."""
    width = X.dtype.itemsize // 4
    pts = np.ascontiguousarray(X).view(np.uint32).reshape(len(X), width)
    c = np.where(pts < 128, _CODE[np.minimum(pts, 127)], -1)
    a, b = c[:, :-1], c[:, 1:]
    ok = (a >= 0) & (b >= 0)
    idx = np.where(ok, a * 4 + b, 16)
    rows = np.repeat(np.arange(len(X)), idx.shape[1])
    counts = np.zeros((len(X), 17))
    np.add.at(counts, (rows, idx.ravel()), 1)
    counts = counts[:, :16]
    return counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)


class DimerLogistic:
    """Logistic regression on 2-mer frequencies: a dinucleotide shuffle cannot change its output."""

    def __init__(self, C: float = 1.0) -> None:
        self.C = C

    def features(self, X: np.ndarray) -> np.ndarray:
        return dimer_profile(X)

    def fit(self, X: np.ndarray, y: np.ndarray) -> DimerLogistic:
        from sklearn.linear_model import LogisticRegression

        self.clf_ = LogisticRegression(C=self.C, max_iter=2000).fit(self.features(X), y)
        self.classes_ = self.clf_.classes_
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        return self.clf_.predict_proba(self.features(X))


class MotifLogistic(DimerLogistic):
    """2-mer frequencies plus the position of the first 'GATTACA' (order-dependent)."""

    def features(self, X: np.ndarray) -> np.ndarray:
        found = np.char.find(X, "GATTACA")
        return np.column_stack([dimer_profile(X), found >= 0, np.maximum(found, 0) / 100.0])


class Recorder(DimerLogistic):
    """A DimerLogistic that keeps a copy of every array it is called with (``calls``), and saves
    them as ``NNNN_<method>.npy`` under ``record_dir`` when given one."""

    def __init__(self, C: float = 1.0, record_dir: str | None = None) -> None:
        super().__init__(C)
        self.record_dir = record_dir
        self.calls: list[tuple[str, np.ndarray]] = []

    def _keep(self, method: str, X: np.ndarray) -> None:
        self.calls.append((method, np.array(X, copy=True)))
        if self.record_dir:
            folder = Path(self.record_dir)
            folder.mkdir(parents=True, exist_ok=True)
            np.save(folder / f"{len(self.calls):04d}_{method}.npy", X)

    def fit(self, X: np.ndarray, y: np.ndarray) -> Recorder:
        self._keep("fit", X)
        return super().fit(X, y)

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        self._keep("predict_proba", X)
        return super().predict_proba(X)


def write_sequence_catalog(root: Path, *, n: int = 120, seed: int = 0, params: dict | None = None) -> Path:
    """A --catalog folder: a TSV of (seq, label) as a `loader: sequences` dataset (GC-rich positives,
    a run of N in every seventh sequence) and the robustness suite SUITE-SEQ-ROB on it."""
    import pandas as pd

    from fmbench.testing import write_yaml

    rng = np.random.default_rng(seed)
    seqs, labels = [], []
    for i in range(n):
        L = int(rng.integers(60, 101))
        p = [0.2, 0.3, 0.3, 0.2] if i % 2 else [0.3, 0.2, 0.2, 0.3]  # GC-rich positives
        s = "".join(rng.choice(list("ACGT"), size=L, p=p))
        if i % 7 == 0:
            s = s[:10] + "NNNN" + s[14:]
        seqs.append(s)
        labels.append(i % 2)
    data = root / "data"
    data.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"seq": seqs, "label": labels}).to_csv(data / "seqs.tsv", sep="\t", index=False)
    cat = root / "catalog"
    write_yaml(
        cat / "datasets" / "DS-SEQ-TEST.yaml",
        {
            "id": "DS-SEQ-TEST",
            "name": "Random sequences, GC-rich positives",
            "source": "file",
            "loader": "sequences",
            "format": "tsv",
            "license": "CC0-1.0",
            "params": {"path": str(data / "seqs.tsv"), "label_names": {"0": "neg", "1": "pos"}},
        },
    )
    write_yaml(
        cat / "suites" / "SUITE-SEQ-ROB.yaml",
        {
            "id": "SUITE-SEQ-ROB",
            "benchmark_id": "robustness_testing",
            "name": "Sequence robustness test suite",
            "dataset_id": "DS-SEQ-TEST",
            "protocol": "robustness",
            "label_column": "label",
            "positive_class": "pos",
            "split": {"kind": "holdout", "test_fraction": 0.5, "seed": 0, "group_column": "overlap_group"},
            "bootstrap": {"n_boot": 200, "seed": 1, "cluster_column": "overlap_group"},
            "min_group_size": 5,
            "params": params or {"probes": ["reverse_complement", "substitution", "n_mask", "dinuc_shuffle"]},
        },
    )
    return cat
