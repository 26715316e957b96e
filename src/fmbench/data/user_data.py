"""Your own data in place of a suite's dataset: ``run --data PATH`` and ``run-robustness --data PATH``.

PATH is recognised by what it is (one loader module per format, ``fmbench.data.loaders``):

==========================  ==================================================  ====================
fmbench folder              ``X.npy`` + ``meta.csv``                            ``npy_table``
the hub's earlier folder    ``X.npy`` + ``y.npy`` (+ ``metadata.csv``,          ``earlier_hub_folder``
                            ``info.json``)
table                       ``.csv``, ``.tsv``, ``.parquet``                    ``table_file``
single-cell                 ``.h5ad`` (a sparse X stays sparse)                 ``anndata``
texts                       ``.jsonl``, or a ``.csv`` with a text column        ``text_file``
DNA sequences               FASTA (``.fa``, ``.fasta``, ``.fna``; labels in     ``sequences``
                            the headers or ``--labels FILE``), or a TSV/CSV
                            with a ``seq``/``sequence`` column; ``.gz`` allowed
==========================  ==================================================  ====================

The suite still decides protocol, split, metrics and bootstrap (``adapt_suite``): only what names
columns the data lacks is dropped (a split group, a bootstrap cluster, required metadata, a
positive class not among the labels), and ``--strata`` picks the columns to report by.

Identity on the board: the dataset id is ``DS-USER-<name>`` (``name``: the folder or file name)
and the digest is a sha256 over the sha256 of each file read *and* how it was read (format, label,
text and metadata columns). So a copy of a built-in dataset's files never shares its digest, and
another label column is another test set: the leaderboard, which groups records by (suite,
dataset id, digest, split, n), never ranks user data in the suite's own table.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fmbench.catalog.schema import DatasetCard, SuiteSpec
from fmbench.data.columns import did_you_mean, listing
from fmbench.data.dataset import Dataset
from fmbench.data.digest import combined_digest, file_sha256
from fmbench.data.loaders import LOADERS
from fmbench.data.loaders.table_file import TABLE_SUFFIXES
from fmbench.data.loaders.text_file import TEXT_SUFFIXES
from fmbench.data.sequence_files import SEQUENCE_COLUMNS, base_suffix, is_fasta
from fmbench.data.sequence_files import TABLE_SUFFIXES as SEQUENCE_TABLE_SUFFIXES
from fmbench.errors import ConfigError, DataError, NotFoundError

SUPPORTED = (
    "a folder with X.npy + meta.csv, or X.npy + y.npy (+ metadata.csv, info.json); "
    "or a file: .csv, .tsv, .parquet, .h5ad, .jsonl, FASTA (.fa, .fasta, .fna), or .tsv.gz/.csv.gz/.fa.gz "
    "of DNA sequences"
)
FLAGS = {"label_column": "--label-column", "meta_columns": "--meta-columns", "text_column": "--text-column",
         "sequence_column": "--sequence-column", "labels_file": "--labels"}


@dataclass(frozen=True)
class DataOptions:
    """How to read ``--data``: the command's ``--label-column``, ``--meta-columns``,
    ``--text-column`` and ``--strata`` (None: not given)."""

    label_column: str | None = None
    meta_columns: tuple[str, ...] | None = None
    text_column: str | None = None
    strata: tuple[str, ...] | None = None
    sequence_column: str | None = None  # DNA tables: the sequence column (default seq or sequence)
    labels_file: Path | None = None  # FASTA: a TSV/CSV of id and label


@dataclass(frozen=True)
class Format:
    """One way of reading ``--data``: the loader, the files it reads, a short name."""

    name: str
    loader: str
    files: tuple[str, ...]  # inside a folder; () for a single file
    hashes_itself: bool = False  # the loader's digest already is the file digest (anndata)


FMBENCH_FOLDER = Format("fmbench folder", "npy_table", ("X.npy", "meta.csv"))
EARLIER_FOLDER = Format("earlier hub folder", "earlier_hub_folder",
                        ("X.npy", "y.npy", "metadata.csv", "info.json"))
TABLE = Format("table", "table_file", ())
H5AD = Format("h5ad", "anndata", (), hashes_itself=True)
TEXTS = Format("texts", "text_file", ())
SEQUENCES = Format("sequences", "sequences", ())


@dataclass(frozen=True)
class UserData:
    card: DatasetCard  # as the loader read it (e.g. with info.json's sampling_freq)
    dataset: Dataset
    suite: SuiteSpec  # the suite adapted to the data's columns
    provenance: dict[str, Any]  # what the record says about the data (no local paths)


def _csv_header(path: Path) -> list[str]:
    import pandas as pd

    try:
        sep = "\t" if base_suffix(path) in (".tsv", ".txt") else ","
        return [str(c) for c in pd.read_csv(path, nrows=0, sep=sep)]
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError, OSError, EOFError):
        return []  # the table loader reports the problem


def _is_sequence_table(path: Path, options: DataOptions) -> bool:
    if options.sequence_column:
        return True
    return bool(set(_csv_header(path)) & set(SEQUENCE_COLUMNS)) and not options.text_column


def detect_format(path: Path, options: DataOptions) -> Format:
    """The format of ``--data PATH``; anything else is one line naming what is supported."""
    if not path.exists():
        raise NotFoundError(f"--data {path}: no such file or folder")
    if path.is_dir():
        has = {name for name in ("X.npy", "y.npy", "meta.csv", "metadata.csv") if (path / name).is_file()}
        if {"X.npy", "y.npy"} <= has:
            return EARLIER_FOLDER
        if {"X.npy", "meta.csv"} <= has:
            return FMBENCH_FOLDER
        if "X.npy" in has:
            raise DataError(f"--data {path}: X.npy but neither meta.csv (fmbench's layout) nor y.npy (the "
                            f"hub's earlier layout, with metadata.csv and info.json); add the labels")
        raise DataError(f"--data {path}: no X.npy in this folder; --data takes {SUPPORTED}")
    suffix = path.suffix.lower()
    if path.stat().st_size == 0:
        raise DataError(f"--data {path}: the file is empty")
    if is_fasta(path):
        return SEQUENCES
    if suffix in (".gz", ".gzip"):  # read only as sequences: the loader names what is wrong inside
        if base_suffix(path) in SEQUENCE_TABLE_SUFFIXES:
            return SEQUENCES
        raise DataError(f"--data {path}: a compressed file is read only as DNA sequences (FASTA, or a "
                        f"TSV/CSV with a seq column); decompress other files first")
    if suffix in SEQUENCE_TABLE_SUFFIXES and _is_sequence_table(path, options):
        return SEQUENCES
    if suffix == ".h5ad":
        return H5AD
    if suffix in TEXT_SUFFIXES:
        return TEXTS
    if suffix in TABLE_SUFFIXES:
        if suffix in (".csv", ".tsv") and (options.text_column or (
                "text" in _csv_header(path) and not options.meta_columns)):
            return TEXTS
        return TABLE
    kind = suffix or "(no extension)"
    raise DataError(f"--data {path}: unsupported file type {kind!r}; --data takes {SUPPORTED}")


def dataset_name(path: Path) -> str:
    """An id-safe name from the folder or file name (``DS-USER-<name>``)."""
    unzipped = Path(path.stem) if path.suffix.lower() in (".gz", ".gzip") else path
    raw = path.resolve().name if path.is_dir() else unzipped.stem
    return re.sub(r"[^A-Za-z0-9._-]+", "-", raw).strip("-._") or "data"


def files_digest(path: Path, fmt: Format) -> str:
    """sha256 of each file the format reads, combined as ``combined_digest`` does."""
    if not path.is_dir():
        return combined_digest({path.name: file_sha256(path)})
    return combined_digest({f: file_sha256(path / f) for f in fmt.files if (path / f).is_file()})


def user_digest(files: str, fmt: Format, read_as: dict[str, Any]) -> str:
    """The files' digest bound to how they were read: never equal to a built-in dataset's digest
    (which is the files' digest alone), and another label column gives another digest."""
    payload = json.dumps({"fmbench user data": fmt.loader, "files": files, "read as": read_as},
                         sort_keys=True)
    return "sha256:" + hashlib.sha256(payload.encode()).hexdigest()


def user_card(path: Path, fmt: Format, suite: SuiteSpec, options: DataOptions) -> DatasetCard:
    params: dict[str, Any] = {"path": str(path), "flags": dict(FLAGS)}
    if options.label_column:
        params["label_column"] = options.label_column
    elif fmt is not EARLIER_FOLDER:  # the earlier layout's labels are y.npy
        params["label_candidates"] = list(dict.fromkeys(c for c in (suite.label_column, "label") if c))
    if options.meta_columns:
        params["meta_columns"] = list(options.meta_columns)
    if options.text_column:
        params["text_column"] = options.text_column
    if options.sequence_column:
        params["sequence_column"] = options.sequence_column
    if options.labels_file is not None:
        params["labels_file"] = str(options.labels_file)
    name = dataset_name(path)
    return DatasetCard(
        id=f"DS-USER-{name}",
        name=path.resolve().name,
        source="file",
        loader=fmt.loader,
        format=fmt.name,
        license="unknown (user data)",
        params=params,
        description=f"user data ({fmt.name}) given with --data",
    )


def _labels(dataset: Dataset, suite: SuiteSpec) -> set[str]:
    if dataset.y is not None:
        return {str(v) for v in dataset.y}
    if suite.label_column in dataset.meta.columns:
        return {str(v) for v in dataset.meta[suite.label_column]}
    return set()


def adapt_suite(suite: SuiteSpec, dataset: Dataset, options: DataOptions) -> tuple[SuiteSpec, list[str]]:
    """The suite with what names columns the data lacks dropped, and notes on what was dropped.

    Protocol, split kind and fractions, metrics and bootstrap size stay the suite's."""
    cols = set(map(str, dataset.meta.columns))
    notes: list[str] = []
    split, boot = suite.split, suite.bootstrap
    if split.group_column is not None and split.group_column not in cols:
        notes.append(f"split without groups (no {split.group_column!r} column)")
        split = split.model_copy(update={"group_column": None})
    if boot.cluster_column is not None and boot.cluster_column not in cols:
        notes.append(f"bootstrap over rows (no {boot.cluster_column!r} column)")
        boot = boot.model_copy(update={"cluster_column": None})
    positive = suite.positive_class
    if positive is not None and positive not in _labels(dataset, suite):
        notes.append(f"no positive class (the labels do not include {positive!r})")
        positive = None
    update: dict[str, Any] = {
        "dataset_id": dataset.card.id,
        "label_column": dataset.card.params.get("label_column") or suite.label_column,
        "split": split,
        "bootstrap": boot,
        "required_metadata": [c for c in suite.required_metadata if c in cols],
        "positive_class": positive,
    }
    if options.strata is not None:
        for c in options.strata:
            if c not in cols and not (c == "age_group" and "age" in cols):
                raise DataError(f"--strata {c}: the data has no such column{did_you_mean(c, cols)}; "
                                f"columns: {listing(sorted(cols))}")
        update["strata"] = list(options.strata)
    return suite.model_copy(update=update), notes


def load_user_data(path: str | Path, suite: SuiteSpec, options: DataOptions | None = None) -> UserData:
    """Read ``--data PATH`` for ``suite``: the card, the dataset (with its user digest), the
    adapted suite and what the record should say about the data."""
    options = options or DataOptions()
    path = Path(path).expanduser()
    fmt = detect_format(path, options)
    if options.labels_file is not None and not (fmt is SEQUENCES and is_fasta(path)):
        raise ConfigError(f"--labels applies to a FASTA file of sequences; --data {path.name} is read as "
                          f"{fmt.name}, whose labels are a column; drop --labels (or use --label-column)")
    if options.sequence_column and fmt is not SEQUENCES:
        raise ConfigError(f"--sequence-column applies to DNA sequences in a TSV/CSV; --data {path.name} is "
                          f"read as {fmt.name}")
    if options.meta_columns and fmt is not TABLE:
        raise ConfigError(f"--meta-columns applies to a table (.csv, .tsv, .parquet); --data {path.name} "
                          f"is read as {fmt.name}, whose metadata are its own columns; drop --meta-columns")
    card = user_card(path, fmt, suite, options)
    files = None if fmt.hashes_itself else files_digest(path, fmt)
    if options.labels_file is not None:
        labels = Path(options.labels_file).expanduser()
        if not labels.is_file():
            raise NotFoundError(f"--labels {labels}: no such file")
        files = combined_digest({"data": files or "", "labels": file_sha256(labels)})
    dataset = LOADERS.get(fmt.loader)(path, card, files or "")
    read_as = {k: dataset.card.params.get(k) for k in ("label_column", "text_column", "meta_columns",
                                                      "sequence_column")
               if dataset.card.params.get(k) is not None}
    dataset.digest = user_digest(files or dataset.digest, fmt, read_as)
    adapted, notes = adapt_suite(suite, dataset, options)
    provenance = {"format": fmt.name, "name": dataset.card.name, **read_as}
    if notes:
        provenance["suite_adapted"] = notes
    return UserData(card=dataset.card, dataset=dataset, suite=adapted, provenance=provenance)
