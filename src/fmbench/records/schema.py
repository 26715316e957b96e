"""The eval record (schema_version 1), as in DESIGN.md.

Bare numbers (``AUROC: 0.91``, the hub's older flat form) load as ``{value: 0.91}``. An
undefined metric is ``value: null`` with a ``reason`` and never 0.0. Bootstrap replicates
are stored as base64 of little-endian float64 (``b64f8:…``): exact, and about ten times
faster to parse than a YAML list of 1,000 numbers, which matters for a hub with 10,000
records; lists are still accepted.
"""

from __future__ import annotations

import base64
import math
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    field_validator,
    model_validator,
)

from fmbench.bounded import has_control_chars

if TYPE_CHECKING:  # numpy loads with the first replicate array: checking records needs none
    import numpy as np

EVAL_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$"
SCHEMA_VERSION = 1
REPLICATE_PREFIX = "b64f8:"
EARLIEST_RECORD = datetime(2000, 1, 1, tzinfo=UTC)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _finite(v: float | None, what: str) -> float | None:
    if v is not None and not math.isfinite(v):
        raise ValueError(f"{what} must be a finite number or null, got {v}")
    return v


class MetricValue(_Model):
    """A metric estimate with its confidence interval; null value needs a reason."""

    # Strict numbers: `true` or "0.9" is a mistake to refuse, not a 1.0 or a 0.9 to store.
    value: StrictFloat | None = Field(description="Point estimate; null when undefined.")
    ci: tuple[StrictFloat, StrictFloat] | None = Field(None, description="Confidence interval (lower, upper).")
    ci_method: str | None = Field(
        None,
        max_length=200,
        description="How the interval was made: 'percentile bootstrap', 'percentile cluster bootstrap', "
        "'percentile bootstrap, widened to include the estimate', 'Clopper-Pearson exact (k/N; why)'. "
        "Absent in records "
        "made before fmbench stated it (those are percentile bootstrap intervals).",
    )
    n: StrictInt | None = Field(None, ge=0, description="Samples the estimate is based on.")
    reason: str | None = Field(None, description="Why the value (or its CI) is null.")

    @model_validator(mode="before")
    @classmethod
    def _bare_number(cls, data: Any) -> Any:
        if isinstance(data, bool):
            raise ValueError("expected a number or a mapping with 'value', got a boolean")
        if data is None or isinstance(data, int | float):
            return {"value": data}
        return data

    @model_validator(mode="after")
    def _check(self) -> MetricValue:
        _finite(self.value, "value")
        if self.ci is not None:
            lo, hi = self.ci
            _finite(lo, "ci lower bound")
            _finite(hi, "ci upper bound")
            if lo > hi:
                raise ValueError(f"ci lower bound {lo} exceeds upper bound {hi}")
        if self.value is None and not self.reason:
            raise ValueError("a null value needs a 'reason'")
        return self

    def to_data(self) -> dict[str, Any]:
        out: dict[str, Any] = {"value": self.value}
        if self.ci is not None:
            out["ci"] = [self.ci[0], self.ci[1]]
        if self.ci_method is not None:
            out["ci_method"] = self.ci_method
        if self.n is not None:
            out["n"] = self.n
        if self.reason:
            out["reason"] = self.reason
        return out


class GroupResult(_Model):
    """Metrics of one subgroup; in YAML ``{N: 70, AUROC: {...}}``."""

    N: StrictInt = Field(ge=0, description="Number of samples in the group.")
    metrics: dict[str, MetricValue] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _flat(cls, data: Any) -> Any:
        if isinstance(data, dict) and "metrics" not in data:
            data = dict(data)
            n = data.pop("N", data.pop("n", None))
            return {"N": n, "metrics": data}
        return data

    def to_data(self) -> dict[str, Any]:
        return {"N": self.N, **{k: v.to_data() for k, v in self.metrics.items()}}


class WorstGroup(_Model):
    dimension: str
    group: str
    value: float


class GapTest(_Model):
    """The gap (largest minus smallest group value) of one metric within one dimension, with its
    bootstrap CI and a permutation test of "the metric does not depend on the group"."""

    value: float = Field(description="Largest minus smallest group value (groups with a defined value).")
    groups: int = Field(ge=2, description="Groups compared.")
    ci: tuple[float, float] | None = None
    ci_method: str | None = Field(None, max_length=200)
    reason: str | None = Field(None, description="Why the CI or the p-value is missing.")
    p_value: float | None = Field(
        None, ge=0, le=1, description="Permutation p-value (group labels permuted)."
    )
    p_adjusted: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Holm-adjusted over the dimensions tested for this metric in the record.",
    )
    permutations: int | None = Field(None, ge=1, description="Permutations the p-value is based on.")

    def to_data(self) -> dict[str, Any]:
        out = self.model_dump(exclude_none=True)
        if self.ci is not None:
            out["ci"] = [self.ci[0], self.ci[1]]
        return out


