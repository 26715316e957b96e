"""The protocol template: what every evaluation protocol receives and returns.

The runner loads the suite, dataset and model, checks compatibility, times the work and
writes the record; a protocol only turns (model, dataset, suite) into metrics. Model calls go
through ``call_model`` so that anything a user's model raises becomes one clear ModelError.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from pydantic import BaseModel

from fmbench.catalog.schema import BenchmarkSpec, SuiteSpec
from fmbench.data.dataset import Dataset
from fmbench.errors import ConfigError, FmbenchError, ModelError
from fmbench.metrics.bootstrap import BootstrapScheme, cluster_codes, scheme_digest
from fmbench.metrics.grouped import GroupedResult
from fmbench.models.capabilities import methods_of, possible_methods
from fmbench.models.checks import ProbabilityLog
from fmbench.models.config import ModelConfig
from fmbench.progress import ProgressReporter, QuietProgress, step
from fmbench.records.schema import BootstrapInfo, GroupResult, MetricValue, SubgroupSummary, encode_replicates
from fmbench.registry import Registry
from fmbench.tasks.params import NoParams

PROTOCOLS: Registry[type[Protocol]] = Registry("protocol", discover="fmbench.tasks")


@dataclass(frozen=True)
class RunOptions:
    """What a run may change beside the suite: the CLI's flags, ``fmbench.evaluate``'s arguments.

    Frozen and typed, so a misspelt option is an error where it is made, not a key nobody reads."""

    protocol: str | None = None  # another protocol than the suite's (e.g. linear_probe): exploratory
    predictions: str | Path | None = None  # score predictions made elsewhere (generation)
    resume: bool = False  # continue from the output cache
    no_cache: bool = False  # neither read nor write the output cache
    no_cache_reason: str | None = None  # why the cache is off, for the record (default: --no-cache)
    cache_dir: str | Path | None = None  # where the output cache lives (default: FMBENCH_CACHE, ~/.cache)
    probes: tuple[str, ...] | None = None  # robustness: run only these probes (not rankable)
    sampling_freq: float | None = None  # robustness: Hz, when the dataset card has none
    batch_size: int | None = None  # robustness: samples per batch

    @classmethod
    def of(cls, value: RunOptions | Mapping[str, Any] | None) -> RunOptions:
        """From a mapping of option names (None values mean "not given")."""
        if value is None:
            return cls()
        if isinstance(value, cls):
            return value
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(value) - known)
        if unknown:
            raise TypeError(f"unknown run option(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        data = {k: v for k, v in value.items() if v is not None}
        if "probes" in data:
            data["probes"] = tuple(data["probes"])
        return cls(**data)


@dataclass
class RunContext:
    suite: SuiteSpec
    benchmark: BenchmarkSpec
    dataset: Dataset
    model_config: ModelConfig
    new_model: Callable[[], Any]
    seed_split: int
    seed_bootstrap: int
    options: RunOptions = field(default_factory=RunOptions)
    progress: ProgressReporter = field(default_factory=QuietProgress)
    caches: dict[str, Any] = field(default_factory=dict)  # output caches of this run, by namespace
    warnings: list[str] = field(default_factory=list)  # doubtful choices, kept in the record
    probability_log: ProbabilityLog = field(default_factory=ProbabilityLog)  # what the output checks saw
    build_imports: Any = None  # fmbench.models.build_imports.BuildImports: what building the model imported
    _model: Any = None
    _fingerprint: Any = None

    def __post_init__(self) -> None:
        from fmbench.models.build_imports import BuildImports

        if self.build_imports is None:
            self.build_imports = BuildImports()
            self.new_model = self.build_imports.watch(self.new_model)

    @property
    def model(self) -> Any:
        """The model instance (built once; protocols that refit per fold call new_model)."""
        if self._model is None:
            self._model = self.new_model()
        return self._model

    @property
    def model_id(self) -> str:
        return self.model_config.model_id

    def model_methods(self) -> frozenset[str]:
        """The protocol methods the model may have: from its config when that tells (nothing is
        built, no weights load), else from the model itself (an in-memory object)."""
        known = possible_methods(self.model_config)
        return known if known is not None else methods_of(self.model)

    def model_fingerprint(self) -> Any:
        """The files and code behind the model (``fmbench.models.fingerprint.ModelFingerprint``), made
        once per run: part of every output-cache key. Big files' hashes are remembered in a sidecar
        under the cache root, which is itself never hashed."""
        if self._fingerprint is None:
            from fmbench.cache.layout import HASH_SIDECAR, cache_root
            from fmbench.models.file_hashes import FileHashes
            from fmbench.models.fingerprint import model_fingerprint

            root = cache_root(self.options.cache_dir)
            hashes = FileHashes(root / HASH_SIDECAR)
            self._fingerprint = model_fingerprint(self.model_config, hashes=hashes, exclude=(root,))
            hashes.save()
            self.build_imports.bind(self._fingerprint.roots, self._fingerprint.search)
        return self._fingerprint

    def cluster_column(self) -> str | None:
        """What the bootstrap resamples whole: the suite's cluster column, else the column its
        split keeps together (rows of one subject are not independent; resampling them one by
        one gives CIs too narrow). The record's ``bootstrap.cluster`` says which was used."""
        return self.suite.bootstrap.cluster_column or self.suite.split.group_column

    def scheme(self) -> BootstrapScheme:
        b = self.suite.bootstrap
        return BootstrapScheme(n_boot=b.n_boot, seed=self.seed_bootstrap,
                               cluster_column=self.cluster_column(), confidence=b.confidence,
                               n_permutations=b.n_permutations)

    def strata_columns(self) -> list[str]:
        return list(self.suite.strata if self.suite.strata is not None else self.benchmark.strata)

    def directions(self) -> dict[str, str]:
        return {m.name: m.direction for m in self.benchmark.metrics}

    def targets(self) -> dict[str, tuple[float, float]]:
        """Target bands of the metrics whose direction is ``target``."""
        return {m.name: (float(m.target[0]), float(m.target[1])) for m in self.benchmark.metrics
                if m.direction == "target" and m.target is not None}


