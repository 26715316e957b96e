"""Pydantic specs for every catalog file (DEL10 topic fields, DEL7.2 test specifications).

Specs are data: frozen models with ``extra="forbid"`` so a typo in a YAML key is an error,
closed vocabularies as ``Literal``, and a description on every field so the exported JSON
Schema documents the format. YAML refers to code (protocols, generators, baselines) by
registry name only.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
Direction = Literal["higher", "lower", "target"]


class Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MetricSpec(Spec):
    """One metric a benchmark reports."""

    name: str = Field(description="Metric name exactly as it appears in eval records.")
    definition: str = Field(description="One-line definition of the metric.")
    direction: Direction = Field(
        description="higher or lower is better; target: best inside the `target` band."
    )
    min: float | None = Field(None, description="Smallest valid value (inclusive), if bounded.")
    max: float | None = Field(None, description="Largest valid value (inclusive), if bounded.")
    target: tuple[float, float] | None = Field(
        None, description="Desired range when the best value is a band, e.g. reading grade 8-12."
    )
    reported_only: bool = Field(
        False,
        description="Listed for results reported elsewhere (papers); no suite of this benchmark computes "
        "it, so it is not checked against the suites' protocols.",
    )

    def in_range(self, value: float) -> bool:
        if self.min is not None and value < self.min:
            return False
        return not (self.max is not None and value > self.max)


class BenchmarkSpec(Spec):
    """A benchmark (DEL10 topic description): what is asked and how it is scored."""

    kind: Literal["benchmark"] = "benchmark"
    id: str = Field(pattern=ID_PATTERN, description="Benchmark id, e.g. BM-001.")
    name: str = Field(description="Human-readable title.")
    health_domain: str = Field(description="Leaderboard section, e.g. Neurology, Genomics, Cross-Domain.")
    health_topic: str = Field(description="DEL10 health topic, e.g. Alzheimer's Disease.")
    description: str = Field(description="What the benchmark evaluates, one or two sentences.")
    clinical_relevance: str = Field(description="Why it matters clinically (DEL10).")
    ai_task: str = Field(description="DEL10 AI task, e.g. Classification, Generation.")
    input_modality: str = Field(description="Input data modality, e.g. structural MRI.")
    output_type: str = Field(description="What the model outputs, e.g. class probabilities.")
    primary_metric: str = Field(description="Name of the metric leaderboards rank by.")
    metrics: list[MetricSpec] = Field(description="All metrics, the primary one included.")
    strata: list[str] = Field(default_factory=list, description="Stratification dimensions.")
    probe_grids: dict[str, list[float]] = Field(
        default_factory=dict, description="Default severity grids per robustness probe."
    )
    canonical_suite: str | None = Field(
        None,
        description="The suite whose test set the benchmark is primarily judged on; its ranked "
        "table comes first on the leaderboard. Must be a suite of this benchmark.",
    )

    @model_validator(mode="after")
    def _primary_is_listed(self) -> BenchmarkSpec:
        names = [m.name for m in self.metrics]
        if len(set(names)) != len(names):
            raise ValueError("metrics: names must be unique")
        if self.primary_metric not in names:
            raise ValueError(f"primary_metric {self.primary_metric!r} is not in metrics {names}")
        if self.primary.direction == "target":
            raise ValueError("primary_metric must have direction higher or lower")
        for m in self.metrics:
            if m.direction == "target" and m.target is None:
                raise ValueError(f"metrics: {m.name}: direction 'target' needs a target band")
        return self

    @cached_property
    def _metrics_by_name(self) -> dict[str, MetricSpec]:
        return {m.name: m for m in self.metrics}

    def metric(self, name: str) -> MetricSpec | None:
        return self._metrics_by_name.get(name)

    @property
    def primary(self) -> MetricSpec:
        return next(m for m in self.metrics if m.name == self.primary_metric)


class SplitSpec(Spec):
    """How samples are divided between fitting and testing."""

    kind: Literal["holdout", "kfold", "predefined", "none"] = Field(
        "holdout",
        description="holdout: one seeded stratified split; kfold: grouped stratified k-fold CV "
        "with out-of-fold predictions pooled; predefined: the dataset's split column; none: "
        "the model is not fitted (zero-shot or pre-trained).",
    )
    test_fraction: float = Field(0.3, gt=0, lt=1, description="Test share for holdout.")
    n_folds: int = Field(5, ge=2, description="Number of folds for kfold.")
    group_column: str | None = Field(
        None, description="Metadata column whose groups never straddle train and test (e.g. subject_id)."
    )
    seed: int = Field(0, description="Seed of the split.")


class BootstrapSpec(Spec):
    """The suite's fixed resampling scheme; records made with it can be compared paired."""

    n_boot: int = Field(1000, ge=100, le=100_000, description="Number of bootstrap replicates.")
    seed: int = Field(42, description="Seed of the resampling.")
    cluster_column: str | None = Field(
        None, description="Resample whole clusters (subjects, sites) instead of rows."
    )
    confidence: float = Field(0.95, gt=0.5, lt=1, description="Confidence level of the intervals.")
    n_permutations: int = Field(
        1000, ge=0, le=100_000,
        description="Permutations of the group labels behind each subgroup gap's p-value (0: no test).",
    )


