"""``fmbench sweep`` as a library call: resolve the grid, run it, build its boards.

Everything the grid names (suites, model configs, seeds, the output folder) is checked before a
cluster starts or anything is written, so a bad sweep is one line and exit status 2.
"""

from __future__ import annotations

from pathlib import Path

from fmbench.errors import ConfigError
from fmbench.sweep.cells import Plan, plan_cells, resolve_models, resolve_suites
from fmbench.sweep.cluster import ClusterChoice
from fmbench.sweep.engine import SweepReporter, SweepResult, run_sweep
from fmbench.sweep.spec import SweepSpec


def _path(value: str | Path | None, base: Path) -> Path | None:
    if value is None:
        return None
    p = Path(value).expanduser()
    return p if p.is_absolute() else base / p


def plan_sweep(spec: SweepSpec, *, base: Path, source: str | None = None,
               data_dir: Path | None = None) -> Plan:
    """The grid of ``spec`` resolved against ``base`` (the sweep file's folder, or the working folder
    for command-line options); ``source`` names the sweep file in messages (None: the options)."""
    from fmbench.catalog.registry import load_catalog

    catalog_dirs = [_path(c, base) for c in spec.catalog]
    catalog = load_catalog(catalog_dirs)  # type: ignore[arg-type]
    data_dir = data_dir if data_dir is not None else _path(spec.data_dir, base)
    suites = resolve_suites(spec.suites, catalog, source=source)
    models = resolve_models(spec.model_entries(), catalog, base=base, source=source, resources=spec.resources)
    cells, seeds = plan_cells(catalog, models, suites, spec.seeds, data_dir=data_dir)
    return Plan(catalog=catalog, models=models, suites=suites, seeds=seeds, cells=cells, data_dir=data_dir,
                catalog_dirs=catalog_dirs)  # type: ignore[arg-type]


def check_out(out: Path, *, flag: str = "--out") -> None:
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{flag} {out}: exists and is not a directory; give a folder for the sweep's cells")


def run_planned(plan: Plan, spec: SweepSpec, *, out: Path, leaderboard: Path | None = None,
                reporter: SweepReporter | None = None) -> SweepResult:
    """Run ``plan`` (from ``plan_sweep(spec)``) into ``out``; build the boards into ``leaderboard``."""
    check_out(out)
    if leaderboard is not None:
        check_out(leaderboard, flag="--leaderboard")
    choice = ClusterChoice.of(spec.cluster, workers=spec.workers, resources=spec.resources,
                              retries=spec.retries, slurm=spec.slurm)
    result = run_sweep(plan, out, choice, reporter=reporter)
    if leaderboard is not None:
        result.leaderboard = build_boards(result, leaderboard, catalog_dirs=plan.catalog_dirs)
    return result


def build_boards(result: SweepResult, folder: Path, *, catalog_dirs: list[Path]) -> list[Path]:
    """The leaderboards of the sweep's records (seeds a suite declares aggregated as mean ± sd):
    ``folder/index.md``, ``folder/leaderboard.json`` and the site under ``folder/html/``."""
    from fmbench.leaderboard.publish import build_leaderboard

    records = [result.out / c.cell.rel / "eval.yaml" for c in result.cells]
    records = [p for p in records if p.is_file()]
    if not records:
        return []
    built = build_leaderboard(records, out_md=folder / "index.md", out_json=folder / "leaderboard.json",
                              out_html=folder / "html", catalog_dirs=catalog_dirs, cache_dir=None)
    return [folder / "index.md", folder / "leaderboard.json", folder / "html" / "index.html"] if built else []
