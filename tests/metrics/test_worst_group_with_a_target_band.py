"""Review: worst group of a metric whose direction is a target band (flesch_kincaid, target 8-12)."""

from __future__ import annotations

from fmbench.metrics.grouped import summarize_subgroups
from fmbench.records.schema import GroupResult, MetricValue


def _strat(values: dict[str, dict[str, float]]) -> dict:
    return {dim: {g: GroupResult(N=20, metrics={"fk": MetricValue(value=v)}) for g, v in groups.items()}
            for dim, groups in values.items()}


def test_target_direction_worst_group_is_farthest_outside_the_band():
    # 'complex' (10.9) is the only group inside the band 8-12; 'CR' (16.7) is the farthest from it.
    strat = _strat({"complexity": {"complex": 10.9, "moderate": 13.9, "simple": 16.6},
                    "modality": {"CR": 16.7, "MR": 12.6}})
    s = summarize_subgroups(strat, "fk", "target", target=(8.0, 12.0))
    assert (s.worst.dimension, s.worst.group, s.worst.value) == ("modality", "CR", 16.7)
    # below the band counts as well: 5.0 is 3 below, 13.0 is 1 above
    strat = _strat({"d": {"a": 5.0, "b": 13.0, "c": 9.0}})
    s = summarize_subgroups(strat, "fk", "target", target=(8.0, 12.0))
    assert s.worst.group == "a"


def test_run_context_passes_target_bands():
    from fmbench.catalog.registry import load_catalog

    bench = load_catalog([]).benchmark("BM-REPORT-GEN")
    from fmbench.tasks.base import RunContext

    ctx = RunContext.__new__(RunContext)
    ctx.benchmark = bench
    assert ctx.targets() == {"flesch_kincaid": (8.0, 12.0)}
