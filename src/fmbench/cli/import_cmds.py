"""import-records: migrate the hub's earlier records (or copy current ones) into a folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fmbench.cli.options import CatalogOption


def import_records(
    paths: Annotated[list[Path], typer.Argument(
        help="Record files or folders (searched for *.yaml, *.yml, *.json).")],
    out: Annotated[Path, typer.Option("--out", help="Folder to write the current-format records to.")],
    catalog: CatalogOption = None,
) -> None:
    """Write records of the hub's earlier format (or current ones) as current eval records.

    Earlier records are migrated with everything they hold (notes, run metadata, breakdowns,
    probe curves, original ids) and become evidence: reported. Nothing is written unless every
    file is valid.
    """
    from fmbench.catalog.registry import load_catalog
    from fmbench.cli.console import console
    from fmbench.errors import NotFoundError
    from fmbench.leaderboard.collect import record_files
    from fmbench.records.importing import import_records as run_import

    for p in paths:
        if not p.exists():
            raise NotFoundError(f"{p}: no such file or folder")
    result = run_import(record_files(paths), out, load_catalog(catalog or []))
    for dup, first in result.duplicates:
        console.print(f"{dup}: same record as {first}; written once")
    console.print(f"wrote {len(result.written)} record(s) to {out} ({result.migrated} file(s) migrated "
                  "from the hub's earlier format)")


def register(app: typer.Typer) -> None:
    app.command("import-records")(import_records)
