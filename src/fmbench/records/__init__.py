"""Eval records: the one artifact that leaves a user's machine."""

from fmbench.records.schema import EvalRecord, MetricValue

__all__ = ["EvalRecord", "MetricValue"]
