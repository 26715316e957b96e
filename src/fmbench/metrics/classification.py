"""Classification metrics: point estimates from scikit-learn, replicates from weights.

Every metric here has two faces: ``point`` (scikit-learn on the predictions, or NaN with a
reason when undefined) and ``batch`` (the same quantity for each row of a bootstrap weight
matrix, vectorised). Tests check that ``batch`` on a replicate's counts equals scikit-learn on
that replicate's resampled rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from sklearn import metrics as skm

from fmbench.metrics.registry import MetricInfo, register_metric

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
        """Binary tasks: negatives then positives, each by increasing positive-class score, the
        column layout in which the AUROC kernel needs no sort or gather per replicate."""
        if not self.binary:
            return None
        return _class_then_score_order(self.y == self.positive, self.proba[:, self.positive])


# --------------------------------------------------------------------------- AUROC
def _class_then_score_order(y_pos: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Negatives by increasing score, then positives by increasing score."""
    return np.lexsort((score, y_pos))


def _auc_layout(y_pos: np.ndarray, score: np.ndarray) -> tuple:
    """(column order or None if already laid out, number of negatives, lo, hi or None)."""
    n_neg = int(len(y_pos) - y_pos.sum())
    laid_out = not y_pos[:n_neg].any() and bool(np.all(score[1:n_neg] >= score[: max(n_neg - 1, 0)])) and bool(
        np.all(score[n_neg + 1:] >= score[n_neg:-1]))
    order = None if laid_out else _class_then_score_order(y_pos, score)
    if order is not None:
        score = score[order]
    neg_scores, pos_scores = score[:n_neg], score[n_neg:]
    lo = np.searchsorted(neg_scores, pos_scores, side="left")
    hi = np.searchsorted(neg_scores, pos_scores, side="right")
    return order, n_neg, lo, None if np.array_equal(lo, hi) else hi


def _binary_auc_batch(y_pos: np.ndarray, score: np.ndarray, W: np.ndarray, cache: dict | None = None) -> np.ndarray:
    """Weighted Mann-Whitney AUROC for each row of W (ties count one half).

    With columns laid out as [negatives by score | positives by score], let P be the running
    sum of negative weight (P[k] = weight of the first k negatives). For a positive with score
    s, the negative weight strictly below s is P[lo] and below-or-tied is P[hi], with lo/hi
    from a binary search of s among the negative scores; ties count one half, so its
    contribution is w * (P[lo] + P[hi]) / 2. One cumulative sum over the negatives and one
    gather per replicate: no per-replicate sort, and ties need no special pass.
    """
    cache = {} if cache is None else cache
    if "auc_layout" not in cache:
        cache["auc_layout"] = _auc_layout(np.asarray(y_pos, dtype=bool), score)
    order, n_neg, lo, hi = cache["auc_layout"]
    if order is not None:
        W = W[:, order]
    # Integer counts (int64) stay integers: cumulative sums and the products below are exact.
    P = np.zeros((len(W), n_neg + 1), dtype=np.result_type(W.dtype, np.int64))
    np.cumsum(W[:, :n_neg], axis=1, out=P[:, 1:])
    below = np.take(P, lo, axis=1, mode="clip")  # lo, hi are in [0, n_neg] by construction
    if hi is not None:  # some positive ties a negative: count them half (below + below-or-tied) / 2
        below += np.take(P, hi, axis=1, mode="clip")
    W_pos = W[:, n_neg:]
    num = np.einsum("bj,bj->b", W_pos, below).astype(np.float64)
    if hi is not None:
        num *= 0.5
    total_pos = W_pos.sum(axis=1).astype(np.float64)
    total_neg = P[:, -1].astype(np.float64)
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
        return _binary_auc_batch(d.y == d.positive, d.proba[:, d.positive], W, d.cache.setdefault("auc", {}))
    per_class = [_binary_auc_batch(d.y == k, d.proba[:, k], W, d.cache.setdefault(("auc", k), {}))
                 for k in range(d.n_classes)]
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


def _absent_classes(d: ClassificationData) -> int:
    return d.n_classes - len(np.unique(d.y))