class SuiteSpec(Spec):
    """A runnable test specification (DEL7.2) for one benchmark."""

    kind: Literal["suite"] = "suite"
    id: str = Field(pattern=ID_PATTERN, description="Suite id, e.g. SUITE-TOY-CLASS.")
    benchmark_id: str = Field(description="The benchmark this suite evaluates.")
    name: str = Field(description="Human-readable title.")
    description: str = Field("", description="What is run, in one or two sentences.")
    dataset_id: str = Field(description="Dataset card id of the default dataset.")
    protocol: str = Field(description="Evaluation protocol (registry name), e.g. classification.")
    also_prespecified: list[str] = Field(
        default_factory=list,
        description="Other protocols whose runs are pre-specified too, e.g. [linear_probe] on a suite whose "
        "encoders are probed while classifiers are fitted: same folds, same rows, ranked in one table.",
    )
    label_column: str | None = Field(None, description="Metadata column holding the labels, if any.")
    positive_class: str | None = Field(None, description="Positive class for binary metrics.")
    split: SplitSpec = Field(default_factory=SplitSpec)
    bootstrap: BootstrapSpec = Field(default_factory=BootstrapSpec)
    min_group_size: int = Field(10, ge=1, description="Groups smaller than this are withheld.")
    strata: list[str] | None = Field(
        None, description="Stratification columns; defaults to the benchmark's strata."
    )
    required_metadata: list[str] = Field(
        default_factory=list, description="Metadata columns the data must carry."
    )
    baselines: list[str] = Field(
        default_factory=list, description="Built-in models quickstart runs on this suite."
    )
    params: dict[str, Any] = Field(
        default_factory=dict, description="Protocol-specific settings (probe grids, mask fraction, …)."
    )
    seeds: list[int] | None = Field(
        None,
        min_length=2,
        max_length=100,
        description="Pre-specified split seeds, when the suite is run several times (`run --seed k` for "
        "each). A leaderboard row then shows the mean ± sd over these seeds. Must include split.seed.",
    )

    @model_validator(mode="after")
    def _seeds(self) -> SuiteSpec:
        if self.seeds is not None:
            if len(set(self.seeds)) != len(self.seeds):
                raise ValueError("seeds: must be distinct")
            if self.split.seed not in self.seeds:
                raise ValueError(
                    f"seeds: must include split.seed ({self.split.seed}), the seed `run` uses by default"
                )
        return self

    def prespecified_seeds(self) -> list[int]:
        """The split seeds whose runs are pre-specified (ranked); any other seed is exploratory."""
        return list(self.seeds) if self.seeds is not None else [self.split.seed]

    def run_seeds(self, seed: int | None) -> tuple[int, int]:
        """(split seed, bootstrap seed) of ``run --seed seed`` (None: the suite's own).

        A pre-specified seed keeps the suite's bootstrap seed, so that its records resample the
        way the suite says; any other seed moves both (an exploratory run)."""
        if seed is None or seed in self.prespecified_seeds():
            return (self.split.seed if seed is None else seed), self.bootstrap.seed
        return seed, seed

    def deviations(self, *, split_seed: object, bootstrap_seed: object, protocol: object) -> list[str]:
        """Why a run of this suite is not pre-specified (empty when it is): the seeds and the
        protocol a record says it used, against what the suite fixes."""
        out = []
        if protocol != self.protocol and protocol not in self.also_prespecified:
            allowed = ", ".join(repr(p) for p in [self.protocol, *self.also_prespecified])
            out.append(f"protocol {protocol!r} instead of the suite's {allowed}")
        if not isinstance(split_seed, int) or not isinstance(bootstrap_seed, int):
            out.append("the record does not say which split and bootstrap seeds it used")
        elif split_seed not in self.prespecified_seeds():
            seeds = ", ".join(str(s) for s in self.prespecified_seeds())
            out.append(f"seed {split_seed} instead of the suite's {seeds}")
        elif bootstrap_seed != self.bootstrap.seed:
            out.append(f"bootstrap seed {bootstrap_seed} instead of the suite's {self.bootstrap.seed}")
        return out


