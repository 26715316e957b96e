"""What ranking needs to know of a record, without the record: the summary each checked file
leaves in the record cache. Kept apart from the board builder so that reading the cache
imports no ranking or rendering code."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from fmbench.records.schema import EvalRecord


@dataclass(slots=True)
class RecordInfo:
    """What ranking needs to know of a record; the full record is loaded only when shown."""

    eval_id: str
    benchmark_id: str
    model_key: str  # model id, lower-cased
    status: str
    rankable: bool
    rankable_reason: str | None
    primary: float | None  # value of the benchmark's primary metric
    primary_reason: str | None
    ts: float  # created_at as a POSIX timestamp
    model_id: str
    model_name: str
    evidence: str
    suite_id: str | None
    dataset_id: str
    dataset_digest: str | None
    split: str | None
    n: int | None
    split_seed: int | None  # provenance: what the run says it used
    bootstrap_seed: int | None
    protocol: str | None
    primary_ci: tuple[float, float] | None
    loader: Callable[[], EvalRecord] | None = None
    _record: EvalRecord | None = None

    @property
    def record(self) -> EvalRecord:
        if self._record is None:
            assert self.loader is not None
            self._record = self.loader()
        return self._record

    @property
    def date(self) -> str:
        return datetime.fromtimestamp(self.ts, UTC).strftime("%Y-%m-%d")

    @property
    def test_set(self) -> tuple:
        """What must be equal for two results to be compared: suite, dataset (and its digest),
        split and evaluated rows."""
        return (self.suite_id, self.dataset_id, self.dataset_digest, self.split, self.n)

    @classmethod
    def of(cls, rec: EvalRecord, primary_metric: str | None) -> RecordInfo:
        mv = rec.metrics.get(primary_metric) if primary_metric else None
        prov = rec.provenance
        return cls(
            rec.eval_id,
            rec.benchmark_id,
            rec.model.id.lower(),
            rec.status,
            rec.rankable,
            rec.rankable_reason,
            None if mv is None else mv.value,
            None if mv is None else mv.reason,
            rec.created_at.timestamp(),
            rec.model.id,
            rec.model.name,
            rec.evidence,
            rec.suite_id,
            rec.dataset.id,
            rec.dataset.digest,
            rec.dataset.split,
            rec.dataset.n,
            _int(prov.get("split_seed")),
            _int(prov.get("bootstrap_seed")),
            prov.get("protocol") if isinstance(prov.get("protocol"), str) else None,
            None if mv is None else mv.ci,
            None,
            rec,
        )

    def summary(self) -> tuple:
        return (
            self.eval_id,
            self.benchmark_id,
            self.model_key,
            self.status,
            self.rankable,
            self.rankable_reason,
            self.primary,
            self.primary_reason,
            self.ts,
            self.model_id,
            self.model_name,
            self.evidence,
            self.suite_id,
            self.dataset_id,
            self.dataset_digest,
            self.split,
            self.n,
            self.split_seed,
            self.bootstrap_seed,
            self.protocol,
            self.primary_ci,
        )

    @classmethod
    def from_summary(cls, summary: tuple, loader: Callable[[], EvalRecord]) -> RecordInfo:
        return cls(*summary, loader=loader)


def _int(v: object) -> int | None:
    return v if isinstance(v, int) and not isinstance(v, bool) else None