@dataclass
class TaskResult:
    metrics: dict[str, MetricValue]
    n_eval: int
    split: str
    stratified: dict[str, dict[str, GroupResult]] = field(default_factory=dict)
    withheld: dict[str, int] = field(default_factory=dict)
    subgroups: dict[str, SubgroupSummary] = field(default_factory=dict)
    bootstrap: BootstrapInfo | None = None
    details: dict[str, Any] = field(default_factory=dict)
    rankable: bool = True
    rankable_reason: str | None = None
    timings: dict[str, float] = field(default_factory=dict)


class Protocol(ABC):
    """One way of evaluating a model (classification, generation, reconstruction, …)."""

    name: ClassVar[str]
    params_model: ClassVar[type[BaseModel]] = NoParams  # what a suite's ``params`` may hold
    scores_external_predictions: ClassVar[bool] = False  # can score predictions made elsewhere
    model_needs: ClassVar[tuple[str, ...]] = ()  # methods the model must have (checked before it is built)
    caches_outputs: ClassVar[bool] = True  # model outputs go through the output cache (fmbench.cache)

    def check_compatible(self, ctx: RunContext) -> list[str]:
        """Problems that make this (suite, dataset, model) combination impossible, before compute."""
        return []

    def model_problems(self, ctx: RunContext) -> list[str]:
        """The methods of ``model_needs`` the model lacks, read from its config before it is built."""
        if not self.model_needs:
            return []
        has = ctx.model_methods()
        return [missing_method(ctx, m, has) for m in self.model_needs if m not in has]

    @abstractmethod
    def evaluate(self, ctx: RunContext) -> TaskResult:
        """Get the model's predictions the protocol's way and hand them to ``score``."""

    def run(self, ctx: RunContext) -> tuple[TaskResult, float]:
        """The template every protocol follows: refuse an impossible combination before any
        compute (one line naming what is missing), then evaluate, timed (wall seconds)."""
        if ctx.options.predictions is not None and not self.scores_external_predictions:
            raise ConfigError(
                f"--predictions: suite {ctx.suite.id} uses the {self.name} protocol, which does not score "
                "predictions made elsewhere (only report-generation suites do); drop --predictions"
            )
        problems = self.model_problems(ctx) + self.check_compatible(ctx)
        if problems:
            raise ConfigError(
                f"suite {ctx.suite.id} cannot run model {ctx.model_id!r}: {'; '.join(problems)}"
            )
        t0 = time.perf_counter()
        result = self.evaluate(ctx)
        return result, time.perf_counter() - t0


def missing_method(ctx: RunContext, method: str, has: frozenset[str]) -> str:
    """The message for a missing model method, with what to do instead where its other methods tell."""
    text = f"model {ctx.model_id!r} has no {method}()"
    protocol = protocol_of(ctx)
    if method == "predict_proba" and "embed" in has and protocol == "classification":
        return f"{text}; run with --protocol linear_probe (a probe fitted on its embeddings)"
    if method == "embed" and "predict_proba" in has and ctx.suite.protocol == "classification":
        return (f"{text}; it has predict_proba(): drop --protocol {protocol} to run the suite's own "
                "classification protocol")
    return f"{text}; the {protocol} protocol needs it"


def protocol_of(ctx: RunContext) -> str:
    return ctx.options.protocol or ctx.suite.protocol


