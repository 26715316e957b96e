"""4-D fMRI NIfTI volumes reduced to ROI time series by a 3-D label image (parcellation).

Each 4-D file (x, y, z, time) is one subject. Every ROI's series is the mean over the voxels
carrying its label at each timepoint; label 0 is background. The ROIs are the distinct
positive labels of the label image, in increasing order, and every subject is reduced with the
same label image, so X has shape (subjects, ROIs, timepoints).

Card params (``source: file``; ``path`` is the folder holding the files)::

    params:
      path: /data/my-study
      bold: "sub-*_bold.nii.gz"     # a glob in the folder, or a list of file names
      labels: atlas.nii.gz          # 3-D integer label image on the same voxel grid
      meta_file: participants.csv   # optional; one row per bold file in sorted order,
                                    # with subject_id (site, scanner, … as the suite needs)
      standardize: true             # z-score every ROI series per subject (default)

Without ``meta_file`` the subject id is the file name up to its first ``.`` and site and
scanner are "unknown". With ``standardize`` a constant ROI series becomes all zeros.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from fmbench.catalog.schema import DatasetCard
from fmbench.data.dataset import Dataset
from fmbench.data.loaders import LOADERS
from fmbench.errors import ConfigError, DataError


def read_volume(path: str | Path, *, ndim: int, what: str):  # noqa: ANN201 - nibabel image
    """Open a NIfTI file and check its dimensionality (the data are read lazily)."""
    import nibabel as nib

    path = Path(path)
    try:
        img = nib.load(str(path))
    except FileNotFoundError:
        raise DataError(f"{path}: {what} file not found") from None
    except Exception as exc:  # noqa: BLE001 - nibabel raises many types for unreadable files
        msg = " ".join(str(exc).split()) or type(exc).__name__
        raise DataError(f"{path}: cannot read {what} as NIfTI ({msg})") from None
    shape = tuple(int(s) for s in img.shape)
    if len(shape) != ndim:
        raise DataError(f"{path}: expected a {ndim}-D volume, got shape {shape} ({what})")
    return img


def roi_timeseries(bold: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(ROIs, timepoints) label means of a (x, y, z, t) array, and the ROI labels (positive, sorted)."""
    if bold.ndim != 4:
        raise DataError(f"expected a 4-D volume, got shape {bold.shape}")
    if labels.shape != bold.shape[:3]:
        raise DataError(f"label image shape {labels.shape} does not match the volume's grid {bold.shape[:3]}")
    flat = labels.reshape(-1)
    inside = flat > 0
    roi_ids, codes = np.unique(flat[inside], return_inverse=True)
    if len(roi_ids) == 0:
        raise DataError("the label image has no positive labels; label 0 is background")
    data = bold.reshape(-1, bold.shape[3])[inside].astype(np.float64)
    order = np.argsort(codes, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(codes[order]) != 0])
    sums = np.add.reduceat(data[order], starts, axis=0)
    counts = np.bincount(codes)
    return sums / counts[:, None], roi_ids


def zscore_rows(S: np.ndarray) -> np.ndarray:
    sd = S.std(axis=-1, keepdims=True)
    return np.divide(S - S.mean(axis=-1, keepdims=True), sd, out=np.zeros_like(S), where=sd > 0)


def read_labels(path: Path) -> np.ndarray:
    img = read_volume(path, ndim=3, what="label image")
    values = np.asarray(img.dataobj)
    if not np.all(np.isfinite(values)) or not np.array_equal(values, np.round(values)):
        raise DataError(f"{path}: the label image must hold integer labels (0 = background)")
    return values.astype(np.int64)


def _bold_files(folder: Path, spec, card_id: str) -> list[Path]:  # noqa: ANN001
    if isinstance(spec, str):
        files = sorted(folder.glob(spec))
        if not files:
            raise DataError(f"dataset {card_id}: no file in {folder} matches params.bold {spec!r}")
        return files
    if isinstance(spec, list) and spec and all(isinstance(s, str) for s in spec):
        return [folder / s for s in spec]
    raise ConfigError(f"dataset {card_id}: params.bold must be a glob pattern or a list of file names")


def _metadata(folder: Path, card: DatasetCard, files: list[Path]) -> pd.DataFrame:
    name = card.params.get("meta_file")
    if name is None:
        return pd.DataFrame(
            {"subject_id": [f.name.split(".")[0] for f in files], "site": "unknown", "scanner": "unknown"}
        )
    from fmbench.data.loaders.npy_table import read_metadata

    meta = read_metadata(folder / name)
    if len(meta) != len(files):
        raise DataError(
            f"{folder / name}: {len(meta)} rows for {len(files)} NIfTI files; one row per file, "
            f"in sorted file order"
        )
    return meta


@LOADERS.register("nifti_roi")
def load(folder: Path, card: DatasetCard, digest: str) -> Dataset:
    if "bold" not in card.params or "labels" not in card.params:
        raise ConfigError(f"dataset {card.id}: loader nifti_roi needs params.bold and params.labels")
    labels = read_labels(folder / card.params["labels"])
    files = _bold_files(folder, card.params["bold"], card.id)
    series, roi_ids = [], None
    for f in files:
        img = read_volume(f, ndim=4, what="fMRI volume")
        if tuple(img.shape[:3]) != labels.shape:
            raise DataError(
                f"{f}: voxel grid {tuple(img.shape[:3])} does not match the label image "
                f"{labels.shape}; resample the parcellation to the data"
            )
        S, roi_ids = roi_timeseries(np.asarray(img.dataobj), labels)
        if series and S.shape[1] != series[0].shape[1]:
            raise DataError(
                f"{f}: {S.shape[1]} timepoints, but {files[0].name} has {series[0].shape[1]}; "
                f"every subject needs the same number"
            )
        series.append(S)
    X = np.stack(series)
    if card.params.get("standardize", True):
        X = zscore_rows(X)
    return Dataset(
        card=card,
        digest=digest,
        meta=_metadata(folder, card, files),
        X=X.astype(np.float32),
        extras={"roi_labels": roi_ids.tolist(), "files": [f.name for f in files]},
    )
