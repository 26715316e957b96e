"""Leaderboards: collect eval records -> rank with tie groups -> render Markdown, HTML, JSON.

This package imports only ``fmbench.catalog``, ``fmbench.records``, ``fmbench.errors`` and
``fmbench.yamlio`` (plus numpy, pydantic, jinja2), so a hub can render leaderboards without
the evaluation stack. Public API (stable; the hub imports these names)::

    res = collect([Path("evals")], catalog, cache_dir=Path(".fmbench/cache"))
    lb = build([r for _, r in res.records], catalog, skipped=res.skipped)
    render_markdown(lb); render_json(lb); render_html_site(lb)

Everything but ``collect`` loads on first use (PEP 562), so ``build-leaderboard`` with
nothing changed since its last build imports no ranking or rendering code (no numpy, no
jinja2). ``collect`` is imported here because a submodule of that name exists: importing a
submodule binds its name on the package, which would hide a lazy name.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from fmbench.leaderboard.collect import CollectResult, collect

_EXPORTS = {
    "Leaderboard": "fmbench.leaderboard.model",
    "build": "fmbench.leaderboard.boards",
    "SiteLinks": "fmbench.leaderboard.html",
    "leaderboard_csv": "fmbench.leaderboard.jsonout",
    "leaderboard_json_schema": "fmbench.leaderboard.jsonout",
    "render_html_benchmark": "fmbench.leaderboard.html",
    "render_html_index": "fmbench.leaderboard.html",
    "render_html_site": "fmbench.leaderboard.html",
    "render_json": "fmbench.leaderboard.jsonout",
    "render_markdown": "fmbench.leaderboard.markdown",
}

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

if TYPE_CHECKING:
    from fmbench.leaderboard.boards import build
    from fmbench.leaderboard.html import SiteLinks, render_html_benchmark, render_html_index, render_html_site
    from fmbench.leaderboard.jsonout import leaderboard_csv, leaderboard_json_schema, render_json
    from fmbench.leaderboard.markdown import render_markdown
    from fmbench.leaderboard.model import Leaderboard


def __getattr__(name: str) -> Any:  # noqa: ANN401 - PEP 562 lazy attribute
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'fmbench.leaderboard' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