def call_model(ctx: RunContext, model: Any, method: str, *args: Any) -> Any:
    """Call a model method; a missing method or any exception becomes a ModelError."""
    fn = getattr(model, method, None)
    if fn is None:
        raise ModelError(missing_method(ctx, method, methods_of(model)))
    try:
        return fn(*args)
    except FmbenchError:
        raise
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - user code may raise anything
        msg = " ".join(str(exc).split()) or "(no message)"
        raise ModelError(f"model {ctx.model_id!r} raised {type(exc).__name__} in {method}(): {msg}") from None


AGE_BINS = (0, 20, 40, 60, 80, 100, 200)


def derive_strata(meta: pd.DataFrame, columns: list[str]) -> dict[str, np.ndarray]:
    """Stratum labels per requested column present in the metadata; age binned to age_group."""
    out: dict[str, np.ndarray] = {}
    for col in columns:
        if col in meta.columns:
            out[col] = meta[col].astype(object).where(meta[col].notna(), None).to_numpy()
        elif col == "age_group" and "age" in meta.columns:
            out[col] = age_groups(meta["age"].to_numpy(dtype=float))
    return out


def age_groups(age: np.ndarray) -> np.ndarray:
    labels = np.array([f"age_{lo}-{hi}" for lo, hi in zip(AGE_BINS[:-1], AGE_BINS[1:], strict=True)], dtype=object)
    idx = np.clip(np.searchsorted(AGE_BINS, age, side="right") - 1, 0, len(labels) - 1)
    out = labels[idx]
    out[~np.isfinite(age)] = None
    return out


def bootstrap_info(ctx: RunContext, reps: np.ndarray | None, *, row_ids, clusters: np.ndarray | None,  # noqa: ANN001
                   primary: str) -> BootstrapInfo:
    """The suite's resampling scheme and the primary metric's replicates ``reps`` (for pairing)."""
    scheme = ctx.scheme()
    return BootstrapInfo(
        scheme=scheme_digest(scheme, dataset_digest=ctx.dataset.digest, row_ids=row_ids, clusters=clusters),
        B=scheme.n_boot, seed=scheme.seed, cluster=scheme.cluster_column, confidence=scheme.confidence,
        replicates={primary: encode_replicates(reps)} if reps is not None else {},
    )


def clusters_for(meta: pd.DataFrame, column: str | None) -> np.ndarray | None:
    if column is None:
        return None
    if column not in meta.columns:
        from fmbench.errors import DataError

        raise DataError(f"the suite resamples by {column!r} but the metadata has no such column")
    return cluster_codes(meta[column].to_numpy())


def task_result_from_grouped(grouped: GroupedResult, **kw: Any) -> TaskResult:
    return TaskResult(metrics=grouped.metrics, stratified=grouped.stratified, withheld=grouped.withheld,
                      subgroups=grouped.subgroups, **kw)


def score(
    ctx: RunContext,
    data: Any,
    meta: pd.DataFrame,
    *,
    needs: str,
    row_ids: Any,
    split: str,
    metrics: list[Any] | None = None,
    details: dict[str, Any] | None = None,
    timings: dict[str, float] | None = None,
    rankable: bool = True,
    rankable_reason: str | None = None,
) -> TaskResult:
    """The template's scoring step, the same for every protocol: the benchmark's metrics that
    ``needs``-data gives (from the metric registry, unless ``metrics`` narrows them), overall and
    per stratum, worst group and largest gap, bootstrap CIs with the suite's scheme (clusters
    included) and the primary metric's replicates for paired comparison. A protocol only says how
    it got its predictions (``data``: an object with ``subset``; ``meta``: one row per scored
    sample; ``row_ids``: what identifies those rows across runs, for the scheme digest)."""
    from fmbench.metrics.grouped import evaluate_grouped
    from fmbench.metrics.registry import implementations

    if metrics is None:
        metrics = implementations([m.name for m in ctx.benchmark.metrics], needs)
    clusters = clusters_for(meta, ctx.cluster_column())
    scheme = ctx.scheme()
    with step(ctx.progress, "scoring: bootstrap replicates", scheme.n_boot) as bar:
        grouped = evaluate_grouped(
            data,
            len(meta),
            metrics,
            strata=derive_strata(meta, ctx.strata_columns()),
            scheme=scheme,
            clusters=clusters,
            min_group_size=ctx.suite.min_group_size,
            directions=ctx.directions(),
            targets=ctx.targets(),
            on_replicates=bar.advance,
        )
    return task_result_from_grouped(
        grouped,
        n_eval=len(meta),
        split=split,
        bootstrap=bootstrap_info(ctx, grouped.replicates.get(ctx.benchmark.primary_metric), row_ids=row_ids,
                                 clusters=clusters, primary=ctx.benchmark.primary_metric),
        details=details or {},
        timings=timings or {},
        rankable=rankable,
        rankable_reason=rankable_reason,
    )
