"""report.html: a self-contained page with a forest plot of per-subgroup metrics and CIs
and, for robustness runs, stability and performance curves (SVG drawn by fmbench.svgplot)."""

from __future__ import annotations

from functools import lru_cache

import jinja2

from fmbench.catalog.schema import BenchmarkSpec, human_label
from fmbench.records.output_notes import record_notes
from fmbench.records.schema import EvalRecord, format_time
from fmbench.reports.tables import (
    GAP_COLUMNS,
    GAP_NOTE,
    INTERVAL_NOTE,
    gap_rows,
    metric_rows,
    stratum_tables,
    worst_group_rows,
)
from fmbench.svgplot import forest_plot, line_chart


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("fmbench.reports", "templates"),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        keep_trailing_newline=True,
    )


def forest_rows(record: EvalRecord, metric: str) -> list[tuple[str, float, tuple[float, float] | None]]:
    """(label, value, CI) for the overall estimate and every reported subgroup."""
    rows = []
    overall = record.metrics.get(metric)
    if overall is not None and overall.value is not None:
        rows.append(("Overall", overall.value, overall.ci))
    for dim, groups in record.stratified.items():
        for g, res in groups.items():
            mv = res.metrics.get(metric)
            if mv is not None and mv.value is not None:
                rows.append((f"{human_label(dim)}: {g} (N={res.N})", mv.value, mv.ci))
    return rows


def render_report_html(record: EvalRecord, bench: BenchmarkSpec) -> str:
    rows = forest_rows(record, bench.primary_metric)
    forest = (forest_plot(rows, metric=bench.primary_metric, direction=bench.primary.direction)
              if len(rows) > 1 else None)
    curves = [
        {"title": c.get("title", ""),
         "svg": line_chart([(s.get("label", ""), s["x"], s["y"]) for s in c["series"]],
                           xlabel=c.get("x_label", ""), ylabel=c.get("y_label", ""))}
        for c in record.details.get("curves", [])
    ]
    return _env().get_template("report.html.j2").render(
        record=record, bench=bench, created=format_time(record.created_at),
        metric_rows=metric_rows(record, bench), worst_rows=worst_group_rows(record),
        gap_rows=gap_rows(record),
        gap_columns=GAP_COLUMNS, gap_note=GAP_NOTE, interval_note=INTERVAL_NOTE,
        strata=stratum_tables(record, bench), tables=record.details.get("tables", []),
        forest=forest, curves=curves, notes=record_notes(record.notes, record.details),
    )