class FileDigest(Spec):
    path: str = Field(description="File path relative to the dataset directory.")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="Hex sha256 of the file's bytes.")


class DatasetCard(Spec):
    """Where a dataset comes from, its format and license, and how to check it."""

    kind: Literal["dataset"] = "dataset"
    id: str = Field(pattern=ID_PATTERN, description="Dataset id, e.g. DS-TOY-FMRI-CLASS.")
    name: str = Field(description="Human-readable name shown on leaderboards.")
    description: str = Field("", description="What the data is.")
    source: Literal["generated", "package", "file", "external"] = Field(
        description="generated: made by a seeded generator; package: shipped in a Python "
        "package; file: user files; external: data the hub lists but fmbench cannot fetch."
    )
    generator: str | None = Field(
        None,
        description="Generator (source=generated): a registered name, or the import path of your own "
        "function, 'module:function' or 'file.py:function', looked up in the card's folder first, then on "
        "sys.path. Its code is fingerprinted: editing it regenerates the data.",
    )
    seed: int | None = Field(None, description="Generator seed (source=generated).")
    params: dict[str, Any] = Field(default_factory=dict, description="Generator or loader parameters.")
    loader: str | None = Field(None, description="Loader registry name for package/file data.")
    format: str = Field(description="Storage format, e.g. npy+csv, h5ad, jsonl, nifti.")
    modality: str = Field("", description="Data modality.")
    license: str = Field(description="License of the data.")
    citation: str | None = Field(None, description="Paper or source to cite.")
    url: str | None = Field(None, description="Where the real data can be obtained.")
    files: list[FileDigest] = Field(default_factory=list, description="Pinned file digests.")
    n_samples: int | None = Field(None, ge=1, description="Number of samples.")
    # the YAML file the card was read from (set by Catalog.add): a `generator: module:function`
    # is looked up next to it; not part of the card's data
    _source_file: str | None = PrivateAttr(None)

    @model_validator(mode="after")
    def _generated_has_generator(self) -> DatasetCard:
        if self.source == "generated" and (self.generator is None or self.seed is None):
            raise ValueError("generated datasets need both 'generator' and 'seed'")
        return self


class ModelCard(Spec):
    """A model the hub lists: who made it, where it lives, its license."""

    kind: Literal["model"] = "model"
    id: str = Field(pattern=ID_PATTERN, description="Model id used in records.")
    name: str = Field(description="Display name.")
    modality: str = Field(description="Input modality, e.g. single-cell RNA-seq.")
    description: str = Field("", description="One or two sentences.")
    paper: str | None = Field(None, description="Citation of the paper.")
    repo: str | None = Field(None, description="Upstream code repository.")
    license: str = Field(description="License of the weights/code.")
    parameters: str | None = Field(None, description="Parameter count, e.g. '10M'.")
    baseline: bool = Field(False, description="True for fmbench's built-in baselines.")
    config: dict[str, Any] | None = Field(
        None, description="Model config used by `run` for built-in baselines."
    )
    in_quickstart: bool = Field(
        True,
        description="False for a baseline too slow for `quickstart` (it still runs with `run`, and its "
        "records are published like the others); quickstart says it skipped it and how to run it.",
    )


CatalogSpec = BenchmarkSpec | SuiteSpec | DatasetCard | ModelCard
KIND_TO_SPEC: dict[str, type[Spec]] = {
    "benchmark": BenchmarkSpec,
    "suite": SuiteSpec,
    "dataset": DatasetCard,
    "model": ModelCard,
}


_ACRONYMS = {"gc": "GC", "cpg": "CpG", "id": "ID"}  # words a header must not capitalise as prose


def human_label(name: str) -> str:
    """'disease_stage' -> 'Disease Stage', 'gc_bin' -> 'GC Bin' for table headers."""
    return " ".join(_ACRONYMS.get(w.lower(), w.capitalize()) for w in re.split(r"[_\s]+", name) if w)


