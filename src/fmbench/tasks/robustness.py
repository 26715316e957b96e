"""Robustness protocol: stability and performance of a model under graded input perturbations.

The model is fitted once, on the clean training part of the suite's split (holdout or
predefined; with split ``none`` it is used as given, e.g. a pre-trained model), and then
evaluated on the test part only: clean, and under every (probe, level). Refitting per level
would measure the training procedure's robustness rather than the model's. Inputs stream from
the memory-mapped array batch by batch (see ``fmbench.perturbations.stream``); a probe failure fails
the run. Settings come from the suite's ``params`` (validated below), overridden by
``run-robustness`` options; default grids from the benchmark's ``probe_grids``. DNA sequence
datasets (a ``<U…>`` X) get the sequence probes (``perturbations.sequence_probes``): the model is
fitted on the training sequences as given and called with perturbed ``<U…>`` arrays.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from fmbench.errors import ConfigError, DataError, validation_messages
from fmbench.metrics.bootstrap import BootstrapScheme, resample_counts
from fmbench.metrics.classification import CLASSIFICATION_METRICS, ClassificationData
from fmbench.metrics.grouped import evaluate_grouped
from fmbench.metrics.intervals import choose_interval
from fmbench.models.checks import check_matrix, check_probabilities
from fmbench.models.protocols import Fittable
from fmbench.models.sparse_inputs import fit_rows, is_sparse
from fmbench.perturbations.perturb import ProbeEnv, check_probe_name, data_kind, get_probe, probe_table
from fmbench.perturbations.stream import effective_batch, plan_passes, reader_for, run_stream, sample_shape
from fmbench.perturbations.summary import (
    aggregate,
    aggregate_replicates,
    replicate_curves,
    report_details,
    summarise,
)
from fmbench.records.schema import MetricValue
from fmbench.tasks.base import (
    PROTOCOLS,
    Protocol,
    RunContext,
    TaskResult,
    bootstrap_info,
    call_model,
    clusters_for,
)
from fmbench.tasks.classification import encode_labels
from fmbench.tasks.splits import holdout_split, predefined_split

BATCH_BYTES = 32 << 20  # default batch: about 32 MB of float32 input
PERF_METRICS = ("AUROC", "Accuracy")


class RobustnessParams(BaseModel):
    """The suite's ``params`` for protocol robustness."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    probes: list[str] | None = Field(
        None, description="Probes to run; default: every probe with a grid that applies to the data's shape."
    )
    probe_grids: dict[str, list[float]] = Field(
        default_factory=dict, description="Severity grids overriding the benchmark's."
    )
    line_freqs: list[float] = Field([50.0, 60.0], description="Mains frequencies (Hz) of line_noise.")
    sampling_freq: float | None = Field(None, gt=0, description="Hz; default: the dataset card's params.")
    batch_size: int | None = Field(None, ge=1, description="Samples per batch; default about 32 MB.")
    threads: int | None = Field(
        None,
        ge=1,
        le=64,
        description="Threads that perturb blocks of a batch in parallel; default: CPUs, at most 8.",
    )


    @field_validator("probes")
    @classmethod
    def _known_probes(cls, v: list[str] | None) -> list[str] | None:
        for name in v or []:
            check_probe_name(name)
        return v

    @field_validator("probe_grids")
    @classmethod
    def _known_grids(cls, v: dict[str, list[float]]) -> dict[str, list[float]]:
        for name in v:
            check_probe_name(name)
        return v


def _suite_probe_set(ctx: RunContext, params: RobustnessParams) -> list[str]:
    """The probes a run without --probes would use: what ranked records are comparable over."""
    grids = {**ctx.benchmark.probe_grids, **params.probe_grids}
    return list(params.probes or [p for p in probe_table(data_kind(ctx.dataset.X)) if p in grids])


