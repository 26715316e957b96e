"""Frozen embeddings + a simple probe: the standard way to benchmark a foundation model.

``protocol: linear_probe`` (or ``run --protocol linear_probe`` on any classification suite):

1. ``embed(X)`` gives frozen embeddings of every sample, computed in chunks of
   ``embed_chunk`` rows; each chunk is cached (see ``fmbench.cache``), so a killed run resumes
   and another suite on the same data and model reuses them. Embedding is per sample and
   unsupervised, so embedding all rows once leaks nothing across the split.
2. Under the suite's split (holdout, k-fold or predefined — the same rows as the
   ``classification`` protocol), a probe is fitted on the training rows' embeddings:
   ``logistic`` (default): StandardScaler + L2 LogisticRegression with C chosen from ``Cs`` by a
   seeded inner (group-aware) stratified CV on log loss; ``knn``: k-nearest neighbours
   (cosine on the raw embeddings, or euclidean on standardised ones) with k chosen from
   ``k_grid`` by inner CV on balanced accuracy.
3. The out-of-sample probabilities are scored exactly as in ``classification``
   (metrics, bootstrap CIs, strata, subgroups).

Settings live in the suite's ``params.linear_probe`` mapping (``ProbeSettings``); the shortcut
``params.probe: knn`` picks the probe. ``knn_probe`` is the same protocol with the kNN probe.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any, ClassVar

import numpy as np
from pydantic import ValidationError

from fmbench.errors import ConfigError, DataError, RowDataError, validation_messages
from fmbench.models.checks import check_embeddings
from fmbench.models.sparse_inputs import RowView, accepts_sparse, is_sparse, row_count
from fmbench.progress import batch_reports, step
from fmbench.tasks.base import PROTOCOLS, Protocol, RunContext, TaskResult, call_model
from fmbench.tasks.classification import SupervisedPredictions, encode_labels, score_classification
from fmbench.tasks.params import ClassificationParams, ProbeSettings

EMBED_NAMESPACE = "embeddings"


def probe_settings(ctx: RunContext, *, default_probe: str = "logistic") -> ProbeSettings:
    params = ctx.suite.params
    raw = dict(params.get("linear_probe") or {})
    if "probe" in params and "probe" not in raw:
        raw["probe"] = params["probe"]
    raw.setdefault("probe", default_probe)
    try:
        return ProbeSettings.model_validate(raw)
    except ValidationError as exc:
        msg = validation_messages(exc, prefix=f"suite {ctx.suite.id}", lead=("params", "linear_probe"),
                                  first_only=True)[0]
        raise ConfigError(msg) from None


def model_inputs(ctx: RunContext) -> Any:
    """What ``embed`` receives: the feature array, else the texts / sequences of the dataset."""
    ds = ctx.dataset
    if ds.X is not None:
        return ds.X
    for key in ("texts", "sequences", "inputs"):
        if ds.extras.get(key) is not None:
            return ds.extras[key]
    return None


class Probe:
    """A probe over precomputed embeddings; its "inputs" are row indices into them."""

    def __init__(self, E: np.ndarray, groups: np.ndarray | None, settings: ProbeSettings, seed: int) -> None:
        self.E, self.groups, self.settings, self.seed = E, groups, settings, seed

    def _search(self, y: np.ndarray, n_inner: int) -> Any:
        from sklearn.model_selection import GridSearchCV, StratifiedGroupKFold, StratifiedKFold
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        s = self.settings
        if self.groups is not None:
            cv: Any = StratifiedGroupKFold(n_splits=n_inner, shuffle=True, random_state=self.seed)
        else:
            cv = StratifiedKFold(n_splits=n_inner, shuffle=True, random_state=self.seed)
        if s.probe == "logistic":
            from sklearn.linear_model import LogisticRegression

            pipe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=s.max_iter))
            grid = {"logisticregression__C": list(s.Cs)}
            scoring = "neg_log_loss"
        else:
            from sklearn.neighbors import KNeighborsClassifier

            knn = KNeighborsClassifier(metric=s.knn_metric, algorithm="brute")
            pipe = make_pipeline(knn) if s.knn_metric == "cosine" else make_pipeline(StandardScaler(), knn)
            smallest_train = len(y) - int(np.ceil(len(y) / n_inner))
            ks = [k for k in s.k_grid if k <= smallest_train] or [1]
            grid = {"kneighborsclassifier__n_neighbors": ks}
            scoring = "balanced_accuracy"
        return GridSearchCV(pipe, grid, cv=cv, scoring=scoring, refit=True, error_score="raise"), cv

    def fit(self, rows: np.ndarray, y: np.ndarray) -> Probe:
        rows = np.asarray(rows, dtype=int)
        y = np.asarray(y, dtype=int)
        smallest = int(np.bincount(y)[np.unique(y)].min())
        n_inner = min(self.settings.inner_folds, smallest)
        if n_inner < 2:
            raise DataError(
                f"the probe's training rows hold a class with {smallest} sample(s); "
                "the inner cross-validation needs at least 2 per class"
            )
        search, _ = self._search(y, n_inner)
        groups = self.groups[rows] if self.groups is not None else None
        search.fit(self.E[rows], y, groups=groups)
        self.search_ = search
        self.classes_ = search.classes_
        return self

    def predict_proba(self, rows: np.ndarray) -> np.ndarray:
        return self.search_.predict_proba(self.E[np.asarray(rows, dtype=int)])


def compute_embeddings(ctx: RunContext, inputs: Any, chunk: int, timings: dict[str, float]) -> np.ndarray:
    """All rows' embeddings, chunk by chunk, each chunk read from or written to the cache.

    The run's bar counts rows: an adapter that reports its batches (``report_batch``) moves it
    per batch, any other model per chunk, a cached chunk at once."""
    from fmbench.cache import cache_for, cached_chunks

    prepared: list[Any] = []
    done = [0]  # rows the bar has counted
    start = [0]  # the dataset row the next chunk starts at

    def model() -> Any:
        if not prepared:
            m = ctx.model
            ex = ctx.dataset.extras
            names = ex.get("feature_names") if ex.get("feature_names") is not None else ex.get("var_names")
            if names is not None and hasattr(m, "set_feature_names"):
                call_model(ctx, m, "set_feature_names", list(names))
            prepared.append(m)
        return prepared[0]

    def count(n: int) -> None:
        done[0] += n
        ctx.progress.advance(n)

    def count_to(hi: int, _n: int) -> None:
        start[0] = hi
        if hi > done[0]:
            count(hi - done[0])

    def embed(rows: Any) -> np.ndarray:
        t = time.perf_counter()
        try:
            with batch_reports(count):
                A = call_model(ctx, model(), "embed", rows)
        except RowDataError as exc:  # the model saw one chunk: name the dataset's row
            raise exc.shifted(start[0]) from None
        A = check_embeddings(A, n_rows=row_count(rows), model_id=ctx.model_id)
        timings["embed_s"] = timings.get("embed_s", 0.0) + time.perf_counter() - t
        return A

    if is_sparse(inputs):  # chunks stay CSR for a model that accepts them, dense for any other
        inputs = RowView(inputs, dense=not accepts_sparse(model()))
    with step(ctx.progress, "embedding inputs", row_count(inputs)):
        parts = cached_chunks(ctx, "embed", inputs, embed, chunk=chunk, namespace=EMBED_NAMESPACE,
                              on_chunk=count_to)
    timings["cache_hits"] = float(cache_for(ctx, EMBED_NAMESPACE).hits)
    dims = {p.shape[1] for p in parts}
    if len(dims) != 1:
        raise DataError(
            f"model {ctx.model_id!r}: embed() returned different widths {sorted(dims)} across chunks"
        )
    return np.concatenate(parts).astype(np.float64, copy=False)


@PROTOCOLS.register("linear_probe")
class LinearProbeProtocol(Protocol):
    name = "linear_probe"
    params_model = ClassificationParams
    default_probe: ClassVar[str] = "logistic"
    model_needs = ("embed",)

    def check_compatible(self, ctx: RunContext) -> list[str]:
        problems = []
        probe_settings(ctx, default_probe=self.default_probe)
        if ctx.suite.split.kind == "none":
            problems.append(
                f"{self.name} fits a probe and needs a split with training rows "
                "(holdout, kfold or predefined), not 'none'"
            )
        if model_inputs(ctx) is None:
            problems.append(f"dataset {ctx.dataset.id} has no feature array X and no texts or sequences")
        return problems

    def evaluate(self, ctx: RunContext) -> TaskResult:
        settings = probe_settings(ctx, default_probe=self.default_probe)
        y, classes, positive = encode_labels(ctx)
        timings: dict[str, float] = {}
        E = compute_embeddings(ctx, model_inputs(ctx), settings.embed_chunk, timings)
        split = ctx.suite.split
        groups = None
        if split.group_column is not None and split.group_column in ctx.dataset.meta.columns:
            groups = ctx.dataset.meta[split.group_column].astype(str).to_numpy()
        probe_ctx = replace(ctx, new_model=lambda: Probe(E, groups, settings, ctx.seed_split), _model=None)
        runner = SupervisedPredictions(probe_ctx, np.arange(len(y)), y, len(classes),
                                       what=f"{settings.probe} probe", allow_hard_labels=True)
        rows, P, split_label = runner.run()
        timings = {
            "embed_s": timings.get("embed_s", 0.0),
            "probe_fit_s": runner.fit_s,
            "inference_s": timings.get("embed_s", 0.0) + runner.infer_s,
            "cache_hits": timings.get("cache_hits", 0.0),
        }
        result = score_classification(
            ctx, y, P, rows, classes, positive, split_label=split_label, timings=timings, folds=runner.folds
        )
        grid = settings.Cs if settings.probe == "logistic" else settings.k_grid
        result.details["probe"] = {
            "kind": settings.probe,
            "embedding_dim": int(E.shape[1]),
            "inner_folds": settings.inner_folds,
            "grid": [float(v) for v in grid] if settings.probe == "logistic" else [int(v) for v in grid],
            **({"metric": settings.knn_metric} if settings.probe == "knn" else {}),
        }
        result.details["tables"] = [
            *result.details.get("tables", []),
            {
                "title": "Probe",
                "columns": ["Probe", "Embedding dim", "Search grid", "Inner folds"],
                "rows": [
                    [settings.probe, int(E.shape[1]), ", ".join(f"{v:g}" for v in grid), settings.inner_folds]
                ],
            },
        ]
        return result


@PROTOCOLS.register("knn_probe")
class KnnProbeProtocol(LinearProbeProtocol):
    name = "knn_probe"
    default_probe: ClassVar[str] = "knn"
