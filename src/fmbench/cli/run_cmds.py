"""run, generate-toy-data, quickstart."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fmbench.cli.options import CatalogOption, DataDirOption


def run(
    suite: Annotated[str, typer.Option("--suite", help="Suite id (see `fmbench list-suites`).")],
    model: Annotated[str, typer.Option("--model", help="Model config YAML, or a built-in model id such as logistic.")],
    out: Annotated[Path, typer.Option("--out", help="Output folder for eval.yaml, report.md, report.html.")],
    seed: Annotated[int | None, typer.Option("--seed", help="Override the suite's split and bootstrap seeds.")] = None,
    predictions: Annotated[Path | None, typer.Option(
        "--predictions", help="Score predictions made elsewhere (JSONL), for suites whose protocol supports it.")] = None,
    protocol: Annotated[str | None, typer.Option(
        "--protocol", help="Run with another protocol (e.g. linear_probe) instead of the suite's.")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Continue an interrupted run from its cache.")] = False,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Do not read or write the output cache.")] = False,
    catalog: CatalogOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Run one suite on one model; write DIR/eval.yaml, DIR/report.md, DIR/report.html."""
    from fmbench.catalog.registry import load_catalog
    from fmbench.cli.console import console
    from fmbench.reports.tables import estimate_text
    from fmbench.runner import run_suite

    cat = load_catalog(catalog or [])
    options = {"predictions": predictions, "protocol": protocol, "resume": resume, "no_cache": no_cache}
    outcome = run_suite(suite, model, out, catalog=cat, data_dir=data_dir, seed=seed,
                        options={k: v for k, v in options.items() if v not in (None, False)})
    rec = outcome.record
    primary = cat.benchmark(rec.benchmark_id).primary_metric
    if primary not in rec.metrics:
        primary = next(iter(rec.metrics))
    console.print(f"{rec.suite_id} · {rec.model.id}: {primary} = {estimate_text(rec.metrics[primary])}")
    for f in outcome.files:
        console.print(f"wrote {f}")


def generate_toy_data(
    out: Annotated[Path | None, typer.Option("--out", help="Data folder (default: the data directory).")] = None,
    dataset: Annotated[list[str] | None, typer.Option("--dataset", help="Dataset id(s); default all generated.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Regenerate even if present.")] = False,
    catalog: CatalogOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Generate the seeded toy datasets of the catalog (also done on demand by `run`)."""
    from fmbench.catalog.registry import load_catalog
    from fmbench.cli.console import console
    from fmbench.data.store import generate_dataset

    cat = load_catalog(catalog or [])
    ids = dataset or sorted(d.id for d in cat.datasets.values() if d.source == "generated")
    for ds_id in ids:
        card = cat.dataset(ds_id)
        if card.source != "generated":
            from fmbench.errors import ConfigError

            raise ConfigError(f"--dataset {ds_id}: source is {card.source!r}, not generated")
        folder = generate_dataset(card, out or data_dir, force=force)
        console.print(f"{ds_id}: {folder}")


def quickstart(
    out: Annotated[Path, typer.Option("--out", help="Folder for all records, reports and the leaderboard.")] = Path(
        "fmbench-out"),
    suites: Annotated[list[str] | None, typer.Option("--suite", help="Only these suites (repeatable).")] = None,
    evals: Annotated[Path, typer.Option("--evals", help="The hub's committed records to include.")] = Path("evals"),
    data_dir: DataDirOption = None,
) -> None:
    """Run every built-in baseline on every runnable suite, then build the leaderboard."""
    from fmbench.quickstart import run_quickstart

    run_quickstart(out, suites=suites, evals=evals, data_dir=data_dir)


def register(app: typer.Typer) -> None:
    app.command("run")(run)
    app.command("generate-toy-data")(generate_toy_data)
    app.command("quickstart")(quickstart)
