"""The hub's earlier folder layout, which its users' data is in: ``X.npy`` (samples first, read
memory-mapped), ``y.npy`` (one label per sample), ``metadata.csv`` (one row per sample) and
``info.json`` (what the folder states about itself, e.g. ``{"sampling_freq": 200}``).

The folder is read as it is, so no flag has to repeat what it states:

- labels come from ``y.npy`` (numbers or fixed-width strings); ``info.json``'s ``label_names``
  (or ``class_names``), a list, names integer codes 0..K-1. ``params.label_column`` (``run --data
  DIR --label-column NAME``) takes the labels from a ``metadata.csv`` column instead;
- ``metadata.csv`` columns are the metadata (split groups, strata, clusters); without the file the
  samples have no metadata;
- ``info.json``'s ``sampling_freq`` (Hz; also spelled ``sfreq``, ``fs`` or ``sampling_rate``) becomes
  the dataset's ``params.sampling_freq``, which the robustness probes use (line noise, Nyquist);
  its other fields are kept under ``params.info``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fmbench.catalog.schema import DatasetCard
from fmbench.data.dataset import Dataset
from fmbench.data.loaders import LOADERS
from fmbench.data.loaders.npy_table import card_labels, load_array, read_metadata
from fmbench.errors import DataError

FILES = ("X.npy", "y.npy", "metadata.csv", "info.json")
SAMPLING_FREQ_KEYS = ("sampling_freq", "sfreq", "fs", "sampling_rate")
LABEL_NAME_KEYS = ("label_names", "class_names")


def read_info(path: Path) -> dict[str, Any]:
    """info.json as a mapping ({} when the folder has none)."""
    if not path.is_file():
        return {}
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise DataError(f"{path}: not valid UTF-8; save info.json as UTF-8") from None
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise DataError(f"{path}: not valid JSON ({exc.msg} at {where})") from None
    if not isinstance(info, dict):
        raise DataError(f"{path}: expected a JSON object such as {{\"sampling_freq\": 200}}, "
                        f"got a {type(info).__name__}")
    return info


def sampling_freq(info: dict[str, Any], path: Path) -> float | None:
    for key in SAMPLING_FREQ_KEYS:
        if key in info and info[key] is not None:
            value = info[key]
            ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
            if not ok or value <= 0:
                raise DataError(f"{path}: {key} must be a positive number of Hz, got {value!r}")
            return float(value)
    return None


def read_labels(path: Path, n: int) -> np.ndarray:
    """y.npy as an object array of labels, one per sample."""
    if not path.is_file():
        raise DataError(f"{path}: file not found; the folder needs y.npy with one label per sample")
    try:
        y = np.load(path, allow_pickle=False)
    except ValueError as exc:
        raise DataError(f"{path}: not a valid .npy array of numbers or strings ({exc}); "
                        f"save the labels with np.save(path, np.asarray(labels, dtype=str))") from None
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise DataError(f"{path}: expected one label per sample (shape ({n},)), got shape {y.shape}")
    if len(y) != n:
        raise DataError(f"{path}: y.npy has {len(y)} labels but X.npy has {n} rows; one label per sample, "
                        f"in the order of X.npy's rows")
    if y.dtype.kind == "f":
        if not np.isfinite(y).all():
            i = int(np.flatnonzero(~np.isfinite(y))[0])
            raise DataError(f"{path}: label {i} is {y[i]}; every sample needs a label")
        if np.all(y == np.round(y)):
            y = y.astype(np.int64)
    return y.astype(object) if y.dtype.kind in "iub" else y.astype(str).astype(object)


def named_labels(y: np.ndarray, info: dict[str, Any], path: Path) -> np.ndarray:
    """Integer codes replaced by info.json's label names, when it lists them."""
    names = next((info[k] for k in LABEL_NAME_KEYS if isinstance(info.get(k), list)), None)
    if names is None:
        return y.astype(str).astype(object)
    codes = np.asarray(y.tolist())
    if codes.dtype.kind not in "iu":
        raise DataError(f"{path}: info.json lists label names but y.npy holds {codes.dtype} values, "
                        f"not integer codes")
    bad = codes[(codes < 0) | (codes >= len(names))]
    if bad.size:
        raise DataError(f"{path}: y.npy has code {int(bad[0])} but info.json names {len(names)} labels "
                        f"(codes 0..{len(names) - 1})")
    return np.asarray([str(n) for n in names], dtype=object)[codes]


@LOADERS.register("earlier_hub_folder")
def load(folder: Path, card: DatasetCard, digest: str) -> Dataset:
    X = load_array(folder / "X.npy")
    n = len(X)
    info = read_info(folder / "info.json")
    meta_path = folder / "metadata.csv"
    if meta_path.is_file():
        meta = read_metadata(meta_path)
        if len(meta) != n:
            raise DataError(f"{meta_path}: metadata.csv has {len(meta)} rows but X.npy has {n}; "
                            f"one metadata row per sample")
    else:
        meta = pd.DataFrame(index=range(n))
    if card.params.get("label_column"):
        y = card_labels(meta, card, meta_path)
    else:
        y = named_labels(read_labels(folder / "y.npy", n), info, folder / "info.json")
    params = dict(card.params)
    sf = sampling_freq(info, folder / "info.json")
    if sf is not None:
        params["sampling_freq"] = sf
    rest = {k: v for k, v in info.items() if k not in SAMPLING_FREQ_KEYS}
    if rest:
        params["info"] = rest
    card = card.model_copy(update={"params": params})
    return Dataset(card=card, digest=digest, meta=meta.reset_index(drop=True), X=X, y=y)
