"""``fmbench quickstart``: every baseline on every runnable suite, then the leaderboard."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from fmbench.catalog.registry import load_catalog
from fmbench.errors import ConfigError, FmbenchError
from fmbench.reports.tables import estimate_text


def _say(message: str) -> None:
    from fmbench.cli.console import console

    console.print(message)


def run_quickstart(out: Path, *, suites: list[str] | None = None, evals: Path | None = Path("evals"),
                   data_dir: Path | None = None, every_baseline: bool = False) -> list[Path]:
    """Run the suites' baselines (``every_baseline``: those marked ``in_quickstart: false`` too,
    as evals/make_run_records.py does) and build the leaderboard from them and ``evals``."""
    from fmbench.runner import run_suite
    from fmbench.tasks.base import PROTOCOLS

    catalog = load_catalog()
    chosen = suites or sorted(s.id for s in catalog.suites.values() if s.baselines)
    for sid in chosen:
        catalog.suite(sid)
    runs_dir = out / "runs"
    written: list[Path] = []
    for sid in chosen:
        suite = catalog.suite(sid)
        if suite.protocol not in PROTOCOLS:
            _say(f"skip {sid}: protocol {suite.protocol!r} is not available in this installation")
            continue
        for model_id in suite.baselines:
            card = catalog.models.get(model_id)
            if card is not None and not card.in_quickstart and not every_baseline:
                _say(f"skip {sid} · {model_id}: too slow for quickstart ({card.name}); run it with "
                     f"python -m fmbench run --suite {sid} --model {model_id} --out DIR")
                continue
            target = runs_dir / sid / model_id
            try:
                outcome = run_suite(sid, model_id, target, catalog=catalog, data_dir=data_dir)
            except FmbenchError as exc:
                raise ConfigError(f"quickstart: {sid} with {model_id} failed: {exc}") from None
            except KeyboardInterrupt as exc:
                from fmbench.cli.interrupted import as_interrupted

                done = [f"{len(written)} run(s) in {runs_dir}"] if written else []
                raise as_interrupted(exc, target=target, finished=done) from None
            primary = catalog.benchmark(suite.benchmark_id).primary_metric
            _say(f"{sid:28s} {model_id:18s} {primary} = {estimate_text(outcome.record.metrics.get(primary))}")
            written.append(target / "eval.yaml")
    _say(f"records and reports: {runs_dir.resolve()}")
    if importlib.util.find_spec("fmbench.leaderboard") is not None:
        written += _build_leaderboard(out, [p for p in [evals, runs_dir] if p is not None and p.exists()], catalog)
    return written


def _build_leaderboard(out: Path, evals: list[Path], catalog) -> list[Path]:  # noqa: ANN001
    try:
        from fmbench import leaderboard as lb
    except ImportError:
        return []
    if not hasattr(lb, "collect"):
        return []
    from fmbench.records.io import write_outputs, write_text_atomic

    collected = lb.collect(evals, catalog)
    board = lb.build([r for _, r in collected.records], catalog, skipped=collected.skipped)
    md = out / "leaderboard" / "index.md"
    write_text_atomic(md, lb.render_markdown(board))
    write_text_atomic(out / "leaderboard" / "leaderboard.json", lb.render_json(board))
    site = out / "leaderboard" / "site"
    write_outputs(site, lb.render_html_site(board))
    _say(f"leaderboard: {md.resolve()}  ·  {(site / 'index.html').resolve()}")
    return [md, site / "index.html"]