def _macro_undefined(d: ClassificationData, label: str) -> str | None:
    """Why a macro average over classes is undefined here, or None. A class absent from the
    rows would enter the average as 0 (or be dropped, changing what is averaged): in a stratum of
    one class that makes the metric about the classifier's mistakes on a class that is not there."""
    if len(d.y) == 0:
        return "no samples"
    absent = _absent_classes(d)
    if absent:
        return (f"{label} undefined: {absent} of {d.n_classes} classes absent from these {len(d.y)} samples "
                "(a macro average needs every class)")
    return None


def macro_f1_point(d: ClassificationData) -> tuple[float, str | None]:
    reason = _macro_undefined(d, "Macro F1")
    if reason:
        return np.nan, reason
    labels = np.arange(d.n_classes)
    return float(skm.f1_score(d.y, d.pred, labels=labels, average="macro", zero_division=0)), None


def macro_f1_batch(d: ClassificationData, W: np.ndarray) -> np.ndarray:
    cm = _confusion_batch(d, W)
    tp = np.einsum("bkk->bk", cm)
    support = cm.sum(axis=2)
    denom = support + cm.sum(axis=1)  # 2TP + FP + FN
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(denom > 0, 2 * tp / np.where(denom > 0, denom, 1), 0.0).mean(axis=1)
    f1[(support == 0).any(axis=1)] = np.nan  # a class absent from the resample: undefined, as the point
    return f1


def f1_point(d: ClassificationData) -> tuple[float, str | None]:
    """Binary: F1 of the positive class (scikit-learn's ``f1_score`` default); multiclass: macro F1."""
    if not d.binary:
        return macro_f1_point(d)
    if len(d.y) == 0:
        return np.nan, "no samples"
    if not (d.y == d.positive).any():
        return np.nan, f"F1-Score undefined: no positive samples among these {len(d.y)} (recall is 0/0)"
    return float(skm.f1_score(d.y == d.positive, d.pred == d.positive, zero_division=0)), None


def f1_batch(d: ClassificationData, W: np.ndarray) -> np.ndarray:
    if not d.binary:
        return macro_f1_batch(d, W)
    cm = _confusion_batch(d, W)
    k = d.positive
    tp = cm[:, k, k]
    support = cm[:, k, :].sum(axis=1)
    predicted = cm[:, :, k].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = 2 * tp / (support + predicted)
    f1[support == 0] = np.nan
    return f1


def balanced_accuracy_point(d: ClassificationData) -> tuple[float, str | None]:
    reason = _macro_undefined(d, "Balanced Accuracy")
    if reason:
        return np.nan, reason
    return float(skm.balanced_accuracy_score(d.y, d.pred)), None


def balanced_accuracy_batch(d: ClassificationData, W: np.ndarray) -> np.ndarray:
    cm = _confusion_batch(d, W)
    support = cm.sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        recall = np.einsum("bkk->bk", cm) / support
    return recall.mean(axis=1)  # NaN when a class is absent from the resample


def _mcc_from_confusion(cm: np.ndarray) -> np.ndarray:
    """Matthews correlation (Gorodkin's multiclass R_K, scikit-learn's ``matthews_corrcoef``) of
    confusion matrices ``[..., true, pred]``; NaN where it is undefined (all labels or all
    predictions in one class, where scikit-learn returns 0)."""
    t = cm.sum(axis=-1)  # true counts per class
    p = cm.sum(axis=-2)  # predicted counts per class
    s = cm.sum(axis=(-1, -2))
    c = np.einsum("...kk->...", cm)
    cov_ytyp = c * s - np.einsum("...k,...k->...", t, p)
    cov_ypyp = s**2 - np.einsum("...k,...k->...", p, p)
    cov_ytyt = s**2 - np.einsum("...k,...k->...", t, t)
    denom = cov_ypyp * cov_ytyt
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, cov_ytyp / np.sqrt(np.where(denom > 0, denom, 1)), np.nan)


