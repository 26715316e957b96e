"""Regional tables in CSV (e.g. FreeSurfer aseg/aparc stats): one row per subject.

Card params:

- ``file``: the CSV inside the dataset folder (default ``regions.csv``); ``path`` may also
  point at the CSV itself.
- which columns are features, first that applies: ``feature_columns`` (a list),
  ``feature_prefix`` (every column starting with it), or a ``features.txt`` next to the CSV
  (one column name per line). Every other column is metadata (labels, age, sex, site, …).
- ``label_column`` (optional): the labels; otherwise the suite's ``label_column`` is used.

Features must be numeric and finite; a missing column or a bad value is a DataError naming
the file, the column and the first bad row.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from fmbench.catalog.schema import DatasetCard
from fmbench.data.dataset import Dataset
from fmbench.data.loaders import LOADERS
from fmbench.data.loaders.npy_table import card_labels, read_metadata
from fmbench.errors import DataError


def feature_columns(table: pd.DataFrame, card: DatasetCard, folder: Path, path: Path) -> list[str]:
    params = card.params
    if params.get("feature_columns"):
        cols = [str(c) for c in params["feature_columns"]]
    elif params.get("feature_prefix"):
        cols = [c for c in table.columns if str(c).startswith(params["feature_prefix"])]
        if not cols:
            raise DataError(f"{path}: no column starts with feature_prefix {params['feature_prefix']!r}")
    elif (folder / "features.txt").is_file():
        cols = [ln.strip() for ln in (folder / "features.txt").read_text().splitlines() if ln.strip()]
    else:
        raise DataError(f"{path}: say which columns are features: params.feature_columns, "
                        f"params.feature_prefix, or a features.txt next to the CSV")
    missing = [c for c in cols if c not in table.columns]
    if missing:
        raise DataError(f"{path}: feature column(s) {missing} not found "
                        f"(columns: {list(map(str, table.columns))})")
    return cols


def numeric_features(table: pd.DataFrame, cols: list[str], path: Path) -> np.ndarray:
    for c in cols:
        values = pd.to_numeric(table[c], errors="coerce")
        bad = values.isna() & table[c].notna()
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(f"{path}: column {c!r} is not numeric (row {i + 2}: {table[c].iloc[i]!r})")
    X = table[cols].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float64)
    bad_rows = ~np.isfinite(X).all(axis=1)
    if bad_rows.any():
        i = int(np.flatnonzero(bad_rows)[0])
        col = cols[int(np.flatnonzero(~np.isfinite(X[i]))[0])]
        raise DataError(f"{path}: {int(bad_rows.sum())} row(s) have missing or infinite features "
                        f"(first: row {i + 2}, column {col!r}); impute or drop them first")
    return X.astype(np.float32)


@LOADERS.register("regional_csv")
def load(folder: Path, card: DatasetCard, digest: str) -> Dataset:
    if folder.is_file():
        path, folder = folder, folder.parent
        from fmbench.data.card_files import file_digest

        digest = file_digest(path, card)
    else:
        path = folder / card.params.get("file", "regions.csv")
    table = read_metadata(path)
    if table.empty:
        raise DataError(f"{path}: the table has no rows")
    cols = feature_columns(table, card, folder, path)
    X = numeric_features(table, cols, path)
    meta = table.drop(columns=cols).reset_index(drop=True)
    y = card_labels(meta, card, path)
    return Dataset(card=card, digest=digest, meta=meta, X=X, y=y, extras={"feature_names": cols})