class SubgroupSummary(_Model):
    """Worst group and largest gap of one metric across all dimensions.

    Both are extremes over groups, so they are biased away from the whole: with enough groups
    some group is worst by chance. ``gaps`` gives each dimension's gap its CI and permutation
    p-value (Holm-adjusted across the record's dimensions) so a reader can tell which gaps exceed
    chance."""

    worst: WorstGroup | None = None
    max_gap: float | None = Field(None, description="Largest best-minus-worst gap within one dimension.")
    max_gap_dimension: str | None = None
    gaps: dict[str, GapTest] = Field(default_factory=dict, description="Per dimension, its gap and tests.")

    def to_data(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.worst is not None:
            out["worst"] = self.worst.model_dump()
        out["max_gap"] = self.max_gap
        if self.max_gap_dimension is not None:
            out["max_gap_dimension"] = self.max_gap_dimension
        if self.gaps:
            out["gaps"] = {d: g.to_data() for d, g in self.gaps.items()}
        return out


def encode_replicates(values: np.ndarray) -> str:
    import numpy as np

    arr = np.ascontiguousarray(values, dtype="<f8")
    return REPLICATE_PREFIX + base64.b64encode(arr.tobytes()).decode("ascii")


def decode_replicates(stored: str | list[float | None]) -> np.ndarray:
    """Replicates as float64 (NaN where a replicate was undefined)."""
    import numpy as np

    if isinstance(stored, str):
        return np.frombuffer(base64.b64decode(stored[len(REPLICATE_PREFIX) :]), dtype="<f8").copy()
    return np.array([np.nan if v is None else v for v in stored], dtype=float)


_BASE64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _check_replicates(v: Any) -> Any:
    """Accept a list, or a 'b64f8:' string of padded base64 (what encode_replicates writes:
    length a multiple of 4, at most two '=' at the end, nothing outside the alphabet) whose
    decoded length is a multiple of 8. Checked by deleting the alphabet from the bytes rather
    than decoding them: 6 us instead of 40 us for 1,000 replicates."""
    if isinstance(v, str):
        if not v.startswith(REPLICATE_PREFIX):
            raise ValueError(f"replicates must be a list or a '{REPLICATE_PREFIX}' string")
        body = v[len(REPLICATE_PREFIX) :]
        if not body.isascii():
            raise ValueError("replicates: invalid base64")
        raw = body.encode("ascii")
        data = raw.rstrip(b"=")
        padding = len(raw) - len(data)
        if len(raw) % 4 or padding > 2 or data.translate(None, _BASE64_ALPHABET):
            raise ValueError("replicates: invalid base64")
        if (len(raw) // 4 * 3 - padding) % 8:
            raise ValueError("replicates: byte length is not a multiple of 8")
    return v


Replicates = Annotated[str | list[float | None], BeforeValidator(_check_replicates)]


class BootstrapInfo(_Model):
    """The resampling scheme and the primary metric's replicates (for paired comparison)."""

    scheme: str = Field(
        description="sha256 of (dataset digest, n, seed, B, clusters): same scheme, same resamples."
    )
    B: int = Field(ge=1)
    seed: int | None = None
    cluster: str | None = None
    confidence: float = 0.95
    replicates: dict[str, Replicates] = Field(default_factory=dict)

    def replicate_array(self, metric: str) -> np.ndarray | None:
        stored = self.replicates.get(metric)
        return None if stored is None else decode_replicates(stored)

    def to_data(self) -> dict[str, Any]:
        out = self.model_dump(exclude={"replicates"})
        out["replicates"] = dict(self.replicates)
        return out


def _plain_id(v: str | None) -> str | None:
    """Ids appear in URLs and file names: no control characters, no '/' (a model id with '/' had
    an unreachable page; NUL cannot be stored in PostgreSQL)."""
    if v is not None and (has_control_chars(v) or "/" in v):
        raise ValueError("must not contain '/' or control characters")
    return v


class ModelRef(_Model):
    id: str = Field(min_length=1, max_length=200)
    name: str = Field(min_length=1, max_length=300)
    config_digest: str | None = None

    @field_validator("id")
    @classmethod
    def _plain(cls, v: str) -> str:
        return _plain_id(v)


class DatasetRef(_Model):
    id: str = Field(min_length=1, max_length=200)
    name: str | None = Field(None, max_length=300)
    digest: str | None = None
    n: int | None = Field(None, ge=0)
    split: str | None = None

    @field_validator("id")
    @classmethod
    def _plain(cls, v: str) -> str:
        return _plain_id(v)


class EvalRecord(_Model):
    """One benchmarking run (or a reported result), content-addressed by ``digest``."""

    schema_version: Literal[1] = 1
    eval_id: str = Field(pattern=EVAL_ID_PATTERN)
    benchmark_id: str
    suite_id: str | None = None
    model: ModelRef
    dataset: DatasetRef
    status: Literal["completed", "failed"] = "completed"
    evidence: Literal["run", "reported"] = "run"
    created_at: datetime
    metrics: dict[str, MetricValue] = Field(default_factory=dict)
    stratified: dict[str, dict[str, GroupResult]] = Field(default_factory=dict)
    withheld: dict[str, int] = Field(
        default_factory=dict,
        description="Per dimension, groups withheld for being smaller than min_group_size.",
    )
    subgroups: dict[str, SubgroupSummary] = Field(default_factory=dict)
    bootstrap: BootstrapInfo | None = None
    rankable: bool = True
    rankable_reason: str | None = None
    details: dict[str, Any] = Field(default_factory=dict, description="Protocol-specific tables and curves.")
    resources: dict[str, float | None] = Field(default_factory=dict)
    provenance: dict[str, Any] = Field(default_factory=dict)
    source: str | None = Field(None, description="Paper or page a reported result comes from.")
    notes: str | None = None
    error: str | None = Field(None, description="Why a failed run failed.")
    digest: str | None = None

    @field_validator("benchmark_id", "suite_id")
    @classmethod
    def _plain_ids(cls, v: str | None) -> str | None:
        return _plain_id(v)

    @field_validator("created_at")
    @classmethod
    def _utc(cls, v: datetime) -> datetime:
        """UTC, and plausible: from 2000 to one day ahead of now (a year-999 date once poisoned every
        page of the hub; a date far ahead would always show as the newest evaluation)."""
        try:
            v = v.replace(tzinfo=UTC) if v.tzinfo is None else v.astimezone(UTC)
        except (OverflowError, ValueError):
            raise ValueError("must be a date from 2000 on, in UTC") from None
        if v < EARLIEST_RECORD:
            raise ValueError(f"{format_time(v)} is before 2000; records date from 2000 on")
        if v > datetime.now(UTC) + timedelta(days=1):
            raise ValueError(f"{format_time(v)} is in the future; use the time the evaluation ran")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> EvalRecord:
        if not self.rankable and not self.rankable_reason:
            raise ValueError("rankable: false needs a rankable_reason")
        if self.status == "completed" and not self.metrics:
            raise ValueError("a completed record needs at least one metric")
        return self

    def to_data(self, *, with_digest: bool = True) -> dict[str, Any]:
        """Plain data in the documented key order (what eval.yaml holds)."""
        out: dict[str, Any] = {
            "schema_version": self.schema_version,
            "eval_id": self.eval_id,
            "benchmark_id": self.benchmark_id,
            "suite_id": self.suite_id,
            "model": self.model.model_dump(exclude_none=True),
            "dataset": self.dataset.model_dump(exclude_none=True),
            "status": self.status,
            "evidence": self.evidence,
            "created_at": format_time(self.created_at),
            "metrics": {k: v.to_data() for k, v in self.metrics.items()},
        }
        if self.stratified:
            out["stratified"] = {
                dim: {g: r.to_data() for g, r in groups.items()} for dim, groups in self.stratified.items()
            }
        if self.withheld:
            out["withheld"] = dict(self.withheld)
        if self.subgroups:
            out["subgroups"] = {k: v.to_data() for k, v in self.subgroups.items()}
        if self.bootstrap is not None:
            out["bootstrap"] = self.bootstrap.to_data()
        if not self.rankable:
            out["rankable"] = False
            out["rankable_reason"] = self.rankable_reason
        for key in ("details", "resources", "provenance"):
            value = getattr(self, key)
            if value:
                out[key] = value
        for key in ("source", "notes", "error"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        if with_digest and self.digest is not None:
            out["digest"] = self.digest
        return out

    def metric_value(self, name: str) -> float | None:
        m = self.metrics.get(name)
        return None if m is None else m.value


def format_time(t: datetime) -> str:
    """ISO 8601 UTC with a four-digit year (``strftime('%Y')`` writes year 999 as '999')."""
    t = t.astimezone(UTC)
    return f"{t.year:04d}-{t.month:02d}-{t.day:02d}T{t.hour:02d}:{t.minute:02d}:{t.second:02d}Z"


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)
