"""A folder of 3-D NIfTI volumes (.nii / .nii.gz) plus a CSV of labels and metadata.

Card params:

- ``path``: the folder (``source: file``).
- ``labels_file``: CSV in the folder, one row per volume (default ``labels.csv``); its
  ``file_column`` (default ``file``) names each volume relative to the folder. All other
  columns are metadata (labels, subject_id, age, …).
- reduction of each volume to a feature vector, one of:
  ``atlas``: a 3-D integer label image in the folder (same shape as the volumes); features
  are the mean intensity within each non-zero label (sorted label values) — regional means;
  ``grid`` (default ``[8, 8, 8]``): block means over a grid of near-equal blocks along each
  axis — downsampled voxels, in C order.
- ``label_column`` (optional): labels; otherwise the suite's ``label_column``.

Volumes are read with nibabel (scaled data, float). Trailing singleton dimensions (x, y, z, 1)
are dropped; anything else that is not 3-D is a DataError "expected a 3-D volume, got shape …".
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from fmbench.catalog.schema import DatasetCard
from fmbench.data.dataset import Dataset
from fmbench.data.loaders import LOADERS
from fmbench.data.loaders.npy_table import card_labels, read_metadata
from fmbench.errors import ConfigError, DataError


def read_volume(path: Path) -> np.ndarray:
    """The 3-D float64 image of a NIfTI file, or a DataError saying what is wrong with it."""
    try:
        import nibabel as nib
    except ImportError:
        raise DataError("reading NIfTI needs nibabel: pip install nibabel") from None
    if not path.is_file():
        raise DataError(f"{path}: volume file not found")
    try:
        img = nib.load(path)
    except Exception as exc:  # noqa: BLE001 - nibabel raises many types for bad files
        msg = " ".join(str(exc).split())
        raise DataError(f"{path}: cannot read as NIfTI ({type(exc).__name__}: {msg})") from None
    shape = tuple(int(s) for s in img.shape)
    squeezed = shape
    while len(squeezed) > 3 and squeezed[-1] == 1:
        squeezed = squeezed[:-1]
    if len(squeezed) != 3:
        raise DataError(f"{path}: expected a 3-D volume, got shape {shape}")
    data = np.asarray(img.get_fdata(dtype=np.float64)).reshape(squeezed)
    if not np.isfinite(data).all():
        raise DataError(f"{path}: the volume has {int((~np.isfinite(data)).sum())} NaN or infinite voxels")
    return data


def block_means(vol: np.ndarray, grid: tuple[int, int, int]) -> np.ndarray:
    """Mean of each block when every axis is cut into ``grid[a]`` near-equal parts (C order)."""
    out = vol
    for axis, g in enumerate(grid):
        n = vol.shape[axis]
        starts = np.linspace(0, n, g + 1).astype(int)[:-1]
        sizes = np.diff(np.r_[starts, n])
        out = np.add.reduceat(out, starts, axis=axis)
        shape = [1, 1, 1]
        shape[axis] = g
        out = out / sizes.reshape(shape)
    return out.ravel()


def region_means(vol: np.ndarray, atlas: np.ndarray, labels: np.ndarray) -> np.ndarray:
    idx = np.searchsorted(labels, atlas.ravel())
    inside = (idx < len(labels)) & (labels[np.minimum(idx, len(labels) - 1)] == atlas.ravel())
    sums = np.bincount(idx[inside], weights=vol.ravel()[inside], minlength=len(labels))
    counts = np.bincount(idx[inside], minlength=len(labels))
    return sums / counts


def _grid(card: DatasetCard) -> tuple[int, int, int]:
    grid = card.params.get("grid", [8, 8, 8])
    if (not isinstance(grid, list | tuple) or len(grid) != 3
            or not all(isinstance(g, int) and g >= 1 for g in grid)):
        raise ConfigError(f"dataset {card.id}: params.grid must be three positive integers, got {grid!r}")
    return tuple(grid)  # type: ignore[return-value]


@LOADERS.register("nifti")
def load(folder: Path, card: DatasetCard, digest: str) -> Dataset:
    labels_path = folder / card.params.get("labels_file", "labels.csv")
    meta = read_metadata(labels_path)
    file_column = card.params.get("file_column", "file")
    if file_column not in meta.columns:
        raise DataError(f"{labels_path}: no {file_column!r} column naming each volume "
                        f"(columns: {list(map(str, meta.columns))})")
    if meta.empty:
        raise DataError(f"{labels_path}: no rows; list one volume per row")
    atlas = labels = None
    if card.params.get("atlas"):
        atlas_path = folder / card.params["atlas"]
        atlas = np.rint(read_volume(atlas_path)).astype(np.int64)
        labels = np.unique(atlas[atlas != 0])
        if len(labels) == 0:
            raise DataError(f"{atlas_path}: the atlas has no non-zero labels")
        feature_names = [f"region_{v}" for v in labels]
    else:
        grid = _grid(card)
        feature_names = [f"block_{i}_{j}_{k}" for i in range(grid[0]) for j in range(grid[1])
                         for k in range(grid[2])]
    rows = []
    first_shape: tuple | None = None
    for name in meta[file_column].astype(str):
        path = folder / name
        vol = read_volume(path)
        if first_shape is None:
            first_shape = vol.shape
        if atlas is not None:
            if vol.shape != atlas.shape:
                raise DataError(f"{path}: shape {vol.shape} differs from the atlas {atlas.shape}; "
                                f"resample volumes to the atlas space first")
            rows.append(region_means(vol, atlas, labels))
        else:
            if vol.shape != first_shape:
                raise DataError(f"{path}: shape {vol.shape} differs from the first volume's {first_shape}; "
                                f"all volumes must share one grid")
            if any(s < g for s, g in zip(vol.shape, grid, strict=True)):
                raise DataError(f"{path}: shape {vol.shape} is smaller than params.grid {list(grid)}")
            rows.append(block_means(vol, grid))
    X = np.stack(rows).astype(np.float32)
    meta = meta.reset_index(drop=True)
    y = card_labels(meta, card, labels_path)
    return Dataset(card=card, digest=digest, meta=meta, X=X, y=y,
                   extras={"feature_names": feature_names, "volume_shape": list(first_shape or ())})
