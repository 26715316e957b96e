"""Masked time-series reconstruction (BM-BRAIN-MAE): hide entries, ask the model to fill them.

The data are ROI time series ``X`` of shape (subjects, ROIs, timepoints). The suite fixes a
seeded mask through ``params.mask`` (see ``MaskParams``); the mask of a subject depends only
on the mask seed and the dataset shape, never on the split or the model, so every model is
asked to fill exactly the same entries.

What the model gets: ``reconstruct(X_masked, mask) -> X_hat`` with ``X_masked`` a float64
copy of the test subjects' data whose hidden entries are set to **0.0** (not NaN, so
networks can consume it; since the series are z-scored, 0 is each ROI's mean) and ``mask``
a bool array of the same shape, **True = hidden**. ``X_hat`` must have the same shape and be
finite everywhere; only the hidden entries are scored, values at observed entries are ignored.

Fitting: with ``split.kind: holdout`` the subjects are split (seeded, grouped by
``split.group_column``); if the model has ``fit``, it is called once as ``fit(X_train)`` on
the training subjects' *complete* (unmasked) series, and only the test subjects are masked
and scored. With ``split.kind: none`` every subject is scored and ``fit`` is never called.

Metrics, on hidden entries only, one value per subject then averaged over subjects (so
bootstrap CIs resample subjects: ``W @ v / W.sum(1)``):
- ``Correlation``: Pearson r between true and reconstructed hidden values of the subject,
  pooled over its ROIs; a subject whose true or reconstructed hidden values are constant has
  no defined r and is left out of the average (the count is in the record's details).
- ``MSE``: mean squared error over the subject's hidden entries.
"""

from __future__ import annotations

import time
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from fmbench.cache import cached_chunks
from fmbench.errors import ConfigError, DataError, ModelError, validation_messages
from fmbench.metrics.reconstruction import (  # noqa: F401 - re-exported for existing callers
    RECONSTRUCTION_METRICS,
    ReconstructionData,
    SubjectMeanMetric,
    per_subject_scores,
)
from fmbench.models.checks import check_matrix
from fmbench.models.protocols import Fittable
from fmbench.progress import advance_to, step
from fmbench.tasks.base import (
    PROTOCOLS,
    Protocol,
    RunContext,
    TaskResult,
    call_model,
    score,
)
from fmbench.tasks.splits import holdout_split


class MaskParams(BaseModel):
    """``params.mask`` of a reconstruction suite."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["timepoints", "rois"] = Field(
        "timepoints", description="timepoints: hide spans of time in every ROI; rois: hide whole ROIs."
    )
    fraction: float = Field(
        0.25, gt=0, lt=1, description="Share of each ROI's timepoints (or of ROIs) hidden."
    )
    span: int = Field(1, ge=1, description="timepoints: length of each hidden span (contiguous timepoints).")
    seed: int = Field(0, description="Seed of the mask.")


class ReconstructionParams(BaseModel):
    """``params`` of a reconstruction suite."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    mask: MaskParams = Field(default_factory=MaskParams, description="Which entries are hidden.")


def mask_params(params: dict, *, suite_id: str) -> MaskParams:
    try:
        return MaskParams.model_validate(params.get("mask", {}))
    except ValidationError as exc:
        msg = validation_messages(exc, prefix=f"suite {suite_id}", lead=("params", "mask"),
                                  first_only=True)[0]
        raise ConfigError(msg) from None


def make_mask(shape: tuple[int, int, int], spec: MaskParams) -> np.ndarray:
    """Seeded bool mask (True = hidden) of shape (subjects, ROIs, timepoints).

    timepoints: the first ``span * (T // span)`` timepoints form ``T // span`` spans; in every
    (subject, ROI) ``round(fraction * (T // span))`` spans are hidden, so each ROI hides
    exactly ``span`` times that many timepoints. rois: in every subject
    ``round(fraction * R)`` whole ROIs are hidden.
    """
    n, R, T = shape
    rng = np.random.default_rng(spec.seed)
    mask = np.zeros(shape, dtype=bool)
    if spec.kind == "rois":
        k = round(spec.fraction * R)
        if not 0 < k < R:
            raise ConfigError(
                f"mask fraction {spec.fraction} hides {k} of {R} ROIs; it must hide at least one "
                f"and leave at least one"
            )
        chosen = np.argsort(rng.random((n, R)), axis=1)[:, :k]
        np.put_along_axis(mask, chosen[:, :, None].repeat(T, axis=2), True, axis=1)
        return mask
    n_spans = T // spec.span
    k = round(spec.fraction * n_spans)
    if not 0 < k < n_spans:
        raise ConfigError(
            f"mask fraction {spec.fraction} with span {spec.span} hides {k} of {n_spans} spans of "
            f"{T} timepoints; it must hide at least one span and leave at least one"
        )
    chosen = np.argsort(rng.random((n, R, n_spans)), axis=2)[:, :, :k]
    spans = np.zeros((n, R, n_spans), dtype=bool)
    np.put_along_axis(spans, chosen, True, axis=2)
    mask[:, :, : n_spans * spec.span] = np.repeat(spans, spec.span, axis=2)
    return mask


