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

DataOption = Annotated[
    Path | None,
    typer.Option(
        "--data",
        help="Your own data instead of the suite's dataset (the suite keeps protocol, split, metrics): a "
        "folder with X.npy + meta.csv, or the hub's earlier X.npy + y.npy + metadata.csv + info.json; or a "
        "file: .csv, .tsv, .parquet (table), .h5ad (a sparse X stays sparse), .jsonl (texts), DNA sequences "
        "(FASTA .fa/.fasta/.fna, or a .tsv/.csv with a seq column; .gz allowed).",
    ),
]
LabelColumnOption = Annotated[
    str | None,
    typer.Option("--label-column", help="With --data: the column (obs column, JSON field) of the labels "
                 "(default: the suite's label column, else 'label'; the earlier layout: y.npy)."),
]
MetaColumnsOption = Annotated[
    str | None,
    typer.Option("--meta-columns", help="With --data TABLE: comma-separated metadata columns; every other "
                 "column is a feature (default: non-numeric and id-like columns are metadata)."),
]
TextColumnOption = Annotated[
    str | None,
    typer.Option("--text-column", help="With --data texts (.jsonl, .csv): the field holding the text "
                 "(default: text)."),
]
SequenceColumnOption = Annotated[
    str | None,
    typer.Option("--sequence-column", help="With --data DNA sequences in a TSV/CSV: the column holding the "
                 "sequence (default: seq or sequence)."),
]
LabelsFileOption = Annotated[
    Path | None,
    typer.Option("--labels", help="With --data FASTA: a TSV/CSV with an id column and the label column, "
                 "for FASTA headers without label=… fields."),
]
StrataOption = Annotated[
    str | None,
    typer.Option("--strata", help="With --data: comma-separated metadata columns to report metrics by "
                 "(default: the suite's strata that the data has)."),
]


def data_options(data: Path | None, *, label_column: str | None, meta_columns: str | None,
                 text_column: str | None, strata: str | None, sequence_column: str | None = None,
                 labels_file: Path | None = None):  # noqa: ANN201 - DataOptions | None
    """The ``--data`` reading options as ``fmbench.data.user_data.DataOptions`` (None without
    ``--data``; any of them without ``--data`` is refused, since it would be silently ignored)."""
    from fmbench.errors import ConfigError

    given = {"--label-column": label_column, "--meta-columns": meta_columns, "--text-column": text_column,
             "--strata": strata, "--sequence-column": sequence_column, "--labels": labels_file}
    if data is None:
        used = [flag for flag, value in given.items() if value is not None]
        if used:
            raise ConfigError(f"{used[0]} applies to your own data: add --data PATH (or drop {used[0]})")
        return None
    from fmbench.data.user_data import DataOptions

    def names(flag: str, value: str | None) -> tuple[str, ...] | None:
        if value is None:
            return None
        parts = tuple(dict.fromkeys(p.strip() for p in value.split(",") if p.strip()))
        if not parts:
            raise ConfigError(f"{flag}: give at least one column name, e.g. {flag} site,sex")
        return parts

    return DataOptions(label_column=label_column or None, meta_columns=names("--meta-columns", meta_columns),
                       text_column=text_column or None, strata=names("--strata", strata),
                       sequence_column=sequence_column or None, labels_file=labels_file)
