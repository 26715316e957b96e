"""Leaderboard -> one Markdown page for MkDocs Material (docs/leaderboards/index.md).

Uses the admonition, pymdownx.details (``???`` collapsible blocks), attr_list (heading
anchors) and tables extensions, as configured in mkdocs.yml. Every string that comes from
a record goes through ``text.md``.
"""

from __future__ import annotations

from collections.abc import Mapping

from fmbench.leaderboard.model import BenchmarkBoard, Breakdown, Leaderboard, Row
from fmbench.leaderboard.text import (
    DASH,
    MEDALS,
    ci_text,
    code,
    direction_sentence,
    domain_icon,
    md,
    num,
    rank_text,
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


def _ranking_table(b: BenchmarkBoard) -> list[str]:
    rows = []
    for r in b.rows:
        name = f"**{md(r.model_name)}**" + (" 👑" if r.rank == 1 else "")
        rows.append(
            [
                rank_text(r.rank, r.rank_label),
                name,
                num(r.score.value),
                ci_text(r.score),
                md(r.dataset),
                r.evidence,
                r.date,
            ]
        )
    return _table(
        ["Rank", "Model", f"{md(b.primary_metric)}", "95% CI", "Dataset", "Evidence", "Date"],
        [":---:", ":---", ":---:", ":---:", ":---", ":---", ":---"],
        rows,
    )


def _full_metrics(b: BenchmarkBoard) -> list[str]:
    body: list[str] = []
    for r in b.rows:
        body += [
            f"**{rank_text(r.rank, r.rank_label)} · {md(r.model_name)}** "
            f"({code(r.eval_id)}, {r.evidence}, {r.records} record(s))",
            "",
        ]
        rows = [
            [
                md(name),
                num(c.value),
                ci_text(c),
                DASH if c.n is None else str(c.n),
                md(c.reason) if c.reason else "",
            ]
            for name, c in r.metrics.items()
        ]
        body += _table(
            ["Metric", "Value", "95% CI", "N", "Note"], ["---", "---:", ":---:", "---:", "---"], rows
        )
        body.append("")
        if r.source:
            body += [f"Source: {md(r.source)}", ""]
        if r.notes:
            body += [f"Notes: {md(r.notes)}", ""]
    return ['??? abstract "Full metrics for all models"', "", *_indent(body)]


def _breakdown(r: Row, bd: Breakdown, direction: str) -> list[str]:
    rows = []
    n_medals = min(3, len(bd.groups) - 1)
    for i, g in enumerate(bd.groups):
        label = f"{MEDALS[i + 1]} {md(g.group)}" if i < n_medals else md(g.group)
        rows.append([label, *[value_text(g.metrics.get(m)) for m in bd.metrics], str(g.N)])
    body = _table(
        [md(bd.label), *[md(m) for m in bd.metrics], "N"],
        ["---", *(["---:"] * len(bd.metrics)), "---:"],
        rows,
    )
    if bd.sort_metric:
        body += ["", f"Groups sorted by {md(bd.sort_metric)}: {direction_sentence(direction)}"]
    if bd.withheld:
        body += ["", f"{bd.withheld} group(s) withheld: smaller than the suite's minimum group size."]
    return [f'??? note "{md(r.model_name)} by {md(bd.label)}"', "", *_indent(body), ""]


def _curves(r: Row) -> list[str]:
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
    return [f'??? note "{md(r.model_name)}: robustness curves"', "", *_indent(body)]


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
    out = [
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
    if b.rows:
        out += [*_ranking_table(b), ""]
        out += [*_full_metrics(b), ""]
    else:
        out += ["*No ranked evaluations yet.*", ""]
    if b.not_rankable:
        out += _unranked_table(b.not_rankable, "Listed apart: not rankable", "warning")
    if b.failed:
        out += _unranked_table(b.failed, "Failed evaluations (not ranked)", "failure")
    with_breakdowns = [r for r in b.rows if r.breakdowns]
    if with_breakdowns:
        out += [
            "#### 📊 Granular Performance Breakdown",
            "",
            "Expand sections below to see how models perform across different conditions:",
            "",
        ]
        for r in with_breakdowns:
            for bd in r.breakdowns:
                out += _breakdown(r, bd, b.metric_directions.get(bd.sort_metric or "", "higher"))
    with_curves = [r for r in b.rows if r.curves]
    if with_curves:
        out += ["#### Robustness curves", ""]
        for r in with_curves:
            out += [*_curves(r), ""]
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
        "A rank such as **=2** means the model cannot be told apart from the best model of that rank: "
        "paired from bootstrap replicates when both records were resampled the same way, otherwise "
        "by overlap of 95% confidence intervals; results without a CI (reported from papers) are "
        "separated by their point values. *Evidence* says whether fmbench produced the result "
        "(`run`) or it was taken from a paper or self-report (`reported`).",
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
