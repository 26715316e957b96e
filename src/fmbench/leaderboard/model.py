"""The leaderboard as data: what every renderer (Markdown, HTML, JSON, CSV) draws from.

One pydantic model tree so that the JSON output and its published JSON Schema
(``schemas/leaderboard.schema.json``) come from the same definition. Every list is in a
deterministic order; nothing here depends on the clock.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

LEADERBOARD_SCHEMA_VERSION = 2


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Cell(_Data):
    """One metric value as shown in a table."""

    value: float | None = Field(description="Point estimate; null when undefined or not reported.")
    ci: tuple[float, float] | None = Field(
        None, description="95% (or the record's level) confidence interval."
    )
    n: int | None = Field(None, description="Samples the estimate is based on.")
    reason: str | None = Field(None, description="Why the value (or its CI) is null.")
    ci_method: str | None = Field(
        None, description="How the CI was made (the record's ci_method); null for a percentile bootstrap "
        "interval of a record made before fmbench stated methods, or for a reported result."
    )
    definition: str | None = Field(
        None,
        description="Set when the record computed this metric under an earlier definition (what it used).",
    )


class Group(_Data):
    """One subgroup of a stratification dimension."""

    group: str = Field(description="Group label as in the record.")
    N: int = Field(description="Samples in the group.")
    metrics: dict[str, Cell] = Field(description="Metric name -> value; absent metrics are not listed.")


class GapSummary(_Data):
    """A dimension's gap in one metric, as the record tested it."""

    metric: str
    value: float = Field(description="Largest minus smallest group value.")
    groups: int
    ci: tuple[float, float] | None = None
    ci_method: str | None = None
    p_value: float | None = Field(None, description="Permutation p-value (group labels permuted).")
    p_adjusted: float | None = Field(None, description="Holm-adjusted over the record's tested dimensions.")
    dimensions_tested: int = Field(description="Dimensions in the Holm family.")
    permutations: int | None = None


class Breakdown(_Data):
    """A model's results by one stratification dimension, groups sorted best first."""

    dimension: str = Field(description="Stratification column, e.g. scanner.")
    label: str = Field(description="Human-readable dimension name, e.g. Scanner.")
    metrics: list[str] = Field(description="Metric columns, in display order.")
    sort_metric: str | None = Field(description="The metric groups are sorted by, in its direction.")
    groups: list[Group]
    withheld: int = Field(0, description="Groups withheld by small-cell suppression.")
    gap: GapSummary | None = Field(
        None,
        description="The sort metric's gap (largest minus smallest group) with its CI and permutation test.",
    )


class Curve(_Data):
    """A robustness curve: a quantity over perturbation severity."""

    probe: str = Field(description="Perturbation name, e.g. noise.")
    quantity: str = Field(description="What is plotted, e.g. stability or AUROC.")
    levels: list[float] = Field(description="Severity levels (x).")
    values: list[float | None] = Field(description="Values at each level (y).")


class SeedValue(_Data):
    """One pre-specified seed's record behind a multi-seed row."""

    seed: int
    eval_id: str
    value: float | None
    ci: tuple[float, float] | None = None


class SeedSummary(_Data):
    """Spread of the primary metric over a suite's pre-specified seeds (``seeds: [..]``)."""

    seeds: list[SeedValue] = Field(description="Per seed, the latest record made at it.")
    expected: int = Field(description="Seeds the suite declares.")
    mean: float
    sd: float | None = Field(description="Sample standard deviation (n-1); null with one seed.")
    min: float
    max: float


