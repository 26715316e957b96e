"""Leaderboards: collect eval records -> rank with tie groups -> render Markdown, HTML, JSON.

This package imports only ``fmbench.catalog``, ``fmbench.records``, ``fmbench.errors`` and
``fmbench.yamlio`` (plus numpy, pydantic, jinja2), so a hub can render leaderboards without
the evaluation stack. Public API (stable; the hub imports these names)::

    res = collect([Path("evals")], catalog, cache_dir=Path(".fmbench/cache"))
    lb = build([r for _, r in res.records], catalog, skipped=res.skipped)
    render_markdown(lb); render_json(lb); render_html_site(lb)
"""

from fmbench.leaderboard.build import build
from fmbench.leaderboard.collect import CollectResult, collect
from fmbench.leaderboard.html import (
    SiteLinks,
    render_html_benchmark,
    render_html_index,
    render_html_site,
)
from fmbench.leaderboard.jsonout import leaderboard_csv, leaderboard_json_schema, render_json
from fmbench.leaderboard.markdown import render_markdown
from fmbench.leaderboard.model import Leaderboard

__all__ = [
    "CollectResult",
    "Leaderboard",
    "SiteLinks",
    "build",
    "collect",
    "leaderboard_csv",
    "leaderboard_json_schema",
    "render_html_benchmark",
    "render_html_index",
    "render_html_site",
    "render_json",
    "render_markdown",
]
