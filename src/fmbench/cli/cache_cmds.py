"""cache ls, cache clear: the on-disk cache of model outputs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fmbench.cli.options import JsonOption

CacheDirOption = Annotated[
    Path | None,
    typer.Option(
        "--cache-dir",
        help="Model-output cache folder (default $FMBENCH_CACHE/outputs or ~/.cache/fmbench/outputs).",
    ),
]


def _keyed_on_text(keyed: dict | None) -> str:
    """The key's parts, a few short lines: config digest, files and modules, packages, dataset, created."""
    if keyed is None:
        return "(no manifest: written by fmbench < 0.3, never read again; `cache clear` removes it)"

    def plural(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    packages = [f"{d} {v}" for d, v in (keyed.get("packages") or {}).items()]
    shown = ", ".join(packages[:6]) + (f", +{len(packages) - 6} more" if len(packages) > 6 else "")
    harness = keyed.get("fmbench") or {}
    size = keyed.get("file_bytes") or 0
    lines = [
        f"config {str(keyed.get('config_digest') or '?').removeprefix('sha256:')[:12]}",
        f"{plural(keyed.get('files') or 0, 'file')} ({size / 2**20:.1f} MiB), "
        f"{plural(keyed.get('modules') or 0, 'module')}",
        f"{plural(len(packages), 'package')}: {shown}" if packages else "no packages",
        f"fmbench {harness.get('version', '?')}{' (checkout)' if harness.get('source') else ''}, "
        f"Python {keyed.get('python') or '?'}",
        f"data {str(keyed.get('dataset_digest') or '?').removeprefix('sha256:')[:12]}",
        f"created {keyed.get('created') or '?'}",
    ]
    return "\n".join(lines)


def cache_ls(cache_dir: CacheDirOption = None, as_json: JsonOption = False) -> None:
    """List cached model outputs by model, dataset, protocol and method, with what each was keyed on.

    Each entry folder's key covers the model config, the content of the files its init_kwargs or
    options name, its modules' sources and package versions, fmbench and Python, the dataset and
    the protocol's settings; --json gives all of it (the full manifest is manifest.json in the folder).
    """
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

    table = Table("Model", "Dataset", "Protocol", "Method", "Entries", "Size", "Keyed on", show_lines=True)
    for r in rows:
        table.add_row(
            r["model"],
            r["dataset"],
            r["protocol"] + (f"\nkey {r['key']}" if r.get("key") else ""),
            r["method"],
            str(r["entries"]),
            f"{r['bytes'] / 1024:.1f} KiB",
            _keyed_on_text(r.get("keyed_on")),
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
