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

    @classmethod
    def of(cls, rec: EvalRecord, primary_metric: str | None) -> RecordInfo:
        mv = rec.metrics.get(primary_metric) if primary_metric else None
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
        )

    @classmethod
    def from_summary(cls, summary: tuple, loader: Callable[[], EvalRecord]) -> RecordInfo:
        return cls(*summary, loader=loader)