def robustness_settings(ctx: RunContext) -> tuple[RobustnessParams, list[tuple[Any, list[float]]], ProbeEnv]:
    try:
        params = RobustnessParams.model_validate(ctx.suite.params)
    except ValidationError as exc:
        msg = validation_messages(exc, prefix=f"suite {ctx.suite.id}", lead=("params",), first_only=True)[0]
        raise ConfigError(msg) from None
    X = ctx.dataset.X
    kind = data_kind(X)
    if not probe_table(kind):
        raise DataError(
            f"dataset {ctx.dataset.id}: X has shape {X.shape}; robustness probes need (N, F), "
            "(N, C, T), (N, X, Y, Z) or DNA sequences"
        )
    grids = {**ctx.benchmark.probe_grids, **params.probe_grids}
    names = list(ctx.options.probes or ()) or params.probes or [p for p in probe_table(kind) if p in grids]
    sf = (
        ctx.options.sampling_freq
        or params.sampling_freq
        or ctx.dataset.card.params.get("sampling_freq")
    )
    env = ProbeEnv(sampling_freq=None if sf is None else float(sf), line_freqs=tuple(params.line_freqs))
    chosen = []
    for name in dict.fromkeys(names):
        probe = get_probe(name, kind)
        if name not in grids or not grids[name]:
            raise ConfigError(
                f"probe {name}: no severity grid; add params.probe_grids.{name} to suite {ctx.suite.id}"
            )
        levels = [float(v) for v in grids[name]]
        probe.check(levels, sample_shape(X), env)
        chosen.append((probe, levels))
    if not chosen:
        raise ConfigError(f"suite {ctx.suite.id}: no probe to run for data of shape {X.shape}")
    return params, chosen, env


def _split(ctx: RunContext, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, str]:
    split, meta = ctx.suite.split, ctx.dataset.meta
    if split.kind == "holdout":
        train, test = holdout_split(y, meta, split, ctx.seed_split)
        label = f"holdout test {len(test)}/{len(y)}"
    elif split.kind == "predefined":
        train, test = predefined_split(meta)
        label = "test"
    else:
        train, test = np.array([], dtype=np.intp), np.arange(len(y))
        label = "all (no fitting)"
    if len(test) == 0:
        raise DataError(f"dataset {ctx.dataset.id}: the split leaves no test samples")
    return np.sort(train), np.sort(test), label


