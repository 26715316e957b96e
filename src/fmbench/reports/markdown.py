"""report.md: the run's record as readable Markdown (every record string escaped)."""

from __future__ import annotations

from fmbench.catalog.schema import BenchmarkSpec
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


def md_escape(text: object) -> str:
    """Escape a string for a Markdown table cell or inline text: no HTML, no pipes, no newlines."""
    s = str(text)
    for ch, rep in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("|", "\\|"), ("`", "\\`"), ("*", "\\*"),
                    ("_", "\\_"), ("[", "\\["), ("]", "\\]")):
        s = s.replace(ch, rep)
    return " ".join(s.split())


def md_table(columns: list[str], rows: list[list[object]]) -> str:
    head = "| " + " | ".join(md_escape(c) for c in columns) + " |"
    sep = "|" + "|".join("---" for _ in columns) + "|"
    body = ["| " + " | ".join(md_escape(c) for c in r) + " |" for r in rows]
    return "\n".join([head, sep, *body])


def render_report_md(record: EvalRecord, bench: BenchmarkSpec) -> str:
    lines = [
        f"# {md_escape(bench.name)}: {md_escape(record.model.name)}",
        "",
        f"- **Benchmark**: {md_escape(bench.id)} ({md_escape(bench.ai_task)}, {md_escape(bench.health_topic)})",
        f"- **Suite**: {md_escape(record.suite_id or '–')}",
        f"- **Model**: {md_escape(record.model.id)}",
        f"- **Dataset**: {md_escape(record.dataset.name or record.dataset.id)} (n = {record.dataset.n}, "
        f"{md_escape(record.dataset.split or '')})",
        f"- **Status**: {record.status} · **Evidence**: {record.evidence} · **Created**: {format_time(record.created_at)}",
        f"- **Eval id**: `{record.eval_id}`",
    ]
    if not record.rankable:
        lines.append(f"- **Not ranked**: {md_escape(record.rankable_reason)}")
    lines += [
        "",
        f"## Metrics (primary: {md_escape(bench.primary_metric)})",
        "",
        md_table(
            ["Metric", "Value", "95% CI", "CI method", "n", "Better", "Note"], metric_rows(record, bench)
        ),
    ]
    if record.bootstrap:
        b = record.bootstrap
        lines += [
            "",
            f"Bootstrap: B = {b.B}, seed {b.seed}"
            + (f", resampling clusters of `{b.cluster}`" if b.cluster else ", resampling rows")
            + "; each interval's method is in its row.",
        ]
    if record.subgroups:
        lines += [
            "",
            "## Subgroups",
            "",
            md_escape(GAP_NOTE),
            "",
            md_table(["Metric", "Worst group"], worst_group_rows(record)),
        ]
        gaps = gap_rows(record)
        if gaps:
            lines += ["", md_table(GAP_COLUMNS, gaps)]
    strata = stratum_tables(record, bench)
    for title, cols, rows in strata:
        lines += ["", f"### By {md_escape(title)}", "", md_table(cols, rows)]
    if strata:
        lines += ["", md_escape(INTERVAL_NOTE)]
    for table in record.details.get("tables", []):
        lines += ["", f"## {md_escape(table['title'])}", "", md_table(table["columns"], table["rows"])]
    if record.resources:
        lines += [
            "",
            "## Resources",
            "",
            md_table(["Resource", "Value"], [[k, v] for k, v in record.resources.items()]),
        ]
    notes = record_notes(record.notes, record.details)
    if notes:
        lines += ["", f"> {md_escape(notes)}"]
    return "\n".join(lines) + "\n"
