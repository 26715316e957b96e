"""Supervised classification: split or CV, fit, predict probabilities, score with CIs."""

from __future__ import annotations

import time

import numpy as np

from fmbench.errors import ConfigError, DataError
from fmbench.metrics.classification import ClassificationData
from fmbench.metrics.registry import implementations
from fmbench.models.checks import check_probabilities, probability_array
from fmbench.models.protocols import Fittable
from fmbench.models.sparse_inputs import fit_rows, model_batches, row_count
from fmbench.progress import step
from fmbench.records.output_notes import HARD_LABEL_NOTE
from fmbench.tasks.base import (
    PROTOCOLS,
    Protocol,
    RunContext,
    TaskResult,
    call_model,
    score,
)
from fmbench.tasks.params import ClassificationParams
from fmbench.tasks.splits import holdout_split, kfold_splits, predefined_split


def encode_labels(ctx: RunContext) -> tuple[np.ndarray, list[str], int]:
    """Labels as codes 0..K-1 over the sorted class names, and the positive class's code."""
    ds, suite = ctx.dataset, ctx.suite
    raw = ds.y if ds.y is not None else ds.meta[suite.label_column].to_numpy() if suite.label_column else None
    if raw is None:
        raise DataError(f"dataset {ds.id} has no labels and the suite names no label_column")
    raw = np.asarray(raw).astype(str)
    classes = sorted({str(v) for v in raw})
    if len(classes) < 2:
        raise DataError(f"dataset {ds.id}: labels hold a single class {classes}; classification needs two or more")
    codes = np.searchsorted(np.array(classes), raw)
    positive = 1
    if suite.positive_class is not None:
        if suite.positive_class not in classes:
            raise ConfigError(
                f"suite {suite.id}: positive_class {suite.positive_class!r} is not among the labels {classes}"
            )
        positive = classes.index(suite.positive_class)
    return codes, classes, positive


class SupervisedPredictions:
    """Fit/predict under the suite's split; returns out-of-sample probabilities and rows.

    Every split's probabilities pass ``check_probabilities`` (what it saw goes to the run's
    ``probability_log``, also when they come from the output cache); the run's bar advances
    after each fit and each prediction. ``allow_hard_labels``: the model config's choice unless
    the caller decides (fmbench's own kNN probe may vote 0/1 with k=1: kept, and noted)."""

    def __init__(self, ctx: RunContext, X, y: np.ndarray, n_classes: int, *,  # noqa: ANN001
                 what: str = "model", allow_hard_labels: bool | None = None) -> None:
        self.ctx, self.X, self.y, self.K = ctx, X, y, n_classes
        self.what = what
        self.allow_hard_labels = (ctx.model_config.allow_hard_labels if allow_hard_labels is None
                                  else allow_hard_labels)
        self.fit_s = 0.0
        self.infer_s = 0.0
        self.folds: list[np.ndarray] = []  # k-fold: each fold's test rows, to report per-fold values

    def _fit_predict(self, make_model, train: np.ndarray, test: np.ndarray) -> np.ndarray:  # noqa: ANN001
        """Out-of-sample probabilities of one split, from the output cache when present.

        The cache keeps the model's output as it returned it (its dtype, unnormalised), so the
        check below sees, and logs, the same thing whether it was computed now or earlier."""
        from fmbench.cache import cached_call

        part = {"train": train, "test": test, "params": self.ctx.suite.params, "seed": self.ctx.seed_split,
                "y": self.y, "X": "dataset" if self.X is self.ctx.dataset.X else self.X}
        computed: list[bool] = []

        def compute() -> np.ndarray:
            computed.append(True)
            return self._fit_predict_uncached(make_model(), train, test)

        raw = cached_call(self.ctx, "fit_predict_proba", part, compute)
        if not computed:
            self.ctx.progress.advance(2)
        return check_probabilities(raw, n_rows=len(test), n_classes=self.K, model_id=self.ctx.model_id,
                                   allow_hard_labels=self.allow_hard_labels, log=self.ctx.probability_log)

    def _fit_predict_uncached(self, model, train: np.ndarray, test: np.ndarray) -> np.ndarray:  # noqa: ANN001
        """Fit on the training rows, predict the test rows: the model's probabilities as it returned
        them (columns aligned to the task's classes), checked before they may be cached. Sparse X
        reaches a model that accepts it as CSR; any other model gets dense rows
        (``fmbench.models.sparse_inputs``)."""
        if len(train) and isinstance(model, Fittable):
            t = time.perf_counter()
            X_train = fit_rows(self.X, train, model, model_id=self.ctx.model_id)
            call_model(self.ctx, model, "fit", X_train, self.y[train])
            del X_train
            self.fit_s += time.perf_counter() - t
        self.ctx.progress.advance()
        t = time.perf_counter()
        parts = []
        for batch in model_batches(self.X, test, model):
            n = row_count(batch)
            raw = probability_array(call_model(self.ctx, model, "predict_proba", batch), n_rows=n,
                                    n_classes=self.K, model_id=self.ctx.model_id,
                                    classes=getattr(model, "classes_", None))
            check_probabilities(raw, n_rows=n, n_classes=self.K, model_id=self.ctx.model_id,
                                allow_hard_labels=self.allow_hard_labels)
            parts.append(raw)
        self.infer_s += time.perf_counter() - t
        self.ctx.progress.advance()
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def run(self) -> tuple[np.ndarray, np.ndarray, str]:
        ctx, meta = self.ctx, self.ctx.dataset.meta
        split = ctx.suite.split
        if split.kind == "kfold":
            rows, probs = [], []
            with step(ctx.progress, f"{split.n_folds} folds: {self.what} fit, predict", 2 * split.n_folds):
                for train, test in kfold_splits(self.y, meta, split, ctx.seed_split):
                    probs.append(self._fit_predict(ctx.new_model, train, test))
                    rows.append(test)
                    self.folds.append(np.asarray(test))
            order = np.concatenate(rows)
            P = np.concatenate(probs)
            inv = np.argsort(order)
            return order[inv], P[inv], f"{split.n_folds}-fold CV (out-of-fold)"
        if split.kind == "holdout":
            train, test = holdout_split(self.y, meta, split, ctx.seed_split)
            label = f"holdout test {len(test)}/{len(self.y)}"
        elif split.kind == "predefined":
            train, test = predefined_split(meta)
            label = "test"
        else:
            train, test = np.array([], dtype=int), np.arange(len(self.y))
            label = "all (no fitting)"
        if len(test) == 0:
            raise DataError(f"dataset {ctx.dataset.id}: the split leaves no test samples")
        with step(ctx.progress, f"{label}: {self.what} fit, predict", 2):
            return test, self._fit_predict(lambda: ctx.model, train, test), label


