"""list-benchmarks, list-suites, list-datasets, list-models, list-metrics, validate."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from fmbench.cli.options import CatalogOption, JsonOption


def _print_table(title: str, columns: list[str], rows: list[list[str]], as_json: bool) -> None:
    from fmbench.cli.console import console

    if as_json:
        keys = [c.lower().replace(" ", "_") for c in columns]
        print(json.dumps([dict(zip(keys, r, strict=True)) for r in rows], indent=2))
        return
    from rich.table import Table

    table = Table(title=title)
    for c in columns:
        table.add_column(c, overflow="fold")
    for r in rows:
        table.add_row(*r)
    console.print(table)


def list_benchmarks(catalog: CatalogOption = None, as_json: JsonOption = False) -> None:
    """List benchmarks: id, name, domain, task, primary metric and its direction."""
    from fmbench.catalog.registry import load_catalog

    cat = load_catalog(catalog or [])
    rows = [[b.id, b.name, b.health_domain, b.ai_task, b.primary_metric, b.primary.direction,
             ", ".join(b.strata)] for b in sorted(cat.benchmarks.values(), key=lambda b: b.id)]
    _print_table("Benchmarks", ["ID", "Name", "Domain", "Task", "Primary metric", "Direction", "Strata"],
                 rows, as_json)


def list_suites(catalog: CatalogOption = None, as_json: JsonOption = False) -> None:
    """List runnable suites: id, benchmark, dataset, protocol, split, baselines."""
    from fmbench.catalog.registry import load_catalog

    cat = load_catalog(catalog or [])
    rows = [[s.id, s.benchmark_id, s.dataset_id, s.protocol, s.split.kind, ", ".join(s.baselines)]
            for s in sorted(cat.suites.values(), key=lambda s: s.id)]
    _print_table("Suites", ["ID", "Benchmark", "Dataset", "Protocol", "Split", "Baselines"], rows, as_json)


def list_datasets(catalog: CatalogOption = None, as_json: JsonOption = False) -> None:
    """List dataset cards: id, name, source, format, license."""
    from fmbench.catalog.registry import load_catalog

    cat = load_catalog(catalog or [])
    rows = [[d.id, d.name, d.source, d.generator or d.loader or "", d.format, d.license]
            for d in sorted(cat.datasets.values(), key=lambda d: d.id)]
    _print_table("Datasets", ["ID", "Name", "Source", "Generator or loader", "Format", "License"], rows, as_json)


def list_models(catalog: CatalogOption = None, as_json: JsonOption = False) -> None:
    """List model cards: built-in baselines and the models the hub lists."""
    from fmbench.catalog.registry import load_catalog

    cat = load_catalog(catalog or [])
    rows = [[m.id, m.name, m.modality, "yes" if m.baseline else "no", m.license, m.repo or "", m.paper or ""]
            for m in sorted(cat.models.values(), key=lambda m: (not m.baseline, m.id.lower()))]
    _print_table("Models", ["ID", "Name", "Modality", "Baseline", "License", "Repo", "Paper"], rows, as_json)


def list_metrics(as_json: JsonOption = False) -> None:
    """List every metric fmbench computes: name, direction, range, the data it needs, protocols."""
    from fmbench.metrics.registry import metric_registry

    def bound(v: float | None) -> str:
        return "" if v is None else f"{v:g}"

    rows = [[m.name, m.direction, f"[{bound(m.min)}, {bound(m.max)}]", m.needs, ", ".join(m.protocols)]
            for m in sorted(metric_registry().values(), key=lambda m: (m.needs, m.name.lower()))]
    _print_table("Metrics", ["Name", "Direction", "Range", "Needs", "Protocols"], rows, as_json)


def validate(
    paths: Annotated[list[Path], typer.Argument(
        help="Catalog YAML files, model configs, eval records, or folders of them.")],
    catalog: CatalogOption = None,
    convert: Annotated[bool, typer.Option(
        "--convert",
        help="Write files of the hub's earlier format, where complete, as <name>.converted.yaml.")] = False,
    strict: Annotated[bool, typer.Option(
        "--strict", help="Also apply the hub's intake checks to records (metric names, CIs, n, the suite's data).")
    ] = False,
) -> None:
    """Validate catalog files, model configs and eval records; print each problem as `file: field: message`.

    Files in the hub's earlier format are recognised: records are migrated, catalog files and model
    configs are explained (which fields to rename or add) or, with --convert, converted."""
    from fmbench.cli import fail
    from fmbench.cli.console import console
    from fmbench.validation import validate_paths

    warnings: list[str] = []
    converted: list[Path] = []
    checked, problems = validate_paths(paths, extra_catalog=catalog or [], warnings=warnings, convert=convert,
                                       converted=converted, strict=strict)
    for path in converted:
        console.print(f"wrote {path}")
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)
    for p in problems:
        print(p)
    if problems:
        fail(f"{len(problems)} problem(s) in {checked} file(s)")
    console.print(f"{checked} file(s) valid")


def register(app: typer.Typer) -> None:
    app.command("list-benchmarks")(list_benchmarks)
    app.command("list-suites")(list_suites)
    app.command("list-datasets")(list_datasets)
    app.command("list-models")(list_models)
    app.command("list-metrics")(list_metrics)
    app.command("validate")(validate)
