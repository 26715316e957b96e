"""Leaderboard -> one Markdown page for MkDocs Material (docs/leaderboards/index.md).

Uses the admonition, pymdownx.details (``???`` collapsible blocks), attr_list (heading
anchors) and tables extensions, as configured in mkdocs.yml. Every string that comes from
a record goes through ``text.md``.
"""

from __future__ import annotations

from collections.abc import Mapping

from fmbench.leaderboard.model import BenchmarkBoard, Breakdown, Cell, Leaderboard, RankedTable, Reported, Row
from fmbench.leaderboard.text import (
    DASH,
    INTERVAL_LEGEND,
    MEDALS,
    ci_text,
    code,
    direction_mark,
    direction_sentence,
    domain_icon,
    gap_sentence,
    interval_text,
    md,
    medal,
    num,
    rank_text,
    seeds_text,
    value_text,
)

SUBMISSION_GUIDE = "../contributing/submission_guide.md"
_IND = "    "


def _indent(lines: list[str]) -> list[str]:
    return [(_IND + line) if line else "" for line in lines]


def _table(header: list[str], align: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def _metric_head(b: BenchmarkBoard, metric: str) -> str:
    mark = direction_mark(b.metric_directions.get(metric, "higher"), b.metric_targets.get(metric))
    return f"{md(metric)} {mark}"


def _score_text(r: Row) -> str:
    if r.seeds is not None:
        return seeds_text(r.seeds.mean, r.seeds.sd, r.seeds.min, r.seeds.max)
    return num(r.score.value)


def _ranking_table(b: BenchmarkBoard, t: RankedTable) -> list[str]:
    rows = []
    for r in t.rows:
        deco = medal(r.rank) + (" 👑" if r.rank == 1 else "")
        rows.append(
            [
                rank_text(r.rank, r.rank_label),
                interval_text(r.rank_interval),
                f"**{md(r.model_name)}**" + (f" {deco}" if deco else ""),
                _score_text(r),
                ci_text(r.score),
                md(r.dataset),
                r.evidence,
                r.date,
            ]
        )
    score_head = _metric_head(b, b.primary_metric) + (" (mean ± sd, min–max)" if t.test_set.seeds else "")
    return _table(
        ["Rank", "95% rank interval", "Model", score_head, "95% CI", "Dataset", "Evidence", "Date"],
        [":---:", ":---:", ":---", ":---:", ":---:", ":---", ":---", ":---"],
        rows,
    )


def _metrics_rows(b: BenchmarkBoard, metrics: Mapping[str, Cell]) -> list[str]:
    rows = [
        [
            md(name),
            direction_mark(b.metric_directions.get(name, "higher"), b.metric_targets.get(name)),
            num(c.value),
            ci_text(c),
            DASH if c.n is None else str(c.n),
            "; ".join(md(x) for x in (c.reason, c.definition and f"earlier definition: {c.definition}") if x),
        ]
        for name, c in metrics.items()
    ]
    return _table(
        ["Metric", "Better", "Value", "95% CI", "N", "Note"],
        ["---", ":---:", "---:", ":---:", "---:", "---"],
        rows,
    )


def _full_metrics(b: BenchmarkBoard, t: RankedTable) -> list[str]:
    body: list[str] = []
    for r in t.rows:
        body += [
            f"**{rank_text(r.rank, r.rank_label)} · {md(r.model_name)}** "
            f"({code(r.eval_id)}, {r.evidence}, {r.records} pre-specified record(s), latest shown)",
            "",
        ]
        if r.seeds is not None:
            per_seed = ", ".join(
                f"seed {s.seed}: {num(s.value)} ({code(s.eval_id)})" for s in r.seeds.seeds
            )
            body += [f"Per seed ({md(b.primary_metric)}): {per_seed}. "
                     "The metrics below are the latest seed's record.", ""]
        body += _metrics_rows(b, r.metrics)
        body.append("")
        if r.definitions:
            body += [f"Definitions: {md(r.definitions)}", ""]
        if r.source:
            body += [f"Source: {md(r.source)}", ""]
        if r.notes:
            body += [f"Notes: {md(r.notes)}", ""]
    body += [md(INTERVAL_LEGEND), ""]
    return ['??? abstract "Full metrics for all models"', "", *_indent(body)]


def _exploratory(t: RankedTable) -> list[str]:
    rows = [[md(x.model_name), value_text(x.score), ci_text(x.score), x.date, md(x.reason), code(x.eval_id)]
            for x in t.exploratory]
    body = _table(
        ["Model", "Score", "95% CI", "Date", "Why not ranked", "Record"],
        [":---", ":---:", ":---:", ":---", ":---", ":---"],
        rows,
    )
    n = len(t.exploratory)
    return [f'??? note "{n} exploratory run{"s" if n != 1 else ""}, not ranked"', "", *_indent(body), ""]


def _ranked_section(b: BenchmarkBoard, t: RankedTable) -> list[str]:
    out = [f"##### {md(t.title)} {{ #{t.anchor} }}", ""]
    if t.test_set.canonical:
        out += ["*The benchmark's canonical suite.*", ""]
    if t.rows:
        out += [*_ranking_table(b, t), ""]
        out += [f"*{md(t.rule_note)}*", ""]
    else:
        out += ["*No pre-specified runs on this test set yet.*", ""]
    if t.superseded:
        out += [f"*{t.superseded} earlier pre-specified record(s) superseded by their model's latest.*", ""]
    if t.exploratory:
        out += _exploratory(t)
    if t.rows:
        out += [*_full_metrics(b, t), ""]
    return out


def _reported_section(b: BenchmarkBoard) -> list[str]:
    rows = [
        [
            f"**{md(x.model_name)}**",
            value_text(x.score),
            ci_text(x.score),
            md(x.dataset),
            md(x.source) if x.source else DASH,
            x.date,
            md(x.notes) if x.notes else "",
        ]
        for x in b.reported
    ]
    out = [
        "#### Reported elsewhere — different data, not reproduced here",
        "",
        "Results from papers or self-reports, on their own data and protocol: not comparable with the runs "
        "above or with each other, so they carry no rank. Sorted by value.",
        "",
        *_table(
            ["Model", _metric_head(b, b.primary_metric), "95% CI", "Dataset", "Source", "Date", "Notes"],
            [":---", ":---:", ":---:", ":---", ":---", ":---", ":---"],
            rows,
        ),
        "",
    ]
    body: list[str] = []
    for x in b.reported:
        body += [f"**{md(x.model_name)}** ({code(x.eval_id)}, reported)", ""]
        body += [*_metrics_rows(b, x.metrics), ""]
    out += ['??? abstract "Full metrics of reported results"', "", *_indent(body), ""]
    return out


def _breakdown(b: BenchmarkBoard, label: str, bd: Breakdown) -> list[str]:
    rows = []
    n_medals = min(3, len(bd.groups) - 1)
    for i, g in enumerate(bd.groups):
        group = f"{MEDALS[i + 1]} {md(g.group)}" if i < n_medals else md(g.group)
        rows.append([group, *[value_text(g.metrics.get(m)) for m in bd.metrics], str(g.N)])
    body = _table(
        [md(bd.label), *[_metric_head(b, m) for m in bd.metrics], "N"],
        ["---", *(["---:"] * len(bd.metrics)), "---:"],
        rows,
    )
    if bd.sort_metric:
        direction = b.metric_directions.get(bd.sort_metric, "higher")
        body += ["", f"Groups sorted by {md(bd.sort_metric)}: {direction_sentence(direction)}"]
    if bd.withheld:
        body += ["", f"{bd.withheld} group(s) withheld: smaller than the suite's minimum group size."]
    if bd.gap is not None:
        body += ["", md(gap_sentence(bd.gap))]
    return [f'??? note "{label} by {md(bd.label)}"', "", *_indent(body), ""]


def _curves(label: str, r: Row | Reported) -> list[str]:
    body: list[str] = []
    probes: dict[str, list] = {}
    for c in r.curves:
        probes.setdefault(c.probe, []).append(c)
    for probe, cs in probes.items():
        levels = cs[0].levels
        rows = [
            [num(x, 3), *[num(c.values[i]) if i < len(c.values) else DASH for c in cs]]
            for i, x in enumerate(levels)
        ]
        body += [f"**{md(probe)}**", ""]
        body += _table(["Severity", *[md(c.quantity) for c in cs]], ["---:", *(["---:"] * len(cs))], rows)
        body.append("")
    return [f'??? note "{md(label)}: robustness curves"', "", *_indent(body)]


def _unranked_table(items, title: str, kind: str) -> list[str]:  # noqa: ANN001
    rows = [
        [md(u.model_name), value_text(u.score), md(u.dataset), u.evidence, u.date, md(u.reason)]
        for u in items
    ]
    body = _table(
        ["Model", "Score", "Dataset", "Evidence", "Date", "Reason"],
        [":---", ":---:", ":---", ":---", ":---", ":---"],
        rows,
    )
    return [f'??? {kind} "{title} ({len(items)})"', "", *_indent(body), ""]


def render_board(b: BenchmarkBoard) -> list[str]:
    icon = domain_icon(b.health_domain)
    out = [f'<a id="{a}"></a>' for a in b.aliases]
    out += [
        "" if b.aliases else None,
        f"### {icon + ' ' if icon else ''}{md(b.name)} {{ #{b.anchor} }}",
        "",
        f"**Task**: {md(b.ai_task)} | **Health Topic**: {md(b.health_topic)} | **Benchmark**: {code(b.id)}",
        "",
        f"*{md(b.description)}*",
        "",
        '!!! info "Clinical Relevance"',
        _IND + md(b.clinical_relevance),
        "",
        "#### Leaderboard",
        "",
    ]
    out = [x for x in out if x is not None]
    if b.tables:
        if len(b.tables) > 1:
            out += [
                f"{len(b.tables)} test sets, one ranked table each: results on different test sets are not "
                "ranked against each other.",
                "",
            ]
        for t in b.tables:
            out += _ranked_section(b, t)
    else:
        out += ["*No ranked evaluations yet.*", ""]
    if b.reported:
        out += _reported_section(b)
    if b.not_rankable:
        out += _unranked_table(b.not_rankable, "Listed apart: not rankable", "warning")
    if b.failed:
        out += _unranked_table(b.failed, "Failed evaluations (not ranked)", "failure")
    owners = b.shown_results()
    if any(r.breakdowns for _, r in owners):
        out += [
            "#### 📊 Granular Performance Breakdown",
            "",
            "Expand sections below to see how models perform across different conditions:",
            "",
        ]
        for label, r in owners:
            for bd in r.breakdowns:
                out += _breakdown(b, md(label), bd)
    if any(r.curves for _, r in owners):
        out += ["#### Robustness curves", ""]
        for label, r in owners:
            if r.curves:
                out += [*_curves(label, r), ""]
    out += [
        "---",
        "",
        f"*Ranked by {md(b.primary_metric)}. {direction_sentence(b.direction)} "
        f"Last updated from {b.evaluations} evaluation(s).*",
        "",
    ]
    return out


def render_markdown(lb: Leaderboard, sections: Mapping[str, list[str]] | None = None) -> str:
    """The whole leaderboard page as Markdown (deterministic).

    ``sections`` (benchmark id -> ``render_board`` lines) lets boards be rendered elsewhere;
    ``lb`` then only needs the boards' headings (LeaderboardPlan.shell)."""
    s = lb.stats
    out = [
        f"# {md(lb.title)}",
        "",
        '!!! success "Benchmark Hub Stats"',
        f"    📚 **{s.benchmarks}** Benchmarks | 🤖 **{s.models}** Models Evaluated | "
        f"📊 **{s.evaluations}** Total Evaluations",
        "",
        "Welcome to the **fmbench Benchmark Hub** for health foundation models, aligned with the "
        "ITU/WHO FG-AI4H deliverables. Rankings below show **all submitted models**, best first, "
        "by each benchmark's primary metric.",
        "",
        "Only results measured on the **same test set** (suite, dataset, split and evaluated rows) are "
        "ranked together: a benchmark has one ranked table per test set, its canonical suite first. A "
        "model is represented by its **pre-specified** run (the suite's own seeds and protocol; the "
        "latest, never the best); runs with another seed or protocol are listed as exploratory, and "
        "results reported in papers sit in their own unranked table.",
        "",
        "A rank such as **=2** means the model cannot be told apart from the best model of that rank. "
        "When a table's runs resampled the same rows, this comes from paired bootstrap replicates, "
        "Holm-adjusted over the table's pairwise comparisons, and each row shows its 95% rank interval; "
        "otherwise (said under the table) from overlapping 95% confidence intervals. ↑ marks a metric "
        "where higher is better, ↓ one where lower is better.",
        "",
    ]
    if lb.last_updated:
        out += [f"*Newest evaluation: {lb.last_updated}.*", ""]
    out += ["## Quick Navigation", ""]
    names = {b.id: b.name for b in lb.benchmarks}
    for d in lb.domains:
        icon = domain_icon(d.name)
        links = ", ".join(f"[{md(names[i])}](#{lb.benchmark(i).anchor})" for i in d.benchmarks)
        out.append(f"- [{icon + ' ' if icon else ''}{md(d.name)}](#{d.anchor}): {links}")
    out += ["", "---", ""]
    boards = {b.id: b for b in lb.benchmarks}
    for d in lb.domains:
        icon = domain_icon(d.name)
        out += [f"## {icon + ' ' if icon else ''}{md(d.name)} {{ #{d.anchor} }}", ""]
        for bid in d.benchmarks:
            out += sections[bid] if sections is not None else render_board(boards[bid])
    if lb.skipped:
        body = [f"- {md(s)}" for s in lb.skipped]
        out += [f'??? warning "Skipped records ({len(lb.skipped)})"', "", *_indent(body), ""]
    out += [
        "---",
        "",
        "## 🚀 Submit Your Model { #submit-your-model }",
        "",
        "Want to see your foundation model on these leaderboards?",
        "",
        "1. 📥 **Install** the benchmark suite: `pip install -e .`",
        "2. 🧪 **Run** an evaluation on your own machine: `python -m fmbench run --help` "
        "(robustness: `python -m fmbench run-robustness --help`)",
        f"3. 📤 **Submit** the eval record: see the [Submission Guide]({SUBMISSION_GUIDE})",
        "",
        "*Aligned with [ITU/WHO FG-AI4H](https://www.itu.int/pub/T-FG-AI4H) standards for "
        "healthcare AI evaluation.*",
        "",
    ]
    return "\n".join(out)