class Row(_Data):
    """One model in one ranked table: its pre-specified record (the latest), never a best-of."""

    rank: int = Field(description="Competition rank (1-based); tied rows share the rank of the best of them.")
    rank_label: str = Field(description="Rank as displayed: '1', or '=2' when tied with another row.")
    tied: bool = Field(description="True when the rank is shared with at least one other row.")
    rank_interval: tuple[int, int] | None = Field(
        None,
        description="95% rank interval: 2.5% and 97.5% quantiles of the row's rank over the shared "
        "bootstrap replicates. Null when the table's rows do not share a resampling scheme.",
    )
    tie_method: Literal["paired", "ci", "value"] | None = Field(
        None,
        description="How this row was found tied with the first row of its rank group: paired bootstrap "
        "(Holm-adjusted), CI overlap, or point values (records without CI). Null when not tied or first.",
    )
    p_better: float | None = Field(
        None,
        description="Paired bootstrap share of replicates in which the group's first row beats this one.",
    )
    p_adjusted: float | None = Field(
        None, description="Holm-adjusted two-sided paired bootstrap p-value against the group's first row."
    )
    model_id: str = Field(description="Model id as in the shown record.")
    model_name: str = Field(description="Model display name as in the shown record.")
    eval_id: str = Field(description="The record this row shows (the latest pre-specified one).")
    score: Cell = Field(description="The primary metric (the mean over seeds for a multi-seed suite).")
    seeds: SeedSummary | None = Field(
        None, description="Per-seed values when the suite declares several seeds."
    )
    dataset: str = Field(description="Dataset name (or id when the record has no name).")
    dataset_id: str
    evidence: Literal["run", "reported"]
    date: str = Field(description="Record creation date, YYYY-MM-DD.")
    created_at: str = Field(description="Record creation time, ISO 8601 UTC.")
    source: str | None = Field(None, description="Paper or page of a reported result.")
    notes: str | None = None
    records: int = Field(
        description="Pre-specified records of this model on this test set (the latest shown)."
    )
    definitions: str | None = Field(
        None,
        description="Set when the record was made with earlier metric definitions: which, and what "
        "they were.",
    )
    metrics: dict[str, Cell] = Field(description="All metrics of the record, in display order.")
    breakdowns: list[Breakdown] = Field(default_factory=list)
    curves: list[Curve] = Field(default_factory=list)


class Listed(_Data):
    """A record listed under a table, never ranked: an exploratory run."""

    kind: Literal["exploratory"] = "exploratory"
    model_id: str
    model_name: str
    eval_id: str
    score: Cell | None = None
    date: str
    reason: str = Field(description="Why it is exploratory (seed, protocol, suite not in the catalog, …).")


class SharedTestSet(_Data):
    """What makes results comparable: the same suite, dataset (digest), split and evaluated rows."""

    key: str = Field(description="suite | dataset id | dataset digest | split | n, joined by ' | '.")
    suite_id: str | None
    suite_name: str | None = None
    canonical: bool = Field(description="True for the benchmark's canonical suite.")
    dataset_id: str
    dataset: str = Field(description="Dataset name (or id).")
    dataset_digest: str | None
    split: str | None = Field(description="Split as the records state it, e.g. '5-fold CV (out-of-fold)'.")
    n: int | None = Field(description="Evaluated rows.")
    protocol: str | None = Field(description="The suite's evaluation protocol.")
    seeds: list[int] | None = Field(None, description="Pre-specified seeds when the suite declares several.")


class RankedTable(_Data):
    """Runs on one test set, ranked against each other and against nothing else."""

    kind: Literal["ranked"] = "ranked"
    anchor: str = Field(description="HTML/Markdown anchor of the table.")
    title: str = Field(description="Suite, dataset, n and protocol, as displayed.")
    test_set: SharedTestSet
    tie_rule: Literal["paired", "ci"] = Field(
        description="paired: paired bootstrap, Holm-adjusted over all pairs of rows, with rank intervals; "
        "ci: the rows share no resampling scheme, ties by 95% CI overlap, no rank intervals."
    )
    comparisons: int = Field(0, description="Pairwise comparisons in the Holm family (paired rule).")
    rows: list[Row] = Field(description="Ranked rows, best first.")
    exploratory: list[Listed] = Field(
        description="Runs on this test set that are not pre-specified (another seed or protocol): "
        "never ranked."
    )
    superseded: int = Field(0, description="Older pre-specified records replaced by a model's latest one.")
    rule_note: str = Field(description="How ties and ranks were decided, as shown under the table.")


