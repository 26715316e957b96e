"""A table file, one row per sample: CSV (``.csv``), TSV (``.tsv``) or Parquet (``.parquet``).

Which column is what (card params, which ``run --data FILE`` sets from its flags):

- labels: ``label_column`` (``--label-column``), else the first of ``label_candidates`` present;
- metadata: ``meta_columns`` (``--meta-columns a,b``) when given, and then every other column is a
  feature; otherwise every non-numeric column and the id-like ones (``id``, ``*_id``, ``split``,
  an unnamed index column), so that a subject id or a split never becomes a feature. A numeric
  column that should not be a feature (``age``) is named in ``meta_columns``;
- features: the rest, numeric and finite, as a float32 matrix.

A column that is numeric except for a few entries (``n/a``, a typo) is refused, naming the column
and the first bad row, rather than silently turned into metadata. Parquet needs pyarrow.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from fmbench.catalog.schema import DatasetCard
from fmbench.data.columns import how_to_set, pick_label_column, require_column
from fmbench.data.dataset import Dataset
from fmbench.data.loaders import LOADERS
from fmbench.data.loaders.npy_table import labels_of
from fmbench.errors import DataError

TABLE_SUFFIXES = (".csv", ".tsv", ".parquet", ".pq")
EMPTY = "the file is empty; expected a header line and one row per sample"
ID_LIKE = ("id", "split", "index", "unnamed: 0")


def read_table(path: Path) -> pd.DataFrame:
    """The whole table; an empty, unparsable or unreadable file is one DataError naming it."""
    if path.stat().st_size == 0:
        raise DataError(f"{path}: {EMPTY}")
    if path.suffix.lower() in (".parquet", ".pq"):
        try:
            import pyarrow  # noqa: F401 - pandas reads Parquet through it
        except ImportError:
            raise DataError(f"{path}: reading Parquet needs pyarrow (pip install 'fmbench[parquet]'); "
                            f"or save the table as CSV") from None
        try:
            table = pd.read_parquet(path)
        except Exception as exc:  # noqa: BLE001 - pyarrow raises its own error types
            msg = " ".join(str(exc).split())[:200]
            raise DataError(f"{path}: cannot read as Parquet ({type(exc).__name__}: {msg})") from None
    else:
        sep = "\t" if path.suffix.lower() == ".tsv" else ","
        try:
            table = pd.read_csv(path, sep=sep)
        except pd.errors.EmptyDataError:
            raise DataError(f"{path}: {EMPTY}") from None
        except (pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise DataError(f"{path}: cannot parse as {'TSV' if sep == chr(9) else 'CSV'}: "
                            f"{str(exc).splitlines()[0]}") from None
    table.columns = [str(c) for c in table.columns]
    if table.empty:
        raise DataError(f"{path}: the table has a header but no rows; expected one row per sample")
    return table.reset_index(drop=True)


def row_name(path: Path, i: int) -> str:
    """How a user finds row ``i`` (0-based data row): a CSV line number, a Parquet row index."""
    return f"row {i}" if path.suffix.lower() in (".parquet", ".pq") else f"line {i + 2}"


def is_id_like(name: str) -> bool:
    low = name.lower()
    return low in ID_LIKE or low.endswith("_id")


def _is_numeric(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)


def _first_non_number(s: pd.Series) -> int | None:
    parsed = pd.to_numeric(s, errors="coerce")
    bad = (parsed.isna() & s.notna()).to_numpy()
    return int(np.flatnonzero(bad)[0]) if bad.any() else None


def split_columns(table: pd.DataFrame, card: DatasetCard, label: str,
                  path: Path) -> tuple[list[str], list[str]]:
    """(feature columns, metadata columns) by the rules in the module docstring."""
    given = card.params.get("meta_columns")
    hint = how_to_set(card, "meta_columns").replace(" NAME", " a,b")
    if given:
        for c in given:
            require_column(table.columns, str(c), where=str(path), what="metadata column", card=card,
                           param="meta_columns")
        meta = list(dict.fromkeys([*map(str, given), label]))
        features = [c for c in table.columns if c not in meta]
        for c in features:
            if not _is_numeric(table[c]):
                i = _first_non_number(table[c])
                at = f" ({row_name(path, i)}: {table[c].iloc[i]!r})" if i is not None else ""
                raise DataError(f"{path}: feature column {c!r} is not numeric{at}; fix the value or keep the "
                                f"column as metadata ({hint})")
        return features, meta
    meta, features = [], []
    for c in table.columns:
        s = table[c]
        if c == label or is_id_like(c):
            meta.append(c)
        elif _is_numeric(s):
            features.append(c)
        else:
            parsed = pd.to_numeric(s, errors="coerce")
            numbers = int(parsed.notna().sum())
            if numbers and numbers >= 0.5 * int(s.notna().sum()):
                i = _first_non_number(s)
                raise DataError(f"{path}: column {c!r} is numeric except {row_name(path, i)} "
                                f"({s.iloc[i]!r}); fix the value, or keep the column as metadata ({hint})")
            meta.append(c)
    return features, meta


def feature_matrix(table: pd.DataFrame, features: list[str], path: Path) -> np.ndarray:
    X = table[features].to_numpy(dtype=np.float64)
    bad = ~np.isfinite(X)
    if bad.any():
        i, j = (int(v[0]) for v in np.nonzero(bad))
        rows = int(bad.any(axis=1).sum())
        first = f"first: {row_name(path, i)}, column {features[j]!r}"
        raise DataError(f"{path}: {rows} row(s) have missing or infinite features ({first}); "
                        f"impute or drop them first")
    return X.astype(np.float32)


@LOADERS.register("table_file")
def load(folder: Path, card: DatasetCard, digest: str) -> Dataset:
    path = folder if folder.is_file() else folder / card.params.get("file", "table.csv")
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    table = read_table(path)
    label = pick_label_column(table.columns, card, where=str(path))
    if label is None:
        raise DataError(f"{path}: which column holds the labels? {how_to_set(card, 'label_column')}")
    features, meta_cols = split_columns(table, card, label, path)
    if not features:
        raise DataError(f"{path}: no feature column left (every column is the label or metadata: "
                        f"{', '.join(meta_cols)}); a table needs numeric feature columns")
    X = feature_matrix(table, features, path)
    meta = table[meta_cols].reset_index(drop=True)
    card = card.model_copy(update={"params": {**card.params, "label_column": label}})
    return Dataset(card=card, digest=digest, meta=meta, X=X, y=labels_of(meta, label),
                   extras={"feature_names": features})
