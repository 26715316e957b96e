"""Classification metrics: point estimates from scikit-learn, replicates from weights.

Every metric here has two faces: ``point`` (scikit-learn on the predictions, or NaN with a
reason when undefined) and ``batch`` (the same quantity for each row of a bootstrap weight
matrix, vectorised). Tests check that ``batch`` on a replicate's counts equals scikit-learn on
that replicate's resampled rows.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from sklearn import metrics as skm

N_ECE_BINS = 10


@dataclass
class ClassificationData:
    """Labels (codes 0..K-1) and probabilities (n, K) of one evaluation set or group."""

    y: np.ndarray
    proba: np.ndarray
    positive: int = 1
    cache: dict = field(default_factory=dict, repr=False)

    @property
    def n_classes(self) -> int:
        return self.proba.shape[1]

    @property
    def binary(self) -> bool:
        return self.n_classes == 2

    @cached_property
    def pred(self) -> np.ndarray:
        return np.argmax(self.proba, axis=1)

    def subset(self, rows: np.ndarray) -> ClassificationData:
        """Rows by boolean mask or index array (order kept)."""
        return ClassificationData(self.y[rows], self.proba[rows], self.positive)

    def bootstrap_order(self) -> np.ndarray | None:
        """Binary tasks: rows by increasing positive-class score, so AUROC needs no sort per replicate."""
        if not self.binary:
            return None
        return np.argsort(self.proba[:, self.positive], kind="mergesort")


# --------------------------------------------------------------------------- AUROC
_workspace = threading.local()


def _buffers(shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Two reusable float64 scratch arrays per thread: fresh 4 MB arrays for every chunk cost
    more in page faults than the arithmetic itself."""
    cached = getattr(_workspace, "bufs", None)
    if cached is None or cached[0].shape != shape:
        cached = (np.empty(shape), np.empty(shape))
        _workspace.bufs = cached
    return cached


def _binary_auc_batch(y_pos: np.ndarray, score: np.ndarray, W: np.ndarray) -> np.ndarray:
    """Weighted Mann-Whitney AUROC for each row of W (ties count one half).

    AUROC = sum over positives of weight x (negative weight strictly below + half the negative
    weight tied), divided by (total positive x total negative weight). Columns are visited in
    score order; when the caller already laid W out in that order no gather is needed.
    """
    if len(score) > 1 and not np.all(score[1:] >= score[:-1]):
        order = np.argsort(score, kind="mergesort")
        score, y_pos, W = score[order], y_pos[order], W[:, order]
    pos = y_pos.astype(np.float64)
    neg = 1.0 - pos
    if len(score) == 0:
        return np.full(len(W), np.nan)
    new_value = np.r_[True, score[1:] != score[:-1]]
    cum_neg, wpos = _buffers(W.shape)
    np.multiply(W, neg, out=cum_neg)
    np.multiply(W, pos, out=wpos)
    if new_value.all():  # no ties: a positive's own column holds no negative weight
        np.cumsum(cum_neg, axis=1, out=cum_neg)
        num = np.einsum("bi,bi->b", wpos, cum_neg)
        total_neg = cum_neg[:, -1].copy()
    else:  # ties: aggregate weights per distinct score
        starts = np.flatnonzero(new_value)
        gpos = np.add.reduceat(wpos, starts, axis=1)
        gneg = np.add.reduceat(cum_neg, starts, axis=1)
        num = np.einsum("bi,bi->b", gpos, np.cumsum(gneg, axis=1) - 0.5 * gneg)
        total_neg = gneg.sum(axis=1)
    total_pos = np.einsum("bi->b", wpos)
    with np.errstate(invalid="ignore", divide="ignore"):
        auc = num / (total_pos * total_neg)
    auc[(total_pos == 0) | (total_neg == 0)] = np.nan
    return auc


def auroc_point(d: ClassificationData) -> tuple[float, str | None]:
    present = np.unique(d.y)
    if d.binary:
        if len(present) < 2:
            return np.nan, f"AUROC undefined: only one class present ({len(d.y)} samples)"
        return float(skm.roc_auc_score(d.y == d.positive, d.proba[:, d.positive])), None
    if len(present) < d.n_classes:
        return np.nan, f"AUROC undefined: {d.n_classes - len(present)} class(es) absent, one-vs-rest needs all"
    return float(skm.roc_auc_score(d.y, d.proba, multi_class="ovr", average="macro")), None


def auroc_batch(d: ClassificationData, W: np.ndarray) -> np.ndarray:
    if d.binary:
        return _binary_auc_batch(d.y == d.positive, d.proba[:, d.positive], W)
    per_class = [_binary_auc_batch(d.y == k, d.proba[:, k], W) for k in range(d.n_classes)]
    return np.mean(per_class, axis=0)  # NaN when any class is absent, as scikit-learn refuses


# ---------------------------------------------------------------- confusion based
def _confusion_batch(d: ClassificationData, W: np.ndarray) -> np.ndarray:
    K = d.n_classes
    onehot = d.cache.get("cell_onehot")
    if onehot is None:
        cell = d.y.astype(np.int64) * K + d.pred
        onehot = np.zeros((len(cell), K * K))
        onehot[np.arange(len(cell)), cell] = 1.0
        d.cache["cell_onehot"] = onehot
    return (W @ onehot).reshape(len(W), K, K)  # [b, true, pred]


