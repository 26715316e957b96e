"""NIfTI → ROI series on nibabel's shipped functional.nii, and wrong dimensionality."""

from __future__ import annotations

import os
import shutil

import nibabel as nib
import numpy as np
import pytest
from nibabel.testing import data_path
from scipy.stats import zscore

from fmbench.catalog.schema import DatasetCard
from fmbench.data.loaders import LOADERS
from fmbench.data.loaders.nifti_roi import roi_timeseries
from fmbench.errors import DataError

FUNCTIONAL = os.path.join(data_path, "functional.nii")


def block_labels(shape):
    """Four blocks split at x=8 and y=10; the top slice (z=2) is background."""
    x, y, z = np.meshgrid(*[np.arange(s) for s in shape], indexing="ij")
    labels = 1 + (x >= 8) + 2 * (y >= 10)
    labels[z == 2] = 0
    labels[labels == 3] = 7  # non-contiguous label values
    return labels.astype(np.int16)


@pytest.fixture
def study(tmp_path):
    img = nib.load(FUNCTIONAL)
    labels = block_labels(img.shape[:3])
    nib.save(nib.Nifti1Image(labels, img.affine), tmp_path / "atlas.nii")
    for sub in ("sub-01", "sub-02"):
        shutil.copy(FUNCTIONAL, tmp_path / f"{sub}_bold.nii")
    return tmp_path, np.asarray(img.get_fdata()), labels


def _card(**params):
    return DatasetCard(
        id="DS-NIFTI",
        name="nifti",
        source="file",
        loader="nifti_roi",
        format="nifti",
        license="PDDL",
        params={"bold": "sub-*_bold.nii", "labels": "atlas.nii", **params},
    )


def hand_means(data, labels):
    return np.array(
        [[data[..., t][labels == lab].mean() for t in range(data.shape[3])] for lab in (1, 2, 4, 7)]
    )


def test_roi_reduction_equals_label_means(study):
    _, data, labels = study
    assert data.shape == (17, 21, 3, 20)
    S, ids = roi_timeseries(data, labels)
    assert ids.tolist() == [1, 2, 4, 7]
    np.testing.assert_allclose(S, hand_means(data, labels), rtol=1e-12)


def test_loader_reads_folder(study):
    folder, data, labels = study
    ds = LOADERS.get("nifti_roi")(folder, _card(standardize=False), "sha256:x")
    assert ds.X.shape == (2, 4, 20)
    assert ds.meta["subject_id"].tolist() == ["sub-01_bold", "sub-02_bold"]
    np.testing.assert_allclose(ds.X[0], hand_means(data, labels), rtol=1e-6)
    z = LOADERS.get("nifti_roi")(folder, _card(), "sha256:x")
    np.testing.assert_allclose(z.X[1], zscore(hand_means(data, labels), axis=1), atol=1e-5)


def test_loader_meta_file(study):
    folder, _, _ = study
    (folder / "participants.csv").write_text("subject_id,site,scanner\ns1,A,GE\ns2,B,Siemens\n")
    ds = LOADERS.get("nifti_roi")(folder, _card(meta_file="participants.csv"), "")
    assert ds.meta["scanner"].tolist() == ["GE", "Siemens"]


@pytest.mark.parametrize("shape", [(17, 21, 3), (17, 21, 3, 1, 20)])
def test_wrong_dimensionality_is_one_clear_error(study, shape):
    folder, _, _ = study
    nib.save(nib.Nifti1Image(np.zeros(shape, dtype=np.int16), np.eye(4)), folder / "sub-03_bold.nii")
    with pytest.raises(
        DataError, match=rf"expected a 4-D volume, got shape \({', '.join(map(str, shape))}\)"
    ):
        LOADERS.get("nifti_roi")(folder, _card(), "")


def test_label_grid_mismatch(study):
    folder, _, _ = study
    nib.save(nib.Nifti1Image(np.ones((5, 5, 5), dtype=np.int16), np.eye(4)), folder / "atlas.nii")
    with pytest.raises(DataError, match="does not match the label image"):
        LOADERS.get("nifti_roi")(folder, _card(), "")
