"""X.npy (memory-mapped) + meta.csv (one row per sample): fmbench's own folder layout.

Labels are the card's ``params.label_column`` of meta.csv when it names one, else the suite's
``label_column``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from fmbench.catalog.schema import DatasetCard
from fmbench.data.columns import pick_label_column
from fmbench.data.dataset import Dataset
from fmbench.data.loaders import LOADERS
from fmbench.errors import DataError


def read_metadata(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path)
    except FileNotFoundError:
        raise DataError(f"{path}: metadata file not found") from None
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: the file is empty; expected a header line and one row per sample") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot parse as CSV: {str(exc).splitlines()[0]}") from None


def card_labels(meta: pd.DataFrame, card: DatasetCard, path: Path) -> np.ndarray | None:
    """The labels in the card's label column of the metadata (missing values -> None; see
    ``fmbench.data.columns.pick_label_column``), or None when the card names no label column; a
    column the metadata lacks is a DataError naming the closest one and how to choose another."""
    label_column = pick_label_column(meta.columns, card, where=str(path))
    if label_column is None:
        return None
    return labels_of(meta, label_column)


def labels_of(meta: pd.DataFrame, column: str) -> np.ndarray:
    return meta[column].astype(object).where(meta[column].notna(), None).to_numpy()


def load_array(path: Path) -> np.ndarray:
    try:
        return np.load(path, mmap_mode="r", allow_pickle=False)
    except FileNotFoundError:
        raise DataError(f"{path}: array file not found") from None
    except ValueError as exc:
        raise DataError(f"{path}: not a valid .npy array ({exc})") from None


@LOADERS.register("npy_table")
def load(folder: Path, card: DatasetCard, digest: str) -> Dataset:
    X = load_array(folder / card.params.get("x_file", "X.npy"))
    meta_path = folder / card.params.get("meta_file", "meta.csv")
    meta = read_metadata(meta_path)
    if len(X) != len(meta):
        raise DataError(
            f"{folder}: X.npy has {len(X)} rows but meta.csv has {len(meta)}; one metadata row per sample"
        )
    return Dataset(card=card, digest=digest, meta=meta, X=X, y=card_labels(meta, card, meta_path))
