"""Shared table content for both report formats: what rows a record's sections hold."""

from __future__ import annotations

from fmbench.catalog.schema import BenchmarkSpec, human_label
from fmbench.records.schema import EvalRecord, MetricValue


def fmt(v: float | None, digits: int = 4) -> str:
    return "–" if v is None else f"{v:.{digits}f}"


def fmt_ci(mv: MetricValue | None) -> str:
    if mv is None or mv.ci is None:
        return "–"
    return f"[{mv.ci[0]:.4f}, {mv.ci[1]:.4f}]"


def estimate_text(mv: MetricValue | None) -> str:
    """'0.8439 [0.7433, 0.9321]' for a console line; 'null' when undefined or absent."""
    if mv is None or mv.value is None:
        return "null"
    return f"{mv.value:.4f}" + (f" {fmt_ci(mv)}" if mv.ci is not None else "")


def metric_rows(record: EvalRecord, bench: BenchmarkSpec) -> list[list[str]]:
    """Metric, value, 95% CI, n, direction, note — benchmark order first, then extras."""
    order = [m.name for m in bench.metrics if m.name in record.metrics]
    order += sorted(k for k in record.metrics if k not in order)
    rows = []
    for name in order:
        mv = record.metrics[name]
        spec = bench.metric(name)
        direction = {"higher": "↑", "lower": "↓", "target": "target"}.get(spec.direction, "") if spec else ""
        rows.append([name, fmt(mv.value), fmt_ci(mv), "" if mv.n is None else str(mv.n), direction, mv.reason or ""])
    return rows


def stratum_tables(record: EvalRecord, bench: BenchmarkSpec) -> list[tuple[str, list[str], list[list[str]]]]:
    """(title, columns, rows) per stratification dimension, groups sorted by the primary metric."""
    out = []
    primary = bench.primary_metric
    sign = -1 if bench.primary.direction == "higher" else 1
    for dim, groups in record.stratified.items():
        names = [m.name for m in bench.metrics if any(m.name in g.metrics for g in groups.values())]
        names += sorted({k for g in groups.values() for k in g.metrics} - set(names))

        def key(item: tuple) -> tuple:
            v = item[1].metrics.get(primary)
            return (v is None or v.value is None, sign * (v.value if v and v.value is not None else 0), item[0])

        rows = []
        for g, res in sorted(groups.items(), key=key):
            cells = [g, str(res.N)]
            for n in names:
                mv = res.metrics.get(n)
                cells.append("–" if mv is None or mv.value is None else
                             f"{mv.value:.4f}" + (f" [{mv.ci[0]:.3f}, {mv.ci[1]:.3f}]" if mv.ci else ""))
            rows.append(cells)
        title = human_label(dim)
        if record.withheld.get(dim):
            title += f" ({record.withheld[dim]} group(s) below the minimum size withheld)"
        out.append((title, [human_label(dim), "N", *names], rows))
    return out


def subgroup_rows(record: EvalRecord) -> list[list[str]]:
    rows = []
    for metric, s in record.subgroups.items():
        worst = f"{human_label(s.worst.dimension)} = {s.worst.group} ({s.worst.value:.4f})" if s.worst else "–"
        gap = "–" if s.max_gap is None else f"{s.max_gap:.4f} ({human_label(s.max_gap_dimension or '')})"
        rows.append([metric, worst, gap])
    return rows
