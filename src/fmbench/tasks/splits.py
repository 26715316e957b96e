"""Seeded splits that keep a subject's samples on one side."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from fmbench.catalog.schema import SplitSpec
from fmbench.errors import DataError


def _groups(meta: pd.DataFrame, spec: SplitSpec) -> np.ndarray:
    if spec.group_column is None:
        return np.arange(len(meta))
    if spec.group_column not in meta.columns:
        raise DataError(f"split groups by {spec.group_column!r} but the metadata has no such column")
    return meta[spec.group_column].astype(str).to_numpy()


def holdout_split(y: np.ndarray, meta: pd.DataFrame, spec: SplitSpec, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Stratified (by each group's majority label) seeded split of groups into train/test."""
    from sklearn.model_selection import train_test_split

    groups = _groups(meta, spec)
    frame = pd.DataFrame({"g": groups, "y": y})
    group_label = frame.groupby("g", sort=True)["y"].agg(lambda s: s.value_counts().index[0])
    counts = group_label.value_counts()
    stratify = group_label.to_numpy() if counts.min() >= 2 else None
    try:
        train_g, test_g = train_test_split(group_label.index.to_numpy(), test_size=spec.test_fraction,
                                           random_state=seed, stratify=stratify)
    except ValueError as exc:
        unit = f"groups of {spec.group_column!r}" if spec.group_column else "samples"
        raise DataError(f"holdout split of {len(group_label)} {unit} with test_fraction={spec.test_fraction} "
                        f"is impossible: {exc}") from None
    test_set = set(test_g)
    is_test = np.array([g in test_set for g in groups])
    return np.flatnonzero(~is_test), np.flatnonzero(is_test)


def kfold_splits(y: np.ndarray, meta: pd.DataFrame, spec: SplitSpec, seed: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    from sklearn.model_selection import StratifiedGroupKFold

    groups = _groups(meta, spec)
    smallest = np.bincount(y).min()
    if smallest < spec.n_folds:
        raise DataError(f"the smallest class has {smallest} samples, fewer than n_folds={spec.n_folds}")
    n_groups = len(np.unique(groups))
    if n_groups < spec.n_folds:
        unit = f"groups of {spec.group_column!r}" if spec.group_column else "samples"
        raise DataError(f"{spec.n_folds}-fold CV needs at least {spec.n_folds} {unit}, "
                        f"the data have {n_groups}")
    cv = StratifiedGroupKFold(n_splits=spec.n_folds, shuffle=True, random_state=seed)
    yield from cv.split(np.zeros(len(y)), y, groups)


def predefined_split(meta: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    if "split" not in meta.columns:
        raise DataError("split kind 'predefined' needs a 'split' column with train/test values")
    s = meta["split"].astype(str).to_numpy()
    return np.flatnonzero(s == "train"), np.flatnonzero(s == "test")
