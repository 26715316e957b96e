"""cache ls, cache clear: the on-disk cache of model outputs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fmbench.cli.options import JsonOption

CacheDirOption = Annotated[
    Path | None,
    typer.Option(
        "--cache-dir", help="Model-output cache folder (default $FMBENCH_CACHE/outputs or ~/.cache/fmbench/outputs)."
    ),
]


def cache_ls(cache_dir: CacheDirOption = None, as_json: JsonOption = False) -> None:
    """List cached model outputs by model, dataset, protocol and method."""
    import json

    from fmbench.cache import cache_root, list_cache
    from fmbench.cli.console import console

    rows = list_cache(cache_dir)
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    if not rows:
        console.print(f"no cached outputs in {cache_root(cache_dir)}")
        return
    from rich.table import Table

    table = Table("Model", "Dataset", "Protocol", "Method", "Entries", "Size")
    for r in rows:
        table.add_row(
            r["model"],
            r["dataset"],
            r["protocol"],
            r["method"],
            str(r["entries"]),
            f"{r['bytes'] / 1024:.1f} KiB",
        )
    console.print(table)
    total = sum(r["bytes"] for r in rows)
    n = sum(r["entries"] for r in rows)
    console.print(f"{n} entries, {total / 1024 / 1024:.2f} MiB in {cache_root(cache_dir)}")


def cache_clear(
    cache_dir: CacheDirOption = None,
    model: Annotated[str | None, typer.Option("--model", help="Only this model id.")] = None,
    dataset: Annotated[str | None, typer.Option("--dataset", help="Only this dataset id.")] = None,
) -> None:
    """Delete cached model outputs (all, or of one model / dataset)."""
    from fmbench.cache import cache_root, clear_cache
    from fmbench.cli.console import console

    n = clear_cache(cache_dir, model=model, dataset=dataset)
    console.print(f"removed {n} cached entries from {cache_root(cache_dir)}")


def register(app: typer.Typer) -> None:
    cache_app = typer.Typer(help="Inspect or clear the cache of model outputs.", no_args_is_help=True)
    cache_app.command("ls")(cache_ls)
    cache_app.command("clear")(cache_clear)
    app.add_typer(cache_app, name="cache")
