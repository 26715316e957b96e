"""Shared table content for both report formats: what rows a record's sections hold."""

from __future__ import annotations

from fmbench.catalog.schema import BenchmarkSpec, human_label
from fmbench.records.interval_notes import ci_tag, p_text
from fmbench.records.schema import EvalRecord, MetricValue


def fmt(v: float | None, digits: int = 4) -> str:
    return "–" if v is None else f"{v:.{digits}f}"


def fmt_ci(mv: MetricValue | None) -> str:
    if mv is None or mv.ci is None:
        return "–"
    return f"[{mv.ci[0]:.4f}, {mv.ci[1]:.4f}]"


def method_mark(mv: MetricValue | None) -> str:
    """A short tag after an interval that is not the plain percentile bootstrap (see GAP_NOTE)."""
    if mv is None or mv.value is None:
        return ""
    if mv.ci is None:
        return " (no CI)" if mv.reason else ""
    return ci_tag(mv.ci_method)


INTERVAL_NOTE = (
    "Intervals: percentile bootstrap unless marked — (exact): Clopper–Pearson, for a proportion "
    "at 0 or N or with a degenerate bootstrap; (widened): the percentile interval extended to "
    "the estimate, which it excluded; (no CI): the bootstrap could not give one (the record "
    "says why)."
)
GAP_NOTE = (
    "A worst group and a largest gap are extremes over several groups, so they are biased away "
    "from the whole: random groups of these sizes show gaps too. Read a gap with its bootstrap CI "
    "and its permutation p-value (group labels permuted; Holm-adjusted over the record's "
    "dimensions); a large p means chance explains the gap."
)


def estimate_text(mv: MetricValue | None) -> str:
    """'0.8439 [0.7433, 0.9321]' for a console line ('(exact)'/'(widened)' after a non-percentile
    interval, '(no CI)' when the bootstrap could not give one); 'null' when undefined or absent."""
    if mv is None or mv.value is None:
        return "null"
    return f"{mv.value:.4f}" + (f" {fmt_ci(mv)}" if mv.ci is not None else "") + method_mark(mv)


def metric_rows(record: EvalRecord, bench: BenchmarkSpec) -> list[list[str]]:
    """Metric, value, 95% CI, CI method, n, direction, note — benchmark order first, then extras."""
    order = [m.name for m in bench.metrics if m.name in record.metrics]
    order += sorted(k for k in record.metrics if k not in order)
    rows = []
    for name in order:
        mv = record.metrics[name]
        spec = bench.metric(name)
        direction = {"higher": "↑", "lower": "↓", "target": "target"}.get(spec.direction, "") if spec else ""
        rows.append(
            [
                name,
                fmt(mv.value),
                fmt_ci(mv),
                mv.ci_method or ("–" if mv.ci is None else "percentile bootstrap"),
                "" if mv.n is None else str(mv.n),
                direction,
                mv.reason or "",
            ]
        )
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
            return (
                v is None or v.value is None,
                sign * (v.value if v and v.value is not None else 0),
                item[0],
            )

        rows = []
        for g, res in sorted(groups.items(), key=key):
            cells = [g, str(res.N)]
            for n in names:
                mv = res.metrics.get(n)
                cells.append(
                    "–"
                    if mv is None or mv.value is None
                    else f"{mv.value:.4f}"
                    + (f" [{mv.ci[0]:.3f}, {mv.ci[1]:.3f}]" if mv.ci else "")
                    + method_mark(mv)
                )
            rows.append(cells)
        title = human_label(dim)
        if record.withheld.get(dim):
            title += f" ({record.withheld[dim]} group(s) below the minimum size withheld)"
        out.append((title, [human_label(dim), "N", *names], rows))
    return out


def worst_group_rows(record: EvalRecord) -> list[list[str]]:
    rows = []
    for metric, s in record.subgroups.items():
        worst = (
            f"{human_label(s.worst.dimension)} = {s.worst.group} ({s.worst.value:.4f})" if s.worst else "–"
        )
        rows.append([metric, worst])
    return rows


def gap_rows(record: EvalRecord) -> list[list[str]]:
    """Metric, dimension, groups, gap, 95% CI, permutation p, Holm p — one row per tested gap.
    Records made before gaps were tested have only the largest gap: it is shown without a test."""
    rows = []
    for metric, s in record.subgroups.items():
        if s.gaps:
            for dim, g in s.gaps.items():
                ci = "–" if g.ci is None else f"[{g.ci[0]:.4f}, {g.ci[1]:.4f}]"
                if g.ci is not None:
                    ci += ci_tag(g.ci_method)
                rows.append(
                    [
                        metric,
                        human_label(dim),
                        str(g.groups),
                        f"{g.value:.4f}",
                        ci,
                        p_text(g.p_value),
                        p_text(g.p_adjusted),
                    ]
                )
        elif s.max_gap is not None:
            rows.append(
                [metric, human_label(s.max_gap_dimension or ""), "–", f"{s.max_gap:.4f}", "–", "–", "–"]
            )
    return rows


GAP_COLUMNS = ["Metric", "Dimension", "Groups", "Gap (max − min)", "95% CI", "p (permutation)", "p (Holm)"]
