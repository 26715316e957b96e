"""X.npy (memory-mapped) + meta.csv (one row per sample, labels in the suite's label column)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from fmbench.catalog.schema import DatasetCard
from fmbench.data.dataset import Dataset
from fmbench.data.loaders import LOADERS
from fmbench.errors import DataError


def read_metadata(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path)
    except FileNotFoundError:
        raise DataError(f"{path}: metadata file not found") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot parse as CSV: {str(exc).splitlines()[0]}") from None


def card_labels(meta: pd.DataFrame, card: DatasetCard, path: Path) -> np.ndarray | None:
    """The labels in the card's ``params.label_column`` of the metadata (missing -> None), or
    None when the card names no label column; a column the metadata lacks is a DataError."""
    label_column = card.params.get("label_column")
    if label_column is None:
        return None
    if label_column not in meta.columns:
        raise DataError(f"{path}: label column {label_column!r} not found "
                        f"(metadata columns: {list(map(str, meta.columns))})")
    return meta[label_column].astype(object).where(meta[label_column].notna(), None).to_numpy()


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
    meta = read_metadata(folder / card.params.get("meta_file", "meta.csv"))
    if len(X) != len(meta):
        raise DataError(
            f"{folder}: X.npy has {len(X)} rows but meta.csv has {len(meta)}; one metadata row per sample"
        )
    return Dataset(card=card, digest=digest, meta=meta, X=X)
