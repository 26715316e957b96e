"""NIfTI loader on the small files nibabel ships: 3-D volumes load, anything else fails cleanly."""

from __future__ import annotations

import re
import shutil
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from data_helpers import assert_clean_failure

from fmbench.catalog.schema import DatasetCard
from fmbench.data.loaders.nifti import block_means, load, read_volume
from fmbench.errors import DataError

nib = pytest.importorskip("nibabel")
NIB_DATA = Path(nib.__file__).parent / "tests" / "data"


def _card(**params) -> DatasetCard:  # noqa: ANN003
    return DatasetCard(id="DS-NII", name="nii", source="file", loader="nifti", format="nifti",
                       license="CC0-1.0", params=params)


def _folder(tmp_path: Path, n: int = 6) -> tuple[Path, np.ndarray]:
    """n scaled copies of nibabel's anatomical.nii (33 x 41 x 25) with labels.csv."""
    folder = tmp_path / "vols"
    folder.mkdir()
    img = nib.load(NIB_DATA / "anatomical.nii")
    base = np.asarray(img.get_fdata())
    rows = []
    for i in range(n):
        scaled = (base * (1 + 0.1 * i)).astype(np.float32)
        nib.save(nib.Nifti1Image(scaled, img.affine), folder / f"s{i}.nii.gz")
        rows.append({"file": f"s{i}.nii.gz", "subject_id": f"s{i}", "label": "AD" if i % 2 else "CN"})
    pd.DataFrame(rows).to_csv(folder / "labels.csv", index=False)
    return folder, base


def test_nibabel_anatomical_is_3d() -> None:
    vol = read_volume(NIB_DATA / "anatomical.nii")
    assert vol.shape == (33, 41, 25)


def test_block_means_against_loops() -> None:
    rng = np.random.default_rng(0)
    vol = rng.normal(size=(7, 5, 4))
    assert block_means(vol, (1, 1, 1)) == pytest.approx([vol.mean()])
    np.testing.assert_allclose(block_means(vol, vol.shape), vol.ravel())
    # 7 -> blocks [0:3], [3:7] (np.linspace(0, 7, 3) floored), 5 -> [0:5], 4 -> [0:2], [2:4]
    expected = [vol[a:b, :, c:d].mean() for a, b in [(0, 3), (3, 7)] for c, d in [(0, 2), (2, 4)]]
    np.testing.assert_allclose(block_means(vol, (2, 1, 2)), expected)


def test_grid_features(tmp_path: Path) -> None:
    folder, base = _folder(tmp_path)
    ds = load(folder, _card(grid=[1, 1, 1], label_column="label"), "sha256:x")
    assert ds.X.shape == (6, 1)
    np.testing.assert_allclose(ds.X[:, 0], [base.mean() * (1 + 0.1 * i) for i in range(6)], rtol=1e-5)
    assert list(ds.y) == ["CN", "AD"] * 3 and list(ds.meta["subject_id"]) == [f"s{i}" for i in range(6)]
    assert load(folder, _card(), "").X.shape == (6, 512)  # default 8 x 8 x 8 grid
    assert load(folder, _card(grid=[1, 1, 1]), "").y is None  # no label column named
    with pytest.raises(DataError, match=r"no label column 'nope'.*columns: "):
        load(folder, _card(grid=[1, 1, 1], label_column="nope"), "")


def test_atlas_regional_means(tmp_path: Path) -> None:
    folder, base = _folder(tmp_path, n=2)
    atlas = np.zeros(base.shape, dtype=np.int16)
    atlas[:10] = 3
    atlas[20:, :20] = 7
    nib.save(nib.Nifti1Image(atlas, np.eye(4)), folder / "atlas.nii.gz")
    ds = load(folder, _card(atlas="atlas.nii.gz"), "")
    assert ds.extras["feature_names"] == ["region_3", "region_7"]
    for i in range(2):
        vol = base * (1 + 0.1 * i)
        np.testing.assert_allclose(ds.X[i], [vol[atlas == 3].mean(), vol[atlas == 7].mean()], rtol=1e-5)


def test_trailing_singleton_dimension_is_accepted(tmp_path: Path) -> None:
    base = np.asarray(nib.load(NIB_DATA / "anatomical.nii").get_fdata())
    nib.save(nib.Nifti1Image(base[..., None].astype(np.float32), np.eye(4)), tmp_path / "v.nii")
    assert read_volume(tmp_path / "v.nii").shape == (33, 41, 25)


@pytest.mark.parametrize(("name", "shape"), [("functional.nii", "(17, 21, 3, 20)"), ("2d", "(33, 41)")])
def test_wrong_dimensionality_is_a_data_error(tmp_path: Path, name: str, shape: str) -> None:
    if name == "2d":
        base = np.asarray(nib.load(NIB_DATA / "anatomical.nii").get_fdata())
        nib.save(nib.Nifti1Image(base[:, :, 0].astype(np.float32), np.eye(4)), tmp_path / "2d.nii")
        path = tmp_path / "2d.nii"
    else:
        path = NIB_DATA / name
    with pytest.raises(DataError, match=re.escape(f"expected a 3-D volume, got shape {shape}")):
        read_volume(path)


def test_4d_volume_in_a_run_fails_cleanly(cli, tmp_path: Path) -> None:  # noqa: ANN001
    folder, _ = _folder(tmp_path, n=4)
    shutil.copy(NIB_DATA / "functional.nii", folder / "func.nii")
    df = pd.read_csv(folder / "labels.csv")
    df.loc[2, "file"] = "func.nii"
    df.to_csv(folder / "labels.csv", index=False)
    cat = tmp_path / "catalog"
    (cat / "datasets").mkdir(parents=True)
    (cat / "suites").mkdir()
    (cat / "datasets" / "DS-NII.yaml").write_text(textwrap.dedent(f"""\
        id: DS-NII
        name: my volumes
        source: file
        loader: nifti
        format: nifti
        license: CC0-1.0
        params: {{path: {folder}, grid: [2, 2, 2]}}
        """))
    (cat / "suites" / "SUITE-NII.yaml").write_text(textwrap.dedent("""\
        id: SUITE-NII
        benchmark_id: BM-001
        name: nii
        dataset_id: DS-NII
        protocol: classification
        label_column: label
        positive_class: AD
        split: {kind: holdout, test_fraction: 0.5}
        bootstrap: {n_boot: 200}
        """))
    out = tmp_path / "out"
    proc = cli("run", "--catalog", cat, "--suite", "SUITE-NII", "--model", "logistic", "--out", out)
    assert_clean_failure(proc, out, "func.nii", "expected a 3-D volume, got shape (17, 21, 3, 20)")
