"""The leaderboard as data: what every renderer (Markdown, HTML, JSON, CSV) draws from.

One pydantic model tree so that the JSON output and its published JSON Schema
(``schemas/leaderboard.schema.json``) come from the same definition. Every list is in a
deterministic order; nothing here depends on the clock.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

LEADERBOARD_SCHEMA_VERSION = 1


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Cell(_Data):
    """One metric value as shown in a table."""

    value: float | None = Field(description="Point estimate; null when undefined or not reported.")
    ci: tuple[float, float] | None = Field(
        None, description="95% (or the record's level) confidence interval."
    )
    n: int | None = Field(None, description="Samples the estimate is based on.")
    reason: str | None = Field(None, description="Why the value is null.")


class Group(_Data):
    """One subgroup of a stratification dimension."""

    group: str = Field(description="Group label as in the record.")
    N: int = Field(description="Samples in the group.")
    metrics: dict[str, Cell] = Field(description="Metric name -> value; absent metrics are not listed.")


class Breakdown(_Data):
    """A model's results by one stratification dimension, groups sorted best first."""

    dimension: str = Field(description="Stratification column, e.g. scanner.")
    label: str = Field(description="Human-readable dimension name, e.g. Scanner.")
    metrics: list[str] = Field(description="Metric columns, in display order.")
    sort_metric: str | None = Field(description="The metric groups are sorted by, in its direction.")
    groups: list[Group]
    withheld: int = Field(0, description="Groups withheld by small-cell suppression.")


class Curve(_Data):
    """A robustness curve: a quantity over perturbation severity."""

    probe: str = Field(description="Perturbation name, e.g. noise.")
    quantity: str = Field(description="What is plotted, e.g. stability or AUROC.")
    levels: list[float] = Field(description="Severity levels (x).")
    values: list[float | None] = Field(description="Values at each level (y).")


class Row(_Data):
    """One model on one benchmark: its best completed, rankable record."""

    rank: int = Field(description="Competition rank (1-based); tied rows share the rank of the best of them.")
    rank_label: str = Field(description="Rank as displayed: '1', or '=2' when tied with another row.")
    tied: bool = Field(description="True when the rank is shared with at least one other row.")
    tie_method: Literal["paired", "ci", "value"] | None = Field(
        None,
        description="How this row was compared with the best row of its rank group: paired bootstrap "
        "replicates, CI overlap, or point values (records without CI). Null for a group's first row.",
    )
    p_better: float | None = Field(
        None, description="Paired bootstrap share of replicates in which the group's best row beats this one."
    )
    model_id: str = Field(description="Model id as in the winning record.")
    model_name: str = Field(description="Model display name as in the winning record.")
    eval_id: str = Field(description="The record this row shows.")
    score: Cell = Field(description="The primary metric.")
    dataset: str = Field(description="Dataset name (or id when the record has no name).")
    dataset_id: str
    evidence: Literal["run", "reported"]
    date: str = Field(description="Record creation date, YYYY-MM-DD.")
    created_at: str = Field(description="Record creation time, ISO 8601 UTC.")
    source: str | None = Field(None, description="Paper or page of a reported result.")
    notes: str | None = None
    records: int = Field(description="Completed records of this model on this benchmark (best one shown).")
    metrics: dict[str, Cell] = Field(description="All metrics of the record, in display order.")
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
    """One benchmark's section."""

    id: str
    anchor: str = Field(description="HTML/Markdown anchor and page slug.")
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
    rows: list[Row] = Field(description="Ranked rows, best first.")
    not_rankable: list[Unranked] = Field(description="Completed records flagged rankable: false.")
    failed: list[Unranked] = Field(description="Failed runs; never ranked.")
    evaluations: int = Field(description="Valid records of this benchmark (all statuses).")
    last_updated: str | None = Field(description="Date of the newest record, YYYY-MM-DD.")


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

    schema_version: Literal[1] = LEADERBOARD_SCHEMA_VERSION
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
