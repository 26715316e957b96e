"""`build-leaderboard`: records on disk -> Markdown, HTML site and JSON on disk."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fmbench.errors import RecordError

OUTPUT_CACHE_FORMAT = 3


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
    output_cache_hit: bool = False
    cache_errors: list[str] = field(default_factory=list)  # caches not saved (the build is complete)
    timings: dict[str, float] = field(default_factory=dict)


def _load_outputs(path: Path, key: str) -> dict | None:
    from fmbench.leaderboard.cachefile import load_pickle

    data = load_pickle(path)
    return data if isinstance(data, dict) and data.get("key") == key else None


def _check_targets(*, out_md: Path | None, out_json: Path | None, out_html: Path | None) -> None:
    """Refuse unusable output paths before anything is built or written, so that one bad path
    never leaves the other outputs half-updated."""
    for flag, path, folder in (("--out-md", out_md, False), ("--out-json", out_json, False),
                               ("--out-html", out_html, True)):
        if path is None:
            continue
        path = Path(path)
        if folder and path.exists() and not path.is_dir():
            raise RecordError(f"{flag} {path}: exists and is not a folder; pass a folder for the site")
        if not folder and path.is_dir():
            raise RecordError(f"{flag} {path}: is a folder; pass a file path to write")
        blocker = next((p for p in path.parents if p.exists()), None)
        if blocker is not None and not blocker.is_dir():
            raise RecordError(f"{flag} {path}: {blocker} is a file, so the path cannot be created")


def build_leaderboard(
    evals: Sequence[Path],
    *,
    out_md: Path | None = None,
    out_html: Path | None = None,
    out_json: Path | None = None,
    strict: bool = False,
    catalog_dirs: Sequence[Path] = (),
    cache_dir: Path | None = None,
    workers: int | None = None,
) -> PublishResult:
    """Collect, validate, rank and write every requested output; nothing is written when
    ``strict`` and a record is invalid (RecordError listing every skipped file).

    With a ``cache_dir``, parsed records are cached by content hash, and the rendered outputs
    of the last build are kept with the fingerprint of its inputs (catalog, every file name
    and content hash): when nothing changed, they are written again without parsing anything.
    """
    from fmbench import __version__
    from fmbench.catalog.registry import load_catalog
    from fmbench.leaderboard.collect import inputs_fingerprint, scan_and_check
    from fmbench.records.io import write_outputs, write_text_atomic

    t0 = time.perf_counter()
    _check_targets(out_md=out_md, out_json=out_json, out_html=out_html)
    if workers is None:
        workers = min(4, os.cpu_count() or 1) if sys.platform == "linux" else 1
    catalog = load_catalog(catalog_dirs)
    # Every file is read, hashed and (unless the record cache knows its content) validated.
    checked = scan_and_check(list(evals), catalog, cache_dir=cache_dir, workers=workers)
    wanted = (out_md is not None, out_json is not None, out_html is not None)
    key = f"{OUTPUT_CACHE_FORMAT}:{__version__}:{wanted}:{inputs_fingerprint(checked.files, catalog)}"
    out_cache = None if cache_dir is None else Path(cache_dir) / "last-build.pickle"
    hit = None if out_cache is None else _load_outputs(out_cache, key)
    if hit is not None:  # nothing changed since the last build: its outputs, no ranking
        out = PublishResult(skipped=hit["skipped"], records=hit["records"], cache_hits=len(checked.files),
                            output_cache_hit=True)
    else:
        res = checked.summaries()
        out = PublishResult(skipped=list(res.skipped), records=len(res.infos), cache_hits=res.cache_hits)
    out.cache_errors += checked.cache_errors
    t1 = time.perf_counter()
    if strict and out.skipped:
        raise RecordError(f"--strict: {len(out.skipped)} invalid record(s): " + "; ".join(out.skipped))
    if hit is not None:
        md_text, json_text, site = hit["md"], hit["json"], hit["site"]
    else:
        from fmbench.leaderboard.boards import plan_leaderboard
        from fmbench.leaderboard.outputs import Wanted, render_outputs

        plan = plan_leaderboard([i for _, i in res.infos], catalog, skipped=res.skipped)
        outputs = render_outputs(plan, Wanted(*wanted), workers=workers)
        md_text, json_text, site = outputs.md, outputs.json, outputs.site
        if out_cache is not None:
            from fmbench.leaderboard.cachefile import save_pickle

            error = save_pickle(out_cache, {"key": key, "skipped": out.skipped, "records": out.records,
                                            "md": md_text, "json": json_text, "site": site})
            out.cache_errors += [error] if error else []
    t2 = time.perf_counter()
    if out_md is not None and md_text is not None:
        write_text_atomic(out_md, md_text)
        out.written.append(out_md)
    if out_json is not None and json_text is not None:
        write_text_atomic(out_json, json_text)
        out.written.append(out_json)
    if out_html is not None and site is not None:
        out.written += write_outputs(out_html, site)
    t3 = time.perf_counter()
    out.timings = {
        "scan+check": t1 - t0,
        "build+render": t2 - t1,
        "write": t3 - t2,
        "total": t3 - t0,
    }
    return out
