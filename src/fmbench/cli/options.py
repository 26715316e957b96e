"""Options shared by several commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

CatalogOption = Annotated[
    list[Path] | None,
    typer.Option("--catalog", help="Folder of your own catalog YAML, laid over the built-in one (repeatable)."),
]
DataDirOption = Annotated[
    Path | None,
    typer.Option("--data-dir", envvar="FMBENCH_DATA",
                 help="Where datasets live and generated data is written (default ~/.cache/fmbench/data)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
