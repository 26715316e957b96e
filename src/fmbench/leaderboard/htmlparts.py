"""The large, repetitive parts of the HTML pages, built with plain string joins.

A jinja2 loop costs several microseconds per cell; a leaderboard of 1,000 models with
breakdowns has hundreds of thousands of cells. Every string from a record goes through
``markupsafe.escape`` here exactly as autoescaping would.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from fmbench.leaderboard.model import BenchmarkBoard, Breakdown, Cell, Row
from fmbench.leaderboard.text import ci_text, direction_sentence, num, rank_text, value_text
from fmbench.svgplot import bar_chart

TIE_WORDS = {
    "paired": "paired bootstrap difference CI contains 0",
    "ci": "95% CIs overlap",
    "value": "inside the other's CI or equal values",
}


def _sortval(c: Cell | None) -> str:
    return "" if c is None or c.value is None else repr(c.value)


def _num_td(c: Cell | None, *, with_ci: bool = False) -> str:
    title = f' title="{escape(c.reason)}"' if c is not None and c.reason else ""
    ci = f"<br><small>{ci_text(c)}</small>" if with_ci and c is not None and c.ci is not None else ""
    return f'<td class="num" data-sort="{_sortval(c)}"{title}>{value_text(c)}{ci}</td>'


def _rank_td(r: Row) -> str:
    title = ""
    if r.tie_method:
        p = f", P(better model wins) = {r.p_better:.3f}" if r.p_better is not None else ""
        title = (
            f' title="cannot be told apart from the best model of this rank ({TIE_WORDS[r.tie_method]}{p})"'
        )
    return f'<td data-sort="{r.rank}"{title}>{rank_text(r.rank, r.rank_label)}</td>'


def ranking_table(b: BenchmarkBoard) -> Markup:
    head = (
        "<thead><tr><th>Rank</th><th>Model</th>"
        f"<th>{escape(b.primary_metric)}</th><th>95% CI</th><th>Dataset</th><th>Evidence</th><th>Date</th>"
        "</tr></thead>"
    )
    rows = []
    for r in b.rows:
        crown = " 👑" if r.rank == 1 else ""
        rows.append(
            f"<tr>{_rank_td(r)}<td><strong>{escape(r.model_name)}</strong>{crown}</td>"
            f'<td class="num" data-sort="{_sortval(r.score)}">{num(r.score.value)}</td>'
            f'<td class="num">{ci_text(r.score)}</td><td>{escape(r.dataset)}</td>'
            f"<td>{r.evidence}</td><td>{r.date}</td></tr>"
        )
    return Markup(  # noqa: S704 - labels escaped above
        f'<table class="sortable ranking" data-benchmark="{escape(b.id)}">{head}<tbody>\n'  # noqa: S704
        + "\n".join(rows)
        + "\n</tbody></table>"
    )


def metrics_table(b: BenchmarkBoard, cols: list[str]) -> Markup:
    head = (
        "<thead><tr><th>Rank</th><th>Model</th>"
        + "".join(f"<th>{escape(m)}</th>" for m in cols)
        + "</tr></thead>"
    )
    rows = [
        f"<tr>{_rank_td(r)}<td>{escape(r.model_name)}</td>"
        + "".join(_num_td(r.metrics.get(m), with_ci=True) for m in cols)
        + "</tr>"
        for r in b.rows
    ]
    notes = []
    for r in b.rows:
        if r.source or r.notes:
            src = f". Source: {escape(r.source)}" if r.source else ""
            nts = f". Notes: {escape(r.notes)}" if r.notes else ""
            notes.append(
                f'<p class="meta"><strong>{escape(r.model_name)}</strong> '
                f"(<code>{escape(r.eval_id)}</code>){src}{nts}</p>"
            )
    return Markup(  # noqa: S704 - labels escaped above
        f'<table class="sortable">{head}<tbody>\n'
        + "\n".join(rows)  # noqa: S704
        + "\n</tbody></table>\n"
        + "\n".join(notes)
    )


def _breakdown(b: BenchmarkBoard, r: Row, bd: Breakdown) -> str:
    head = (
        f"<thead><tr><th>{escape(bd.label)}</th>"
        + "".join(f"<th>{escape(m)}</th>" for m in bd.metrics)
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
    chart = ""
    if bd.sort_metric:
        m = bd.sort_metric
        chart = bar_chart(
            [(g.group, g.metrics[m].value if m in g.metrics else None, g.N) for g in bd.groups], metric=m
        )
    return (
        f"<details><summary><strong>{escape(r.model_name)}</strong> by {escape(bd.label)}</summary>\n"
        f'<table class="sortable">{head}<tbody>\n'
        + "\n".join(rows)
        + f"\n</tbody></table>\n{meta}\n{chart}\n"
        "</details>"
    )


def breakdown_sections(b: BenchmarkBoard) -> Markup:
    return Markup("\n".join(_breakdown(b, r, bd) for r in b.rows for bd in r.breakdowns))  # noqa: S704
