"""`build-leaderboard`: records on disk -> Markdown, HTML site and JSON on disk."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fmbench.errors import RecordError


def default_cache_dir() -> Path:
    env = os.environ.get("FMBENCH_CACHE")
    root = Path(env) if env else Path.home() / ".cache" / "fmbench"
    return root / "leaderboard"


@dataclass
class PublishResult:
    skipped: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    records: int = 0
    cache_hits: int = 0
    timings: dict[str, float] = field(default_factory=dict)


def build_leaderboard(evals: Sequence[Path], *, out_md: Path | None = None, out_html: Path | None = None,
                      out_json: Path | None = None, strict: bool = False, catalog_dirs: Sequence[Path] = (),
                      cache_dir: Path | None = None) -> PublishResult:
    """Collect, validate, rank and write every requested output; nothing is written when
    ``strict`` and a record is invalid (RecordError listing every skipped file)."""
    from fmbench.catalog.registry import load_catalog
    from fmbench.leaderboard.build import build
    from fmbench.leaderboard.collect import collect
    from fmbench.leaderboard.html import render_html_site
    from fmbench.leaderboard.jsonout import render_json
    from fmbench.leaderboard.markdown import render_markdown
    from fmbench.records.io import write_outputs, write_text_atomic

    t0 = time.perf_counter()
    catalog = load_catalog(catalog_dirs)
    res = collect(list(evals), catalog, cache_dir=cache_dir)
    t1 = time.perf_counter()
    if strict and res.skipped:
        raise RecordError(f"--strict: {len(res.skipped)} invalid record(s): " + "; ".join(res.skipped))
    lb = build([r for _, r in res.records], catalog, skipped=res.skipped)
    t2 = time.perf_counter()
    out = PublishResult(skipped=list(res.skipped), records=len(res.records), cache_hits=res.cache_hits)
    rendered: list[tuple[Path, str | dict[str, str | bytes]]] = []
    if out_md is not None:
        rendered.append((out_md, render_markdown(lb)))
    if out_json is not None:
        rendered.append((out_json, render_json(lb)))
    if out_html is not None:
        rendered.append((out_html, render_html_site(lb)))
    t3 = time.perf_counter()
    for path, content in rendered:
        if isinstance(content, dict):
            out.written += write_outputs(path, content)
        else:
            write_text_atomic(path, content)
            out.written.append(path)
    t4 = time.perf_counter()
    out.timings = {"collect": t1 - t0, "build": t2 - t1, "render": t3 - t2, "write": t4 - t3, "total": t4 - t0}
    return out