class Reported(_Data):
    """A result reported elsewhere (paper, self-report): listed, never ranked."""

    kind: Literal["reported"] = "reported"
    model_id: str
    model_name: str
    eval_id: str
    score: Cell = Field(description="The primary metric as reported.")
    dataset: str
    dataset_id: str
    source: str | None = None
    date: str
    notes: str | None = None
    metrics: dict[str, Cell] = Field(description="All metrics as reported, in display order.")
    breakdowns: list[Breakdown] = Field(default_factory=list)
    curves: list[Curve] = Field(default_factory=list)


class Unranked(_Data):
    """A record listed apart: rankable false, or failed."""

    model_id: str
    model_name: str
    eval_id: str
    status: Literal["completed", "failed"]
    reason: str = Field(description="rankable_reason, or the error of a failed run.")
    score: Cell | None = None
    dataset: str
    evidence: Literal["run", "reported"]
    date: str


class BenchmarkBoard(_Data):
    """One benchmark's section: one ranked table per test set, reported results apart."""

    id: str
    anchor: str = Field(description="HTML/Markdown anchor and page slug.")
    aliases: list[str] = Field(
        default_factory=list, description="Further anchors that lead here (the earlier page's title slugs)."
    )
    name: str
    health_domain: str
    health_topic: str
    ai_task: str
    description: str
    clinical_relevance: str
    primary_metric: str
    direction: Literal["higher", "lower"]
    metric_directions: dict[str, Literal["higher", "lower", "target"]] = Field(
        description="Direction of each metric the catalog defines and the records use."
    )
    metric_targets: dict[str, tuple[float, float]] = Field(
        default_factory=dict, description="Target band of each 'target' metric."
    )
    tables: list[RankedTable] = Field(description="One per test set, the canonical suite's first.")
    reported: list[Reported] = Field(
        description="Results reported elsewhere (different data, not reproduced here), sorted by value."
    )
    not_rankable: list[Unranked] = Field(description="Completed records flagged rankable: false.")
    failed: list[Unranked] = Field(description="Failed runs; never ranked.")
    evaluations: int = Field(description="Valid records of this benchmark (all statuses).")
    last_updated: str | None = Field(description="Date of the newest record, YYYY-MM-DD.")

    @property
    def rows(self) -> list[Row]:
        """Every ranked row of every table (tables in page order)."""
        return [r for t in self.tables for r in t.rows]

    def shown_results(self) -> list[tuple[str, Row | Reported]]:
        """(label, result) of every shown result, for breakdowns and curves: ranked rows (with
        their suite when the benchmark has several tables), then reported results."""
        out: list[tuple[str, Row | Reported]] = []
        for t in self.tables:
            suite = f" ({t.test_set.suite_id})" if len(self.tables) > 1 and t.test_set.suite_id else ""
            out += [(f"{r.model_name}{suite}", r) for r in t.rows]
        out += [(f"{x.model_name} (reported)", x) for x in self.reported]
        return out


class Domain(_Data):
    name: str
    anchor: str
    benchmarks: list[str] = Field(description="Benchmark ids in this domain, in page order.")


class Stats(_Data):
    benchmarks: int = Field(description="Benchmarks in the catalog.")
    models: int = Field(description="Distinct models (case-insensitive ids) with a completed record.")
    evaluations: int = Field(description="Valid records read.")


class Leaderboard(_Data):
    """All leaderboards of a hub, built from eval records (see fmbench.leaderboard.boards)."""

    schema_version: Literal[2] = LEADERBOARD_SCHEMA_VERSION
    title: str = "Foundation Model Leaderboards"
    last_updated: str | None = Field(description="Date of the newest record, YYYY-MM-DD; never the clock.")
    stats: Stats
    domains: list[Domain]
    benchmarks: list[BenchmarkBoard]
    skipped: list[str] = Field(description="Records left out, as 'file: reason'.")

    def benchmark(self, benchmark_id: str) -> BenchmarkBoard:
        for b in self.benchmarks:
            if b.id == benchmark_id:
                return b
        from fmbench.errors import NotFoundError

        raise NotFoundError(f"unknown benchmark id {benchmark_id!r} on this leaderboard")
