"""Leaderboard -> a static HTML site: index, one page per benchmark, CSV and JSON.

Plain files (open index.html from disk; no server, no CDN). jinja2 autoescaping escapes
every string from a record; the SVG plots escape their own labels. CSS and the small
table-sorting script are inlined into every page so that a hub can serve a single page,
and are also written under ``assets/``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

import jinja2
from markupsafe import Markup

from fmbench.leaderboard.boards import slug
from fmbench.leaderboard.htmlparts import (
    TIE_WORDS,
    breakdown_sections,
    exploratory_table,
    metric_head,
    metrics_table,
    ranking_table,
    reported_metrics_table,
    reported_table,
    wrap,
)
from fmbench.leaderboard.jsonout import board_csv, render_json
from fmbench.leaderboard.model import BenchmarkBoard, Leaderboard, RankedTable
from fmbench.leaderboard.text import (
    ci_text,
    direction_mark,
    direction_sentence,
    domain_icon,
    interval_text,
    num,
    rank_text,
    value_text,
)
from fmbench.svgplot import forest_plot, line_chart

MAX_CURVE_MODELS = 10


@dataclass(frozen=True)
class SiteLinks:
    """Where pages link to, relative to ``base_url``; ``{id}`` and ``{anchor}`` are filled in.

    The defaults fit the static site; a server can pass e.g.
    ``SiteLinks(index="", benchmark="benchmarks/{id}", csv="benchmarks/{id}.csv", json="api/leaderboards")``.
    """

    index: str = "index.html"
    benchmark: str = "{anchor}.html"
    csv: str = "{anchor}.csv"
    json: str = "leaderboard.json"

    def resolve(self, base_url: str) -> dict:
        def href(template: str):  # noqa: ANN202
            return lambda b: base_url + template.format(id=b.id, anchor=b.anchor)

        return {
            "index": base_url + self.index,
            "json": base_url + self.json,
            "benchmark": href(self.benchmark),
            "csv": href(self.csv),
        }


def _asset(name: str) -> str:
    return (resources.files("fmbench.leaderboard") / "templates" / name).read_text(encoding="utf-8")


@cache
def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("fmbench.leaderboard", "templates"),
        autoescape=True,
        keep_trailing_newline=True,
        trim_blocks=False,
        lstrip_blocks=False,
        undefined=jinja2.StrictUndefined,
    )
    env.globals.update(
        num=num,
        ci_text=ci_text,
        value_text=value_text,
        rank_text=rank_text,
        direction_sentence=direction_sentence,
        domain_icon=domain_icon,
        tie_words=TIE_WORDS,
        ranking_table=ranking_table,
        reported_table=reported_table,
        metric_head=metric_head,
        interval_text=interval_text,
        direction_mark=direction_mark,
        wrap=wrap,
        css=Markup(_asset("leaderboard.css")),  # noqa: S704 - our own packaged asset
        js=Markup(_asset("sortable.js")),  # noqa: S704 - our own packaged asset
    )
    return env


def render_html_index(
    lb: Leaderboard,
    *,
    base_url: str = "",
    links: SiteLinks | None = None,
    cards: Mapping[str, str] | None = None,
) -> str:
    """The index page: stats, navigation by domain, each benchmark's ranked table.

    ``cards`` (benchmark id -> ``render_index_card``) lets boards be rendered elsewhere; ``lb``
    then only needs the boards' headings (LeaderboardPlan.shell)."""
    link = (links or SiteLinks()).resolve(base_url)
    boards = {b.id: b for b in lb.benchmarks}
    if cards is None:
        cards = {b.id: render_index_card(b, link) for b in lb.benchmarks}
    safe = {k: Markup(v) for k, v in cards.items()}  # noqa: S704 - rendered by our autoescaping templates
    page = _env().get_template("index.html")
    return page.render(lb=lb, boards=boards, cards=safe, link=link, page_title=lb.title)


def render_index_card(b: BenchmarkBoard, link: dict) -> str:
    """One benchmark's section of the index page (``link`` from SiteLinks.resolve)."""
    return str(_env().get_template("macros.html").module.card(b, link))  # type: ignore[attr-defined]