@PROTOCOLS.register("robustness")
class RobustnessProtocol(Protocol):
    name = "robustness"
    params_model = RobustnessParams
    model_needs = ("predict_proba",)
    caches_outputs = False  # every probe calls the model on freshly perturbed inputs

    def check_compatible(self, ctx: RunContext) -> list[str]:
        problems = []
        if ctx.dataset.X is None:
            problems.append(f"dataset {ctx.dataset.id} has no input array X")
        if ctx.suite.split.kind == "kfold":
            problems.append(
                "robustness fits the model once: use split kind holdout, predefined or none, not kfold"
            )
        return problems

    def evaluate(self, ctx: RunContext) -> TaskResult:
        import time

        params, probes, env = robustness_settings(ctx)
        y, classes, positive = encode_labels(ctx)
        train, test, split_label = _split(ctx, y)
        X, model, K = ctx.dataset.X, ctx.model, len(classes)
        fit_s = 0.0
        if len(train) and isinstance(model, Fittable):
            if is_sparse(X):  # CSR for a model that takes it; probes perturb dense batches either way
                Xtr = fit_rows(X, train, model, model_id=ctx.model_id)
            elif data_kind(X) == "sequences":  # the sequences themselves, as the model gets them
                Xtr = X[train]
            else:
                reader = reader_for(X, train)
                Xtr = reader.read(0, len(train), np.empty((len(train), *X.shape[1:]), dtype=np.float32))
                reader.close()
            t = time.perf_counter()
            call_model(ctx, model, "fit", Xtr, y[train])
            fit_s = time.perf_counter() - t
            del Xtr
        has_embed = callable(getattr(model, "embed", None))

        def infer(x: np.ndarray) -> dict[str, np.ndarray]:
            P = check_probabilities(
                call_model(ctx, model, "predict_proba", x),
                n_rows=len(x),
                n_classes=K,
                model_id=ctx.model_id,
                classes=getattr(model, "classes_", None),
                allow_hard_labels=ctx.model_config.allow_hard_labels,
                log=ctx.probability_log,
            )
            out = {"proba": P}
            if has_embed:
                out["embedding"] = check_matrix(
                    call_model(ctx, model, "embed", x),
                    n_rows=len(x),
                    model_id=ctx.model_id,
                    what="embed() output",
                )
            return out

        seed = ctx.seed_split
        reader = reader_for(X, test)
        passes = plan_passes(probes, seed=seed, shape=reader.sample_shape)
        row_bytes = 4 * reader.sample_size  # float32 values, or the 4-byte characters of a sequence
        batch = effective_batch(
            ctx.options.batch_size or params.batch_size or max(1, BATCH_BYTES // row_bytes),
            reader.sample_size,
        )
        n_batches = -(-len(test) // batch)
        ctx.progress.start("robustness: probes x levels x batches", n_batches * (1 + len(passes)))
        try:
            stream = run_stream(
                reader,
                passes,
                infer,
                env=env,
                batch_size=batch,
                threads=params.threads or min(os.cpu_count() or 1, 8),
                advance=ctx.progress.advance,
            )
        finally:
            ctx.progress.stop()

        yt = y[test]

        def perf(P: np.ndarray) -> dict[str, float]:
            d = ClassificationData(yt, P, positive=positive)
            return {m: CLASSIFICATION_METRICS[m].point(d)[0] for m in PERF_METRICS}

        curves = summarise(stream, probes, perf)
        meta = ctx.dataset.meta.iloc[test].reset_index(drop=True)
        clusters = clusters_for(meta, ctx.cluster_column())
        grouped = evaluate_grouped(
            ClassificationData(yt, stream.clean, positive=positive),
            len(test),
            [CLASSIFICATION_METRICS[m] for m in PERF_METRICS],
            scheme=ctx.scheme(),
            clusters=clusters,
            directions={},
        )
        primary = ctx.benchmark.primary_metric
        clean = {
            m: grouped.metrics[m].value if grouped.metrics[m].value is not None else float("nan")
            for m in PERF_METRICS
        }
        values, reasons = aggregate(curves, clean)
        reps = _robustness_replicates(stream, probes, yt, positive, ctx.scheme(), clusters)
        clustered = clusters is not None
        conf = ctx.scheme().confidence
        metrics = {
            "robustness_score": _mv(
                values.pop("robustness_score"),
                reasons,
                "robustness_score",
                len(test),
                reps.get("robustness_score"),
                conf,
                clustered,
            )
        }
        metrics.update(
            {k: _mv(v, reasons, k, len(test), reps.get(k), conf, clustered) for k, v in values.items()}
        )
        for m in PERF_METRICS:
            metrics[f"clean_{m}"] = grouped.metrics[m]
        rankable, why = _rankability(stream.clean, grouped.metrics["AUROC"])
        full_set = _suite_probe_set(ctx, params)
        ran = [probe.name for probe, _ in probes]
        if rankable and set(ran) != set(full_set):  # robustness_score averages the probes that ran
            rankable, why = (
                False,
                (
                    f"ran probes {', '.join(ran)} only; robustness_score is ranked only over the suite's "
                    "full "
                    f"probe set ({', '.join(full_set)})"
                ),
            )
        details = report_details(curves, clean)
        details.update(
            {
                "classes": classes,
                "positive_class": classes[positive] if K == 2 else None,
                "seed": seed,
                "batch_size": int(batch),
                "sampling_freq": env.sampling_freq,
                "outputs_compared": ["probabilities"] + (["embeddings"] if has_embed else []),
                "fit": (
                    f"fitted once on the clean training split ({len(train)} samples)"
                    if len(train) and isinstance(model, Fittable)
                    else "not fitted (used as given)"
                ),
                "constant_outputs": bool(np.ptp(stream.clean, axis=0).max() <= 1e-12),
            }
        )
        checks = ctx.probability_log.summary()
        if checks is not None:
            details["output_checks"] = {"probabilities": checks}
        primary_reps = (
            reps.get(primary) if primary in reps else grouped.replicates.get(primary.removeprefix("clean_"))
        )
        bootstrap = bootstrap_info(ctx, primary_reps, row_ids=test, clusters=clusters, primary=primary)
        return TaskResult(
            metrics=metrics,
            n_eval=len(test),
            split=split_label,
            bootstrap=bootstrap,
            details=details,
            rankable=rankable,
            rankable_reason=why,
            timings={"fit_s": fit_s, "inference_s": stream.inference_s, "perturb_s": stream.perturb_s},
        )


def _robustness_replicates(
    stream: Any,
    probes: list,
    yt: np.ndarray,
    positive: int,
    scheme: BootstrapScheme,
    clusters: np.ndarray | None,
) -> dict[str, np.ndarray]:
    """Every robustness metric on each bootstrap resample of the evaluated samples, with the suite's
    scheme: the same resamples for every model on the same test rows, so boards can pair them."""
    from threadpoolctl import threadpool_limits

    def auroc_batch(P: np.ndarray, W: np.ndarray) -> np.ndarray:
        return CLASSIFICATION_METRICS["AUROC"].batch(ClassificationData(yt, P, positive=positive), W)

    chunks: dict[str, list[np.ndarray]] = {}
    with threadpool_limits(
        limits=1, user_api="blas"
    ):  # sums in one order: replicates independent of the CPU count
        for W in resample_counts(len(yt), n_boot=scheme.n_boot, seed=scheme.seed, clusters=clusters):
            clean = auroc_batch(stream.clean, W)
            for k, v in aggregate_replicates(
                replicate_curves(stream, probes, W, auroc_batch), {"AUROC": clean}
            ).items():
                chunks.setdefault(k, []).append(np.asarray(v, dtype=float).reshape(len(W)))
    return {k: np.concatenate(v) for k, v in chunks.items()}


def _mv(
    value: float,
    reasons: dict[str, str],
    name: str,
    n: int,
    reps: np.ndarray | None = None,
    confidence: float = 0.95,
    clustered: bool = False,
) -> MetricValue:
    if not np.isfinite(value):
        return MetricValue(value=None, n=n, reason=reasons.get(name, "undefined"))
    interval = choose_interval(float(value), reps, confidence, clustered=clustered)
    ci = None if interval.ci is None else (round(interval.ci[0], 6), round(interval.ci[1], 6))
    point = round(float(value), 6)
    if ci is not None:  # rounding must not put the estimate outside its interval
        ci = (min(ci[0], point), max(ci[1], point))
    return MetricValue(value=point, ci=ci, ci_method=interval.method, n=n, reason=interval.reason)


def _rankability(clean: np.ndarray, auroc: MetricValue) -> tuple[bool, str | None]:
    """Constant clean outputs, or clean AUROC not above chance, make stability meaningless."""
    if np.ptp(clean, axis=0).max() <= 1e-12:
        return False, (
            "the model's clean outputs are the same for every sample: a constant model is "
            "perfectly stable by construction, so its robustness is not ranked"
        )
    if auroc.value is None:
        return False, f"clean AUROC is undefined ({auroc.reason}); robustness is not ranked"
    lower = auroc.ci[0] if auroc.ci is not None else auroc.value
    if lower <= 0.5:
        ci = f" (95% CI {auroc.ci[0]:.3f}-{auroc.ci[1]:.3f})" if auroc.ci is not None else ""
        return False, (
            f"clean AUROC {auroc.value:.3f}{ci} is not above chance (0.5): the stability of a "
            "model without skill is not meaningful, so its robustness is not ranked"
        )
    return True, None