def check_reconstruction(X_hat, *, shape: tuple[int, ...], model_id: str) -> np.ndarray:  # noqa: ANN001
    """Same shape as the input, finite everywhere."""
    try:
        arr = np.asarray(X_hat, dtype=np.float64)
    except (TypeError, ValueError):
        raise ModelError(
            f"model {model_id!r}: reconstruct returned something that is not a numeric array"
        ) from None
    if arr.shape != tuple(shape):
        raise ModelError(
            f"model {model_id!r}: reconstruct returned shape {arr.shape}, expected {tuple(shape)} "
            f"(subjects, ROIs, timepoints), the shape of X_masked"
        )
    if not np.isfinite(arr).all():
        bad = np.argwhere(~np.isfinite(arr))
        raise ModelError(
            f"model {model_id!r}: reconstruct returned NaN or inf in {len(bad)} entries "
            f"(first: subject {bad[0][0]}, ROI {bad[0][1]}, timepoint {bad[0][2]}); "
            f"fill every entry with a finite value"
        )
    return check_matrix(arr, n_rows=shape[0], model_id=model_id, what="the reconstruction")


@PROTOCOLS.register("reconstruction")
class ReconstructionProtocol(Protocol):
    name = "reconstruction"
    params_model = ReconstructionParams
    model_needs = ("reconstruct",)

    def check_compatible(self, ctx: RunContext) -> list[str]:
        problems = []
        X = ctx.dataset.X
        if X is None or np.ndim(X) != 3:
            got = "no array" if X is None else f"shape {tuple(np.shape(X))}"
            problems.append(
                f"dataset {ctx.dataset.id} must hold X of shape (subjects, ROIs, timepoints), got {got}"
            )
        if ctx.suite.split.kind not in ("holdout", "none"):
            problems.append(
                f"split kind {ctx.suite.split.kind!r} is not supported by reconstruction "
                f"(use holdout or none)"
            )
        return problems

    def evaluate(self, ctx: RunContext) -> TaskResult:
        spec = mask_params(ctx.suite.params, suite_id=ctx.suite.id)
        X = np.asarray(ctx.dataset.X, dtype=np.float64)
        if not np.isfinite(X).all():
            raise DataError(
                f"dataset {ctx.dataset.id}: X contains NaN or inf; reconstruction needs complete series"
            )
        try:
            full_mask = make_mask(X.shape, spec)
        except ConfigError as exc:
            raise ConfigError(f"suite {ctx.suite.id}: params.mask: {exc}") from None
        meta = ctx.dataset.meta
        if ctx.suite.split.kind == "holdout":
            train, test = holdout_split(np.zeros(len(X), dtype=int), meta, ctx.suite.split, ctx.seed_split)
            split_label = f"holdout test {len(test)}/{len(X)} subjects"
        else:
            train, test = np.array([], dtype=int), np.arange(len(X))
            split_label = f"all {len(X)} subjects (no fitting)"
        if len(test) == 0:
            raise DataError(f"dataset {ctx.dataset.id}: the split leaves no test subjects")

        model, fit_s = ctx.model, 0.0
        if len(train) and isinstance(model, Fittable):
            t0 = time.perf_counter()
            call_model(ctx, model, "fit", X[train].copy())
            fit_s = time.perf_counter() - t0
        mask = full_mask[test]
        X_test = X[test]
        X_masked = np.where(mask, 0.0, X_test)
        def reconstruct_chunk(xm: np.ndarray, m: np.ndarray) -> np.ndarray:
            out = call_model(ctx, model, "reconstruct", xm.copy(), m.copy())
            return check_reconstruction(out, shape=xm.shape, model_id=ctx.model_id)

        t0 = time.perf_counter()
        with step(ctx.progress, "reconstructing subjects", len(X_masked)) as bar:
            chunks = cached_chunks(ctx, "reconstruct", X_masked, reconstruct_chunk, chunk=RECONSTRUCT_CHUNK,
                                   extra=(mask,), on_chunk=advance_to(bar))
        infer_s = time.perf_counter() - t0
        X_hat = check_reconstruction(np.concatenate(chunks), shape=X_test.shape, model_id=ctx.model_id)
        return score_reconstruction(
            ctx,
            X_test,
            X_hat,
            mask,
            test,
            spec,
            split_label=split_label,
            timings={"fit_s": fit_s, "inference_s": infer_s},
        )


RECONSTRUCT_CHUNK = 16  # subjects per cached chunk: a killed run resumes at the first missing chunk


def score_reconstruction(
    ctx: RunContext,
    X: np.ndarray,
    X_hat: np.ndarray,
    mask: np.ndarray,
    rows: np.ndarray,
    spec: MaskParams,
    *,
    split_label: str,
    timings: dict[str, float],
) -> TaskResult:
    corr, mse = per_subject_scores(X, X_hat, mask)
    data = ReconstructionData(corr, mse)
    meta = ctx.dataset.meta.iloc[rows].reset_index(drop=True)
    group_col = ctx.suite.split.group_column
    row_ids = meta[group_col].to_numpy() if group_col in meta else rows
    finite = corr[np.isfinite(corr)]
    details = {
        "mask": {
            "kind": spec.kind,
            "fraction": spec.fraction,
            "span": spec.span,
            "seed": spec.seed,
            "hidden_per_subject": int(mask[0].sum()),
            "entries_per_subject": int(mask[0].size),
            "masked_value": 0.0,
        },
        "correlation_undefined_subjects": int((~np.isfinite(corr)).sum()),
    }
    if len(finite):
        quant = np.quantile(finite, [0.0, 0.25, 0.5, 0.75, 1.0])
        details["tables"] = [
            {
                "title": "Per-subject Correlation on hidden entries",
                "columns": ["Subjects", "Min", "Q1", "Median", "Q3", "Max"],
                "rows": [[int(len(finite))] + [round(float(q), 4) for q in quant]],
            }
        ]
    return score(ctx, data, meta, needs="reconstructions", row_ids=row_ids, split=split_label,
                 details=details, timings=timings)