def mcc_point(d: ClassificationData) -> tuple[float, str | None]:
    if len(d.y) == 0:
        return np.nan, "no samples"
    if len(np.unique(d.y)) < 2:
        return np.nan, "MCC undefined: every sample has the same label"
    if len(np.unique(d.pred)) < 2:
        return np.nan, "MCC undefined: every prediction is the same class (scikit-learn reports 0)"
    return float(skm.matthews_corrcoef(d.y, d.pred)), None


def mcc_batch(d: ClassificationData, W: np.ndarray) -> np.ndarray:
    return _mcc_from_confusion(_confusion_batch(d, W))


def _recall_of(d: ClassificationData, cls: int, label: str) -> tuple[float, str | None]:
    if not d.binary:
        return np.nan, f"{label} is defined for binary tasks only"
    support = int((d.y == cls).sum())
    if support == 0:
        return np.nan, f"{label} undefined: no {'positive' if cls == d.positive else 'negative'} samples"
    return float(skm.recall_score(d.y == cls, d.pred == cls)), None


def accuracy_counts(d: ClassificationData) -> tuple[int, int]:
    return int((d.y == d.pred).sum()), len(d.y)


def _recall_counts(d: ClassificationData, cls: int) -> tuple[int, int] | None:
    if not d.binary:
        return None
    of_class = d.y == cls
    return int((d.pred[of_class] == cls).sum()), int(of_class.sum())


def sensitivity_counts(d: ClassificationData) -> tuple[int, int] | None:
    return _recall_counts(d, d.positive)


def specificity_counts(d: ClassificationData) -> tuple[int, int] | None:
    return _recall_counts(d, 1 - d.positive)


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
    """Per row: binary, (p_positive - y)^2 (scikit-learn's ``brier_score_loss``); multiclass, the
    squared error summed over classes (Brier's original score, range 0..2), as the reference says."""
    if d.binary:
        return (d.proba[:, d.positive] - (d.y == d.positive)) ** 2
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
    # bincount sums in row order: unlike a BLAS product, the value does not depend on the thread count
    _, conf, correct = _ece_parts(d)
    bins = np.minimum((conf * N_ECE_BINS).astype(int), N_ECE_BINS - 1)
    gap = np.abs(np.bincount(bins, correct, N_ECE_BINS) - np.bincount(bins, conf, N_ECE_BINS))
    return float(gap.sum() / len(d.y)), None


@dataclass(frozen=True)
class Metric:
    name: str
    point: Callable[[ClassificationData], tuple[float, str | None]]
    batch: Callable[[ClassificationData, np.ndarray], np.ndarray]
    binary_only: bool = False
    # (successes, trials) for a metric that is a proportion of rows: its interval can then be
    # exact (Clopper-Pearson) where the bootstrap says nothing (a count at 0 or N)
    counts: Callable[[ClassificationData], tuple[int, int] | None] | None = None


CLASSIFICATION_METRICS: dict[str, Metric] = {
    m.name: m
    for m in [
        Metric("AUROC", auroc_point, auroc_batch),
        Metric("Accuracy", accuracy_point, accuracy_batch, counts=accuracy_counts),
        Metric("Balanced Accuracy", balanced_accuracy_point, balanced_accuracy_batch),
        Metric("F1-Score", f1_point, f1_batch),
        Metric("Macro F1", macro_f1_point, macro_f1_batch),
        Metric("MCC", mcc_point, mcc_batch),
        Metric(
            "Sensitivity", sensitivity_point, sensitivity_batch, binary_only=True, counts=sensitivity_counts
        ),
        Metric(
            "Specificity", specificity_point, specificity_batch, binary_only=True, counts=specificity_counts
        ),
        Metric("Brier Score", brier_point, brier_batch),
        Metric("ECE", ece_point, ece_batch),
    ]
}

_RANGES = {"Brier Score": ("lower", 0.0, 2.0), "ECE": ("lower", 0.0, 1.0), "MCC": ("higher", -1.0, 1.0)}
for _m in CLASSIFICATION_METRICS.values():
    _direction, _lo, _hi = _RANGES.get(_m.name, ("higher", 0.0, 1.0))
    register_metric(
        MetricInfo(
            _m.name,
            "class probabilities",
            _direction,
            _lo,
            _hi,  # type: ignore[arg-type]
            impl=_m,
        )
    )