def accuracy_point(d: ClassificationData) -> tuple[float, str | None]:
    if len(d.y) == 0:
        return np.nan, "no samples"
    return float(skm.accuracy_score(d.y, d.pred)), None


def accuracy_batch(d: ClassificationData, W: np.ndarray) -> np.ndarray:
    correct = (d.y == d.pred).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (W @ correct) / W.sum(axis=1)


def f1_point(d: ClassificationData) -> tuple[float, str | None]:
    if len(d.y) == 0:
        return np.nan, "no samples"
    return float(skm.f1_score(d.y, d.pred, average="macro", zero_division=0)), None


def f1_batch(d: ClassificationData, W: np.ndarray) -> np.ndarray:
    cm = _confusion_batch(d, W)
    tp = np.einsum("bkk->bk", cm)
    denom = cm.sum(axis=2) + cm.sum(axis=1)  # 2TP + FP + FN
    present = denom > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(present, 2 * tp / np.where(present, denom, 1), 0.0)
        return f1.sum(axis=1) / present.sum(axis=1)


def balanced_accuracy_point(d: ClassificationData) -> tuple[float, str | None]:
    if len(d.y) == 0:
        return np.nan, "no samples"
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(skm.balanced_accuracy_score(d.y, d.pred)), None


def balanced_accuracy_batch(d: ClassificationData, W: np.ndarray) -> np.ndarray:
    cm = _confusion_batch(d, W)
    support = cm.sum(axis=2)
    present = support > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        recall = np.where(present, np.einsum("bkk->bk", cm) / np.where(present, support, 1), 0.0)
        return recall.sum(axis=1) / present.sum(axis=1)


def _recall_of(d: ClassificationData, cls: int, label: str) -> tuple[float, str | None]:
    if not d.binary:
        return np.nan, f"{label} is defined for binary tasks only"
    support = int((d.y == cls).sum())
    if support == 0:
        return np.nan, f"{label} undefined: no {'positive' if cls == d.positive else 'negative'} samples"
    return float(skm.recall_score(d.y == cls, d.pred == cls)), None


def sensitivity_point(d: ClassificationData) -> tuple[float, str | None]:
    return _recall_of(d, d.positive, "Sensitivity")


def specificity_point(d: ClassificationData) -> tuple[float, str | None]:
    return _recall_of(d, 1 - d.positive, "Specificity")


def _recall_batch(d: ClassificationData, W: np.ndarray, cls: int) -> np.ndarray:
    cm = _confusion_batch(d, W)
    with np.errstate(invalid="ignore", divide="ignore"):
        return cm[:, cls, cls] / cm[:, cls, :].sum(axis=1)


def sensitivity_batch(d: ClassificationData, W: np.ndarray) -> np.ndarray:
    return _recall_batch(d, W, d.positive)


def specificity_batch(d: ClassificationData, W: np.ndarray) -> np.ndarray:
    return _recall_batch(d, W, 1 - d.positive)


# ----------------------------------------------------------------- calibration
def _brier_rows(d: ClassificationData) -> np.ndarray:
    onehot = np.eye(d.n_classes)[d.y]
    return ((d.proba - onehot) ** 2).sum(axis=1)


def brier_point(d: ClassificationData) -> tuple[float, str | None]:
    if len(d.y) == 0:
        return np.nan, "no samples"
    return float(_brier_rows(d).mean()), None


def brier_batch(d: ClassificationData, W: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return (W @ _brier_rows(d)) / W.sum(axis=1)


def _ece_parts(d: ClassificationData) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    conf = d.proba.max(axis=1)
    bins = np.minimum((conf * N_ECE_BINS).astype(int), N_ECE_BINS - 1)
    onehot = np.zeros((len(conf), N_ECE_BINS))
    onehot[np.arange(len(conf)), bins] = 1.0
    return onehot, conf, (d.pred == d.y).astype(float)


def ece_batch(d: ClassificationData, W: np.ndarray) -> np.ndarray:
    onehot, conf, correct = _ece_parts(d)
    n_b = W @ onehot
    gap = np.abs(W @ (onehot * correct[:, None]) - W @ (onehot * conf[:, None]))
    with np.errstate(invalid="ignore", divide="ignore"):
        return gap.sum(axis=1) / n_b.sum(axis=1)


def ece_point(d: ClassificationData) -> tuple[float, str | None]:
    if len(d.y) == 0:
        return np.nan, "no samples"
    return float(ece_batch(d, np.ones((1, len(d.y))))[0]), None


@dataclass(frozen=True)
class Metric:
    name: str
    point: Callable[[ClassificationData], tuple[float, str | None]]
    batch: Callable[[ClassificationData, np.ndarray], np.ndarray]
    binary_only: bool = False


CLASSIFICATION_METRICS: dict[str, Metric] = {
    m.name: m
    for m in [
        Metric("AUROC", auroc_point, auroc_batch),
        Metric("Accuracy", accuracy_point, accuracy_batch),
        Metric("Balanced Accuracy", balanced_accuracy_point, balanced_accuracy_batch),
        Metric("F1-Score", f1_point, f1_batch),
        Metric("Sensitivity", sensitivity_point, sensitivity_batch, binary_only=True),
        Metric("Specificity", specificity_point, specificity_batch, binary_only=True),
        Metric("Brier Score", brier_point, brier_batch),
        Metric("ECE", ece_point, ece_batch),
    ]
}
