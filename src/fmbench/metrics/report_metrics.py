"""Report metrics as grouped/bootstrap metric objects over per-report sufficient statistics.

``compute_report_columns`` runs every library once per report pair and keeps, per report, what
each metric needs: sacrebleu n-gram statistics, ROUGE-L/METEOR/BERTScore/readability/structure
scores and the labeler's clinical counts. ``ReportData`` slices those columns for strata, and
each metric's ``batch(data, W)`` is a weighted sum over them (``W @ x / W.sum(1)`` for means,
``W @ S`` for corpus statistics), so bootstrap replicates need no Python loop over replicates.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from fmbench.metrics import findings, text
from fmbench.metrics.registry import MetricInfo, register_metric

MEAN_COLUMNS = ("rouge_l", "meteor", "bertscore", "flesch_kincaid", "structure_score")
CLINICAL_METRICS = (
    "clinical_accuracy",
    "finding_precision",
    "finding_recall",
    "finding_f1",
    "hallucination_rate",
    "omission_rate",
    "uncertainty_calibration",
)
QUALITY_WEIGHTS = {
    "clinical_accuracy": 0.3,
    "finding_f1": 0.2,
    "bertscore": 0.2,
    "hallucination_rate": 0.15,
    "omission_rate": 0.15,
}
ALL_METRICS = (
    "report_quality_score",
    "bleu",
    "rouge_l",
    "meteor",
    "bertscore",
    *CLINICAL_METRICS,
    "harmful_content",
    "flesch_kincaid",
    "structure_score",
)


@dataclass
class ReportData:
    """Per-report columns of one evaluation set (or group); ``reasons`` for missing columns."""

    columns: dict[str, np.ndarray]
    reasons: dict[str, str] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.columns["clinical"])

    def subset(self, mask: np.ndarray) -> ReportData:
        return ReportData({k: v[mask] for k, v in self.columns.items()}, self.reasons)


def compute_report_columns(
    generated: list[str],
    references: list[str],
    *,
    include: tuple[str, ...] = ALL_METRICS,
    timings: dict[str, float] | None = None,
) -> ReportData:
    """Run each library once over the report pairs; ``timings`` gets seconds per column."""
    steps: dict[str, Callable[[], tuple[np.ndarray | None, str | None]]] = {
        "bleu_stats": lambda: (text.bleu_stats(generated, references), None),
        "rouge_l": lambda: (text.rouge_l_scores(generated, references), None),
        "meteor": lambda: text.meteor_scores(generated, references),
        "bertscore": lambda: text.bertscore_scores(generated, references),
        "flesch_kincaid": lambda: (text.flesch_kincaid_scores(generated), None),
        "structure_score": lambda: (text.structure_scores(generated), None),
        "clinical": lambda: (findings.clinical_count_matrix(generated, references), None),
    }
    wanted = set(include)
    needed = {"clinical"} | (wanted & set(MEAN_COLUMNS)) | ({"bleu_stats"} if "bleu" in wanted else set())
    if "report_quality_score" in wanted:
        needed.add("bertscore")
    columns: dict[str, np.ndarray] = {}
    reasons: dict[str, str] = {}
    for name, step in steps.items():
        if name not in needed:
            continue
        t0 = time.perf_counter()
        values, reason = step()
        if timings is not None:
            timings[name] = time.perf_counter() - t0
        if values is None:
            reasons[name] = reason or f"{name} unavailable"
        else:
            columns[name] = values
    return ReportData(columns, reasons)


def _weighted_mean(x: np.ndarray, W: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return (W @ x) / W.sum(axis=1)


@dataclass(frozen=True)
class MeanMetric:
    """Mean of a per-report library score."""

    name: str

    def point(self, d: ReportData) -> tuple[float, str | None]:
        if self.name not in d.columns:
            return np.nan, d.reasons.get(self.name, f"{self.name} not computed")
        if d.n == 0:
            return np.nan, "no reports"
        return float(np.mean(d.columns[self.name])), None

    def batch(self, d: ReportData, W: np.ndarray) -> np.ndarray:
        return _weighted_mean(d.columns[self.name], W)


@dataclass(frozen=True)
class BleuMetric:
    name: str = "bleu"

    def point(self, d: ReportData) -> tuple[float, str | None]:
        if d.n == 0:
            return np.nan, "no reports"
        return text.bleu_from_stats(d.columns["bleu_stats"].sum(axis=0)), None

    def batch(self, d: ReportData, W: np.ndarray) -> np.ndarray:
        return text.bleu_batch(W @ d.columns["bleu_stats"])


_UNDEFINED = {
    "finding_precision": "the generated reports state no positive finding",
    "hallucination_rate": "the generated reports state no positive finding",
    "finding_recall": "the references state no positive finding",
    "finding_f1": "neither side states a positive finding",
    "clinical_accuracy": "no finding is mentioned by either side",
    "uncertainty_calibration": "no finding is mentioned by either side",
    "omission_rate": "the references state no critical finding",
}


@dataclass(frozen=True)
class ClinicalMetric:
    """Micro-averaged clinical metric from summed labeler counts."""

    name: str

    def point(self, d: ReportData) -> tuple[float, str | None]:
        if d.n == 0:
            return np.nan, "no reports"
        v = float(findings.clinical_from_sums(d.columns["clinical"].sum(axis=0))[self.name])
        return (v, None) if np.isfinite(v) else (np.nan, f"{self.name} undefined: {_UNDEFINED[self.name]}")

    def batch(self, d: ReportData, W: np.ndarray) -> np.ndarray:
        return findings.clinical_from_sums(W @ d.columns["clinical"])[self.name]


@dataclass(frozen=True)
class HarmfulMetric:
    name: str = "harmful_content"

    def point(self, d: ReportData) -> tuple[float, str | None]:
        if d.n == 0:
            return np.nan, "no reports"
        return float(d.columns["clinical"][:, -1].mean()), None

    def batch(self, d: ReportData, W: np.ndarray) -> np.ndarray:
        return _weighted_mean(d.columns["clinical"][:, -1], W)


def quality_score(clinical: dict[str, np.ndarray], bertscore: np.ndarray) -> np.ndarray:
    """The benchmark formula. A rate with an empty denominator (no generated positive finding,
    no critical reference finding) enters as 0: nothing was hallucinated or omitted."""
    hall = np.where(clinical["n_generated_positive"] > 0, clinical["hallucination_rate"], 0.0)
    omit = np.where(clinical["n_critical"] > 0, clinical["omission_rate"], 0.0)
    w = QUALITY_WEIGHTS
    return (
        w["clinical_accuracy"] * clinical["clinical_accuracy"]
        + w["finding_f1"] * clinical["finding_f1"]
        + w["bertscore"] * bertscore
        + w["hallucination_rate"] * (1 - hall)
        + w["omission_rate"] * (1 - omit)
    )


@dataclass(frozen=True)
class QualityMetric:
    name: str = "report_quality_score"

    def point(self, d: ReportData) -> tuple[float, str | None]:
        if "bertscore" not in d.columns:
            return (
                np.nan,
                f"report_quality_score needs bertscore: {d.reasons.get('bertscore', 'not computed')}",
            )
        if d.n == 0:
            return np.nan, "no reports"
        c = findings.clinical_from_sums(d.columns["clinical"].sum(axis=0))
        for part in ("clinical_accuracy", "finding_f1"):
            if not np.isfinite(c[part]):
                return np.nan, f"report_quality_score needs {part}: {_UNDEFINED[part]}"
        return float(quality_score(c, np.float64(d.columns["bertscore"].mean()))), None

    def batch(self, d: ReportData, W: np.ndarray) -> np.ndarray:
        c = findings.clinical_from_sums(W @ d.columns["clinical"])
        return quality_score(c, _weighted_mean(d.columns["bertscore"], W))


_RANGES = {  # direction, min, max of each report metric
    "report_quality_score": ("higher", 0.0, 1.0),
    "bleu": ("higher", 0.0, 100.0),
    "rouge_l": ("higher", 0.0, 1.0),
    "meteor": ("higher", 0.0, 1.0),
    "bertscore": ("higher", -1.0, 1.0),
    "clinical_accuracy": ("higher", 0.0, 1.0),
    "finding_precision": ("higher", 0.0, 1.0),
    "finding_recall": ("higher", 0.0, 1.0),
    "finding_f1": ("higher", 0.0, 1.0),
    "hallucination_rate": ("lower", 0.0, 1.0),
    "omission_rate": ("lower", 0.0, 1.0),
    "uncertainty_calibration": ("higher", 0.0, 1.0),
    "harmful_content": ("lower", 0.0, 1.0),
    "flesch_kincaid": ("target", None, None),
    "structure_score": ("higher", 0.0, 1.0),
}


def _impl(name: str) -> object:
    if name == "bleu":
        return BleuMetric()
    if name in MEAN_COLUMNS:
        return MeanMetric(name)
    if name in CLINICAL_METRICS:
        return ClinicalMetric(name)
    if name == "harmful_content":
        return HarmfulMetric()
    return QualityMetric()


REPORT_METRICS = {name: _impl(name) for name in ALL_METRICS}
for _name, (_direction, _lo, _hi) in _RANGES.items():
    register_metric(MetricInfo(_name, "generated reports", _direction, _lo, _hi,  # type: ignore[arg-type]
                               impl=REPORT_METRICS[_name]))


def report_metrics(names: list[str] | tuple[str, ...] = ALL_METRICS) -> list:
    """Metric objects for ``evaluate_grouped``, in the given order (names of other families skipped)."""
    return [REPORT_METRICS[name] for name in names if name in REPORT_METRICS]
