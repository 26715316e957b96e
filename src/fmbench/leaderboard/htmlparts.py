"""The large, repetitive parts of the HTML pages, built with plain string joins.

A jinja2 loop costs several microseconds per cell; a leaderboard of 1,000 models with
breakdowns has hundreds of thousands of cells. Every string from a record goes through
``markupsafe.escape`` here exactly as autoescaping would.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from fmbench.leaderboard.model import BenchmarkBoard, Breakdown, Cell, RankedTable, Row
from fmbench.leaderboard.text import (
    DASH,
    INTERVAL_LEGEND,
    ci_text,
    direction_mark,
    direction_sentence,
    gap_sentence,
    interval_text,
    medal,
    num,
    rank_text,
    value_text,
)
from fmbench.svgplot import bar_chart

TIE_WORDS = {
    "paired": "paired bootstrap, Holm-adjusted p ≥ 0.05",
    "ci": "95% CIs overlap",
    "value": "inside the other's CI or equal values",
}


def wrap(table: str) -> str:
    """Wide tables scroll inside this container, never the page."""
    return f'<div class="table-wrap">{table}</div>'


def metric_head(b: BenchmarkBoard, metric: str) -> str:
    mark = direction_mark(b.metric_directions.get(metric, "higher"), b.metric_targets.get(metric))
    word = {"↑": "higher is better", "↓": "lower is better"}.get(mark, "best inside the target band")
    return f'{escape(metric)} <span class="dir" title="{word}">{escape(mark)}</span>'


def _sortval(c: Cell | None) -> str:
    return "" if c is None or c.value is None else repr(c.value)


def _num_td(c: Cell | None, *, with_ci: bool = False) -> str:
    tip = (
        []
        if c is None
        else [x for x in (c.reason, c.ci_method, c.definition and f"earlier definition: {c.definition}") if x]
    )
    title = f' title="{escape("; ".join(tip))}"' if tip else ""
    ci = f"<br><small>{ci_text(c)}</small>" if with_ci and c is not None and c.ci is not None else ""
    return f'<td class="num" data-sort="{_sortval(c)}"{title}>{value_text(c)}{ci}</td>'


def _rank_td(r: Row) -> str:
    title = ""
    if r.tie_method:
        p = f", P(better model wins) = {r.p_better:.3f}" if r.p_better is not None else ""
        adj = f", Holm-adjusted p = {r.p_adjusted:.3f}" if r.p_adjusted is not None else ""
        why = f"{TIE_WORDS[r.tie_method]}{p}{adj}"
        title = f' title="cannot be told apart from the best model of this rank ({why})"'
    return f'<td class="rank" data-sort="{r.rank}"{title}>{rank_text(r.rank, r.rank_label)}</td>'


def _model_td(r: Row) -> str:
    deco = medal(r.rank) + ("👑" if r.rank == 1 else "")
    span = f' <span class="medal" aria-hidden="true">{deco}</span>' if deco else ""
    return f"<td><strong>{escape(r.model_name)}</strong>{span}</td>"


def _score(r: Row) -> str:
    if r.seeds is not None:
        sd = f" ± {r.seeds.sd:.4f}" if r.seeds.sd is not None else ""
        return (
            f"{num(r.seeds.mean)}{sd}<br><small>{num(r.seeds.min)}–{num(r.seeds.max)} over "
            f"{len(r.seeds.seeds)} seeds</small>"
        )
    return num(r.score.value)


def ranking_table(b: BenchmarkBoard, t: RankedTable) -> Markup:
    head = (
        '<thead><tr><th>Rank</th><th title="95% rank interval from the paired bootstrap replicates">'
        "95% rank interval</th><th>Model</th>"
        f"<th>{metric_head(b, b.primary_metric)}</th><th>95% CI</th><th>Dataset</th><th>Evidence</th>"
        "<th>Date</th></tr></thead>"
    )
    rows = []
    for r in t.rows:
        rows.append(
            f"<tr>{_rank_td(r)}"
            f'<td class="rank-ci" data-sort="{r.rank_interval[1] if r.rank_interval else ""}">'
            f"{interval_text(r.rank_interval)}</td>{_model_td(r)}"
            f'<td class="num" data-sort="{_sortval(r.score)}">{_score(r)}</td>'
            f'<td class="num">{ci_text(r.score)}</td><td>{escape(r.dataset)}</td>'
            f"<td>{r.evidence}</td><td>{r.date}</td></tr>"
        )
    return Markup(  # noqa: S704 - labels escaped above
        wrap(
            f'<table class="sortable ranking" data-benchmark="{escape(b.id)}" '
            f'data-test-set="{escape(t.test_set.key)}">{head}<tbody>\n'
            + "\n".join(rows)
            + "\n</tbody></table>"
        )
    )


def reported_table(b: BenchmarkBoard) -> Markup:
    head = (
        f"<thead><tr><th>Model</th><th>{metric_head(b, b.primary_metric)}</th><th>95% CI</th>"
        "<th>Dataset</th><th>Source</th><th>Date</th><th>Notes</th></tr></thead>"
    )
    rows = [
        f"<tr><td><strong>{escape(x.model_name)}</strong></td>"
        f'<td class="num" data-sort="{_sortval(x.score)}">{value_text(x.score)}</td>'
        f'<td class="num">{ci_text(x.score)}</td><td>{escape(x.dataset)}</td>'
        f"<td>{escape(x.source) if x.source else DASH}</td><td>{x.date}</td>"
        f"<td>{escape(x.notes) if x.notes else ''}</td></tr>"
        for x in b.reported
    ]
    return Markup(  # noqa: S704 - labels escaped above
        wrap(
            f'<table class="sortable reported" data-benchmark="{escape(b.id)}">{head}<tbody>\n'
            + "\n".join(rows)
            + "\n</tbody></table>"
        )
    )


def exploratory_table(t: RankedTable) -> Markup:
    head = (
        "<thead><tr><th>Model</th><th>Score</th><th>95% CI</th><th>Date</th><th>Why not ranked</th>"
        "<th>Record</th></tr></thead>"
    )
    rows = [
        f'<tr><td>{escape(x.model_name)}</td>{_num_td(x.score)}<td class="num">{ci_text(x.score)}</td>'
        f"<td>{x.date}</td><td>{escape(x.reason)}</td><td><code>{escape(x.eval_id)}</code></td></tr>"
        for x in t.exploratory
    ]
    return Markup(  # noqa: S704 - labels escaped above
        wrap(f'<table class="sortable exploratory">{head}<tbody>\n' + "\n".join(rows) + "\n</tbody></table>")
    )


def metrics_table(b: BenchmarkBoard, cols: list[str], rows_of: list[Row] | None = None) -> Markup:
    rows_of = b.rows if rows_of is None else rows_of
    head = (
        "<thead><tr><th>Rank</th><th>Model</th>"
        + "".join(f"<th>{metric_head(b, m)}</th>" for m in cols)
        + "</tr></thead>"
    )
    rows = [
        f"<tr>{_rank_td(r)}<td>{escape(r.model_name)}</td>"
        + "".join(_num_td(r.metrics.get(m), with_ci=True) for m in cols)
        + "</tr>"
        for r in rows_of
    ]
    notes = []
    for r in rows_of:
        extra = []
        if r.seeds is not None:
            per = ", ".join(f"seed {s.seed}: {num(s.value)}" for s in r.seeds.seeds)
            extra.append(f"Per seed: {per}; metrics shown are the latest seed's record")
        if r.source:
            extra.append(f"Source: {escape(r.source)}")
        if r.notes:
            extra.append(f"Notes: {escape(r.notes)}")
        if r.definitions:
            extra.append(f"Definitions: {escape(r.definitions)}")
        if extra:
            notes.append(
                f'<p class="meta"><strong>{escape(r.model_name)}</strong> '
                f"(<code>{escape(r.eval_id)}</code>). " + ". ".join(extra) + "</p>"
            )
    notes.append(f'<p class="meta">{escape(INTERVAL_LEGEND)}</p>')
    return Markup(  # noqa: S704 - labels escaped above
        wrap(f'<table class="sortable">{head}<tbody>\n' + "\n".join(rows) + "\n</tbody></table>")  # noqa: S704
        + "\n"
        + "\n".join(notes)
    )


def reported_metrics_table(b: BenchmarkBoard, cols: list[str]) -> Markup:
    head = (
        "<thead><tr><th>Model</th>" + "".join(f"<th>{metric_head(b, m)}</th>" for m in cols) + "</tr></thead>"
    )
    rows = [
        f"<tr><td>{escape(x.model_name)}</td>"
        + "".join(_num_td(x.metrics.get(m), with_ci=True) for m in cols)
        + "</tr>"
        for x in b.reported
    ]
    return Markup(  # noqa: S704 - labels escaped above
        wrap(f'<table class="sortable">{head}<tbody>\n' + "\n".join(rows) + "\n</tbody></table>")
    )


def _breakdown(b: BenchmarkBoard, label: str, bd: Breakdown) -> str:
    head = (
        f"<thead><tr><th>{escape(bd.label)}</th>"
        + "".join(f"<th>{metric_head(b, m)}</th>" for m in bd.metrics)
        + "<th>N</th></tr></thead>"
    )
    rows = [
        f"<tr><td>{escape(g.group)}</td>"
        + "".join(_num_td(g.metrics.get(m)) for m in bd.metrics)
        + f'<td class="num">{g.N}</td></tr>'
        for g in bd.groups
    ]
    meta = ""
    if bd.sort_metric:
        withheld = (
            f" {bd.withheld} group(s) withheld: smaller than the suite's minimum group size."
            if bd.withheld
            else ""
        )
        meta = (
            f'<p class="meta">Groups sorted by {escape(bd.sort_metric)}: '
            f"{direction_sentence(b.metric_directions.get(bd.sort_metric, 'higher'))}{withheld}</p>"
        )
    if bd.gap is not None:
        meta += f'\n<p class="meta">{escape(gap_sentence(bd.gap))}</p>'
    chart = ""
    if bd.sort_metric:
        m = bd.sort_metric
        chart = bar_chart(
            [(g.group, g.metrics[m].value if m in g.metrics else None, g.N) for g in bd.groups], metric=m
        )
    return (
        f"<details><summary><strong>{escape(label)}</strong> by {escape(bd.label)}</summary>\n"
        + wrap(f'<table class="sortable">{head}<tbody>\n' + "\n".join(rows) + "\n</tbody></table>")
        + f"\n{meta}\n{chart}\n"
        "</details>"
    )


def breakdown_sections(b: BenchmarkBoard) -> Markup:
    return Markup(  # noqa: S704 - labels escaped in _breakdown
        "\n".join(_breakdown(b, label, bd) for label, r in b.shown_results() for bd in r.breakdowns)
    )