def _metric_cols(b: BenchmarkBoard, rows: list) -> list[str]:  # noqa: ANN001 - Row or Reported
    cols: list[str] = []
    for r in rows:
        cols += [m for m in r.metrics if m not in cols]
    order = list(b.metric_directions)
    return sorted(cols, key=lambda m: (order.index(m) if m in order else len(order), m))


def _curve_charts(b: BenchmarkBoard) -> list[tuple[str, Markup]]:
    shown = [r for _, r in b.shown_results()][:MAX_CURVE_MODELS]
    keys: list[tuple[str, str]] = []
    for r in shown:
        keys += [(c.probe, c.quantity) for c in r.curves if (c.probe, c.quantity) not in keys]
    out = []
    for probe, quantity in sorted(keys):
        series = [
            (label, c.levels, c.values)
            for label, r in b.shown_results()[:MAX_CURVE_MODELS]
            for c in r.curves
            if (c.probe, c.quantity) == (probe, quantity)
        ]
        out.append(
            (f"{quantity} under {probe}", line_chart(series, xlabel=f"{probe} severity", ylabel=quantity))
        )
    return out


def render_html_benchmark(
    lb: Leaderboard, benchmark_id: str, *, base_url: str = "", links: SiteLinks | None = None
) -> str:
    """One benchmark's page: ranked tables, forest plots, full metrics, reported results,
    breakdowns, curves."""
    return render_html_board(lb.benchmark(benchmark_id), title=lb.title, base_url=base_url, links=links)


def _table_parts(b: BenchmarkBoard, t: RankedTable) -> dict:
    forest = forest_plot(
        [(r.model_name, r.score.value, r.score.ci) for r in t.rows if r.score.value is not None],  # type: ignore[misc]
        metric=b.primary_metric,
        direction=b.direction,
    )
    return {
        "t": t,
        "ranking_html": ranking_table(b, t),
        "forest": forest,
        "metrics_table": metrics_table(b, _metric_cols(b, t.rows), t.rows),
        "exploratory_html": exploratory_table(t) if t.exploratory else "",
    }


def render_html_board(
    b: BenchmarkBoard, *, title: str, base_url: str = "", links: SiteLinks | None = None
) -> str:
    """The page of one board (``title``: the leaderboard's title, for the browser tab)."""
    return (
        _env()
        .get_template("benchmark.html")
        .render(
            b=b,
            link=(links or SiteLinks()).resolve(base_url),
            page_title=f"{b.name} · {title}",
            tables=[_table_parts(b, t) for t in b.tables],
            reported_html=reported_table(b) if b.reported else "",
            reported_metrics=reported_metrics_table(b, _metric_cols(b, b.reported)) if b.reported else "",
            has_breakdowns=any(r.breakdowns for _, r in b.shown_results()),
            breakdown_html=breakdown_sections(b),
            curve_charts=_curve_charts(b),
            domain_anchor=slug(b.health_domain),
        )
    )


def render_html_site(lb: Leaderboard) -> dict[str, str | bytes]:
    """Relative file name -> content for the whole static site."""
    link = SiteLinks().resolve("")
    pages = {b.id: (render_html_board(b, title=lb.title), board_csv(b)) for b in lb.benchmarks}
    cards = {b.id: render_index_card(b, link) for b in lb.benchmarks}
    return assemble_site(lb, pages=pages, cards=cards, json_text=render_json(lb))


def assemble_site(
    lb: Leaderboard,
    *,
    pages: Mapping[str, tuple[str, str]],
    cards: Mapping[str, str],
    json_text: str,
) -> dict[str, str | bytes]:
    """The site's files from its rendered parts: per benchmark id (page HTML, CSV) and index
    card, and the leaderboard JSON. ``lb`` may be a shell (boards' headings only)."""
    files: dict[str, str | bytes] = {"index.html": render_html_index(lb, cards=cards)}
    for b in lb.benchmarks:
        page, csv_text = pages[b.id]
        files[f"{b.anchor}.html"] = page
        files[f"{b.anchor}.csv"] = csv_text
    files["leaderboard.json"] = json_text
    files["assets/leaderboard.css"] = _asset("leaderboard.css")
    files["assets/sortable.js"] = _asset("sortable.js")
    return files