def per_fold_values(data: ClassificationData, rows: np.ndarray, folds: list[np.ndarray],
                    metrics: list) -> tuple[dict, dict]:  # noqa: ANN001
    """Each headline metric on each fold's own predictions, beside the pooled estimate: pooled
    out-of-fold predictions hide between-fold variability (a constant-per-fold model pools to
    an AUROC away from 0.5). Returns (details entry, report table)."""
    positions = [np.searchsorted(rows, f) for f in folds]
    out: dict[str, dict] = {}
    table_rows = []
    for m in metrics:
        values = [m.point(data.subset(pos))[0] for pos in positions]
        finite = np.array([v for v in values if np.isfinite(v)])
        mean = float(finite.mean()) if finite.size else None
        sd = float(finite.std(ddof=1)) if finite.size > 1 else None
        kept = [float(v) if np.isfinite(v) else None for v in values]
        out[m.name] = {"values": kept, "mean": mean, "sd": sd}
        pooled = m.point(data)[0]
        table_rows.append([m.name, *[round(float(v), 4) if np.isfinite(v) else None for v in values],
                           None if mean is None else round(mean, 4), None if sd is None else round(sd, 4),
                           round(float(pooled), 4) if np.isfinite(pooled) else None])
    table = {
        "title": f"Per-fold values ({len(folds)} folds): mean ± sd beside the pooled estimate",
        "columns": ["Metric", *[f"Fold {i + 1}" for i in range(len(folds))], "Mean", "SD", "Pooled"],
        "rows": table_rows,
    }
    return {"n_folds": len(folds), "metrics": out}, table


def score_classification(ctx: RunContext, y: np.ndarray, P: np.ndarray, rows: np.ndarray, classes: list[str],
                         positive: int, *, split_label: str, timings: dict[str, float],
                         folds: list[np.ndarray] | None = None) -> TaskResult:
    """Metrics, strata, subgroups and bootstrap for out-of-sample predictions (and, for k-fold
    splits, each metric per fold)."""
    meta = ctx.dataset.meta.iloc[rows].reset_index(drop=True)
    data = ClassificationData(y[rows], P, positive=positive)
    metrics = [m for m in implementations([m.name for m in ctx.benchmark.metrics], "class probabilities")
               if not (m.binary_only and len(classes) != 2)]
    row_ids = meta[ctx.suite.split.group_column].to_numpy() if ctx.suite.split.group_column in meta else rows
    from sklearn.metrics import confusion_matrix, f1_score

    per_class_f1 = f1_score(data.y, data.pred, labels=range(len(classes)), average=None, zero_division=0)
    support = np.bincount(data.y, minlength=len(classes))
    details = {
        "classes": classes,
        "positive_class": classes[positive] if len(classes) == 2 else None,
        "confusion_matrix": confusion_matrix(data.y, data.pred, labels=range(len(classes))).tolist(),
        "tables": [{
            "title": "Per-class F1",
            "columns": ["Class", "F1", "Support"],
            "rows": [[c, round(float(f), 4), int(s)] for c, f, s in zip(classes, per_class_f1, support, strict=True)],
        }],
    }
    if folds:
        details["per_fold"], fold_table = per_fold_values(data, rows, folds, metrics)
        details["tables"].append(fold_table)
    constant = bool(np.ptp(P, axis=0).max() == 0)
    details["constant_outputs"] = constant
    checks = ctx.probability_log.summary()
    if checks is not None:
        details["output_checks"] = {"probabilities": checks}
        if checks["hard_labels"]:
            ctx.warnings.append(
                f"model {ctx.model_id!r}: {checks['hard_label_rows']} of {len(rows)} rows {HARD_LABEL_NOTE}"
            )
    return score(ctx, data, meta, needs="class probabilities", metrics=metrics, row_ids=row_ids,
                 split=split_label, details=details, timings=timings)


@PROTOCOLS.register("classification")
class ClassificationProtocol(Protocol):
    name = "classification"
    params_model = ClassificationParams

    model_needs = ("predict_proba",)

    def check_compatible(self, ctx: RunContext) -> list[str]:
        if ctx.dataset.X is None:
            return [f"dataset {ctx.dataset.id} has no feature array X"]
        return []

    def evaluate(self, ctx: RunContext) -> TaskResult:
        y, classes, positive = encode_labels(ctx)
        runner = SupervisedPredictions(ctx, ctx.dataset.X, y, len(classes))
        rows, P, split_label = runner.run()
        return score_classification(ctx, y, P, rows, classes, positive, split_label=split_label,
                                    timings={"fit_s": runner.fit_s, "inference_s": runner.infer_s},
                                    folds=runner.folds)
