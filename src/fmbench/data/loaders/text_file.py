"""Labelled texts, for text suites: JSONL (one object per line) or CSV, one sample per line/row.

Fields (card params, which ``run --data FILE`` sets from its flags): ``text_column`` (default
``text``, ``--text-column``) holds the text; the label comes from ``label_column``
(``--label-column``) or the first of ``label_candidates`` present (the suite's label column, then
``label``). Every other scalar field is metadata (strata, split groups); lists and objects are
left out. A text must be a non-empty string and every sample needs a label: a bad line is one
DataError naming the file, the line and the field.

The dataset has no feature matrix: the texts are ``extras["texts"]``, which ``embed`` receives in
the probe protocols (``linear_probe``, ``knn_probe``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fmbench.catalog.schema import DatasetCard
from fmbench.data.columns import pick_label_column, require_column
from fmbench.data.dataset import Dataset
from fmbench.data.loaders import LOADERS
from fmbench.data.loaders.report_jsonl import read_jsonl_lines
from fmbench.data.loaders.table_file import read_table
from fmbench.errors import DataError

TEXT_SUFFIXES = (".jsonl", ".ndjson")


def _is_scalar(v: Any) -> bool:
    return v is None or isinstance(v, str | int | float | bool)


def read_jsonl_table(path: Path) -> tuple[pd.DataFrame, list[int]]:
    """The JSONL lines as a table of their scalar fields, and each row's line number."""
    rows, lines = [], []
    for i, obj in read_jsonl_lines(path):
        if not isinstance(obj, dict):
            example = '{"text": "...", "label": "..."}'
            got = type(obj).__name__
            raise DataError(f"{path}:{i}: expected a JSON object such as {example}, got a {got}")
        rows.append({str(k): v for k, v in obj.items() if _is_scalar(v)})
        lines.append(i)
    return pd.DataFrame(rows), lines


def texts_of(table: pd.DataFrame, column: str, path: Path, lines: list[int], *, from_csv: bool) -> list[str]:
    """The texts, each a non-empty string (a CSV cell that pandas read as a number is its text)."""
    texts = []
    for i, v in enumerate(table[column].tolist()):
        missing = v is None or (isinstance(v, float) and np.isnan(v))
        if from_csv and not missing and not isinstance(v, str):
            v = str(v)
        if isinstance(v, str) and v.strip():
            texts.append(v)
            continue
        what = "is empty" if missing or isinstance(v, str) else f"is a {type(v).__name__}, not a text"
        raise DataError(f"{path}:{lines[i]}: field {column!r} {what}; every sample needs a non-empty text")
    return texts


@LOADERS.register("text_file")
def load(folder: Path, card: DatasetCard, digest: str) -> Dataset:
    path = folder if folder.is_file() else folder / card.params.get("file", "texts.jsonl")
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    if path.suffix.lower() in TEXT_SUFFIXES:
        table, lines = read_jsonl_table(path)
    else:
        table = read_table(path)
        lines = list(range(2, len(table) + 2))  # CSV: the header is line 1
    text_column = str(card.params.get("text_column") or "text")
    require_column(table.columns, text_column, where=str(path), what="text field", card=card,
                   param="text_column")
    label = pick_label_column([c for c in table.columns if c != text_column], card, where=str(path),
                              what="label field")
    if label is None:
        raise DataError(f"{path}: which field holds the labels? pass --label-column NAME")
    texts = texts_of(table, text_column, path, lines, from_csv=path.suffix.lower() not in TEXT_SUFFIXES)
    labels = table[label]
    missing = labels.isna().to_numpy()
    if missing.any():
        i = int(np.flatnonzero(missing)[0])
        raise DataError(f"{path}:{lines[i]}: field {label!r} is missing or null; every sample needs a label")
    meta = table.drop(columns=[text_column]).reset_index(drop=True)
    params = {**card.params, "label_column": label, "text_column": text_column}
    card = card.model_copy(update={"params": params})
    return Dataset(card=card, digest=digest, meta=meta, y=labels.astype(object).to_numpy(),
                   extras={"texts": texts})
