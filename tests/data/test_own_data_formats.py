"""``--data PATH``: each format read as the user wrote it, with its digest and the suite adapted.

Folders (fmbench's X.npy + meta.csv; the hub's earlier X.npy + y.npy + metadata.csv + info.json),
tables (CSV, TSV, Parquet), .h5ad (sparse X kept sparse) and labelled texts (JSONL, CSV). Every
check compares against what the test wrote, not against the loader's own output.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fmbench.catalog.registry import load_catalog
from fmbench.data.provision import load_dataset
from fmbench.data.user_data import DataOptions, load_user_data
from fmbench.errors import ConfigError, DataError, NotFoundError

CAT = load_catalog()
TOY = CAT.suite("SUITE-TOY-CLASS")  # classification, holdout grouped by subject_id, label 'label'
ROBUST = CAT.suite("SUITE-ROBUSTNESS-NEURO")


def earlier_folder(folder: Path, *, n: int = 40, shape: tuple = (4, 64), y_len: int | None = None,
                   info: dict | None = None) -> Path:
    """The hub's earlier layout: X.npy, y.npy (codes), metadata.csv, info.json."""
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    y = np.arange(n) % 2
    X = rng.standard_normal((n, *shape)).astype(np.float32) + y.reshape(-1, *[1] * len(shape))
    np.save(folder / "X.npy", X)
    np.save(folder / "y.npy", y[: y_len if y_len is not None else n])
    pd.DataFrame({"subject_id": [f"s{i // 2}" for i in range(n)], "site": np.tile(["A", "B"], n // 2)}) \
        .to_csv(folder / "metadata.csv", index=False)
    (folder / "info.json").write_text(json.dumps(info if info is not None else {"sampling_freq": 200}))
    return folder


def test_earlier_layout_reads_labels_metadata_and_sampling_freq(tmp_path) -> None:  # noqa: ANN001
    info = {"sampling_freq": 250, "label_names": ["control", "case"], "montage": "10-20"}
    folder = earlier_folder(tmp_path / "robustness", info=info)
    user = load_user_data(folder, ROBUST)
    ds = user.dataset
    assert ds.id == "DS-USER-robustness" and ds.name == "robustness"
    assert ds.X.shape == (40, 4, 64) and isinstance(ds.X, np.memmap)
    assert list(ds.y) == ["control", "case"] * 20  # codes 0/1 named by info.json
    assert list(ds.meta.columns) == ["subject_id", "site"]
    assert ds.card.params["sampling_freq"] == 250.0 and ds.card.params["info"] == {
        "label_names": ["control", "case"], "montage": "10-20"}
    # the suite keeps its split and bootstrap clustering (the folder has subject_id) but not its
    # positive class 'slowing', which is not among these labels
    assert user.suite.split.group_column == "subject_id" and user.suite.positive_class is None
    assert user.suite.required_metadata == ["subject_id", "site"]
    assert user.provenance["format"] == "earlier hub folder"


def test_earlier_layout_without_metadata_or_info(tmp_path) -> None:  # noqa: ANN001
    folder = earlier_folder(tmp_path / "fmri", shape=(10,))
    (folder / "metadata.csv").unlink()
    (folder / "info.json").unlink()
    user = load_user_data(folder, TOY)
    assert user.dataset.n == 40 and list(user.dataset.y[:2]) == ["0", "1"]
    assert "sampling_freq" not in user.dataset.card.params
    assert user.suite.split.group_column is None and user.suite.bootstrap.cluster_column is None
    assert user.provenance["suite_adapted"] == [
        "split without groups (no 'subject_id' column)", "bootstrap over rows (no 'subject_id' column)",
        "no positive class (the labels do not include 'positive')"]


@pytest.mark.parametrize(("change", "needles"), [
    ({"y_len": 39}, ["y.npy", "39 labels", "40 rows"]),
    ({"info": ["not", "an", "object"]}, ["info.json", "JSON object"]),
    ({"info": {"sampling_freq": -5}}, ["info.json", "sampling_freq must be a positive number"]),
])
def test_earlier_layout_bad_files(tmp_path, change, needles) -> None:  # noqa: ANN001
    folder = earlier_folder(tmp_path / "bad", **change)
    with pytest.raises(DataError) as err:
        load_user_data(folder, TOY)
    for n in needles:
        assert n in str(err.value)


def test_fmbench_folder_label_column_and_did_you_mean(tmp_path) -> None:  # noqa: ANN001
    folder = tmp_path / "mine"
    folder.mkdir()
    np.save(folder / "X.npy", np.arange(20, dtype=np.float32).reshape(10, 2))
    meta = pd.DataFrame({"Label": list("ab") * 5, "site": list("xxyyxxyyxx")})
    meta.to_csv(folder / "meta.csv", index=False)
    with pytest.raises(DataError) as err:
        load_user_data(folder, TOY)
    msg = str(err.value)
    for needle in ("meta.csv", "'label'", "did you mean 'Label'?", "--label-column"):
        assert needle in msg, msg
    user = load_user_data(folder, TOY, DataOptions(label_column="Label"))
    assert list(user.dataset.y) == list("ab") * 5 and user.suite.label_column == "Label"


def test_digest_is_the_users_never_the_builtin(tmp_path, data_dir) -> None:  # noqa: ANN001
    builtin = load_dataset(CAT.dataset("DS-TOY-FMRI-CLASS"), data_dir)
    copy = tmp_path / "toycopy"
    copy.mkdir()
    for name in ("X.npy", "meta.csv"):
        shutil.copy(Path(data_dir) / "DS-TOY-FMRI-CLASS" / name, copy / name)
    user = load_user_data(copy, TOY)
    assert user.dataset.digest.startswith("sha256:") and user.dataset.digest != builtin.digest
    assert user.dataset.id != builtin.id
    # content, not location, identifies the data: the same files elsewhere have the same digest
    moved = tmp_path / "elsewhere" / "toycopy"
    shutil.copytree(copy, moved)
    assert load_user_data(moved, TOY).dataset.digest == user.dataset.digest
    # how the files were read is part of the identity: another label column is another test set
    other = load_user_data(copy, TOY, DataOptions(label_column="site"))
    assert other.dataset.digest != user.dataset.digest


def test_csv_table_splits_features_labels_metadata(tmp_path) -> None:  # noqa: ANN001
    rng = np.random.default_rng(1)
    feats = rng.standard_normal((12, 3))
    table = pd.DataFrame({"subject_id": range(12), "g1": feats[:, 0], "g2": feats[:, 1], "g3": feats[:, 2],
                          "sex": list("MF") * 6, "label": list("ab") * 6})
    path = tmp_path / "cohort.csv"
    table.to_csv(path, index=False)
    user = load_user_data(path, TOY)
    ds = user.dataset
    np.testing.assert_allclose(ds.X, feats.astype(np.float32))
    assert ds.extras["feature_names"] == ["g1", "g2", "g3"]
    assert list(ds.meta.columns) == ["subject_id", "sex", "label"]  # id-like and non-numeric stay metadata
    assert list(ds.y) == list("ab") * 6 and ds.id == "DS-USER-cohort"
    # --meta-columns: exactly these (and the label) are metadata, every other column a feature
    kept = load_user_data(path, TOY, DataOptions(meta_columns=("subject_id", "sex", "g3"))).dataset
    np.testing.assert_allclose(kept.X, feats[:, :2].astype(np.float32))
    assert list(kept.meta.columns) == ["subject_id", "sex", "g3", "label"]
    tsv = tmp_path / "cohort.tsv"
    table.to_csv(tsv, index=False, sep="\t")
    np.testing.assert_allclose(load_user_data(tsv, TOY).dataset.X, feats.astype(np.float32))


def test_parquet_table(tmp_path) -> None:  # noqa: ANN001
    pytest.importorskip("pyarrow")
    table = pd.DataFrame({"f1": [0.1, 0.2, 0.3, 0.4], "f2": [1.0, 2.0, 3.0, 4.0], "label": list("abab")})
    path = tmp_path / "t.parquet"
    table.to_parquet(path)
    ds = load_user_data(path, TOY).dataset
    np.testing.assert_allclose(ds.X, table[["f1", "f2"]].to_numpy(np.float32))
    assert list(ds.y) == list("abab")


def test_parquet_without_pyarrow_says_what_to_install(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    import builtins

    real_import = builtins.__import__

    def no_pyarrow(name, *args, **kw):  # noqa: ANN001, ANN002, ANN003, ANN202
        if name == "pyarrow":
            raise ImportError("no pyarrow")
        return real_import(name, *args, **kw)

    monkeypatch.setattr(builtins, "__import__", no_pyarrow)
    path = tmp_path / "t.parquet"
    path.write_bytes(b"PAR1 not really")
    with pytest.raises(DataError, match="reading Parquet needs pyarrow"):
        load_user_data(path, TOY)


@pytest.mark.parametrize(("content", "options", "needles"), [
    ("f1,f2,label\n1,2,a\n3,1.2.3,b\n5,6,a\n7,8,b\n", {}, ["column 'f2' is numeric except line 3", "'1.2.3'",
                                                          "--meta-columns"]),
    ("f1,f2,label\n1,x,a\n3,y,b\n", {"meta_columns": ("f1",)}, ["feature column 'f2' is not numeric",
                                                                 "line 2: 'x'"]),
    ("f1,f2,label\n1,,a\n3,4,b\n", {}, ["1 row(s) have missing or infinite features", "line 2", "'f2'"]),
    ("f1,f2,Labels\n1,2,a\n3,4,b\n", {}, ["no label column 'label'", "did you mean 'Labels'?"]),
    ("f1,f2,label\n", {}, ["header but no rows"]),
    ("sex,label\nM,a\nF,b\n", {}, ["no feature column left"]),
    ("f1,label\n1,a\n", {"meta_columns": ("site",)}, ["no metadata column 'site'"]),
])
def test_bad_tables(tmp_path, content, options, needles) -> None:  # noqa: ANN001
    path = tmp_path / "t.csv"
    path.write_text(content)
    with pytest.raises(DataError) as err:
        load_user_data(path, TOY, DataOptions(**options))
    msg = str(err.value)
    assert "\n" not in msg and str(path) in msg
    for n in needles:
        assert n in msg, msg


@pytest.mark.parametrize(("name", "content", "error", "needles"), [
    ("empty.csv", "", DataError, ["the file is empty"]),
    ("data.xlsx", "x", DataError, ["unsupported file type '.xlsx'", ".csv, .tsv, .parquet, .h5ad, .jsonl"]),
    ("nothing", None, NotFoundError, ["no such file or folder"]),
])
def test_unreadable_paths(tmp_path, name, content, error, needles) -> None:  # noqa: ANN001
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    with pytest.raises(error) as err:
        load_user_data(path, TOY)
    for n in needles:
        assert n in str(err.value)


def test_folder_without_labels_or_x(tmp_path) -> None:  # noqa: ANN001
    (tmp_path / "a").mkdir()
    with pytest.raises(DataError, match="no X.npy in this folder"):
        load_user_data(tmp_path / "a", TOY)
    np.save(tmp_path / "a" / "X.npy", np.zeros((3, 2)))
    with pytest.raises(DataError, match="neither meta.csv .* nor y.npy"):
        load_user_data(tmp_path / "a", TOY)


def test_meta_columns_only_for_tables(tmp_path) -> None:  # noqa: ANN001
    folder = earlier_folder(tmp_path / "f", shape=(3,))
    with pytest.raises(ConfigError, match="--meta-columns applies to a table"):
        load_user_data(folder, TOY, DataOptions(meta_columns=("site",)))


def test_strata_must_exist(tmp_path) -> None:  # noqa: ANN001
    folder = earlier_folder(tmp_path / "f", shape=(3,))
    user = load_user_data(folder, TOY, DataOptions(strata=("site",)))
    assert user.suite.strata == ["site"]
    with pytest.raises(DataError, match=r"--strata sites: .*did you mean 'site'\?"):
        load_user_data(folder, TOY, DataOptions(strata=("sites",)))


def test_jsonl_texts(tmp_path) -> None:  # noqa: ANN001
    lines = [{"text": "no acute findings", "label": "normal", "site": "A", "tags": ["x"]},
             {"text": "small left effusion", "label": "abnormal", "site": "B"},
             {"text": "clear lungs", "label": "normal", "site": "A"}]
    path = tmp_path / "reports.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n\n")
    ds = load_user_data(path, TOY).dataset
    assert ds.X is None and ds.extras["texts"] == [x["text"] for x in lines]
    assert list(ds.y) == ["normal", "abnormal", "normal"]
    assert list(ds.meta.columns) == ["label", "site"]  # the list field is left out
    assert load_user_data(path, TOY).provenance["format"] == "texts"


def test_texts_with_other_field_names_and_from_csv(tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "notes.jsonl"
    path.write_text('{"note": "a", "y": 1}\n{"note": "b", "y": 0}\n')
    ds = load_user_data(path, TOY, DataOptions(text_column="note", label_column="y")).dataset
    assert ds.extras["texts"] == ["a", "b"] and list(ds.y) == [1, 0]
    csv = tmp_path / "notes.csv"
    pd.DataFrame({"text": ["first note", "second", "3"], "label": ["x", "y", "x"]}).to_csv(csv, index=False)
    ds = load_user_data(csv, TOY).dataset  # a CSV with a 'text' column is texts
    assert ds.extras["texts"] == ["first note", "second", "3"] and ds.X is None


@pytest.mark.parametrize(("content", "options", "needles"), [
    ('{"text": "a", "label": "x"}\n{"text": "  ", "label": "y"}\n', {}, [":2:", "field 'text' is empty"]),
    ('{"text": "a", "label": "x"}\n{"text": "b"}\n', {}, [":2:", "field 'label' is missing"]),
    ('{"body": "a", "label": "x"}\n', {}, ["no text field 'text'", "--text-column"]),
    ('{"text": "a", "label": "x"}\n[1, 2]\n', {}, [":2:", "expected a JSON object"]),
    ('{"text": "a", "label": "x"}\n{"text": "b", "lable": "y"}\n', {"label_column": "lable"},
     [":1:", "field 'lable' is missing"]),
])
def test_bad_jsonl(tmp_path, content, options, needles) -> None:  # noqa: ANN001
    path = tmp_path / "t.jsonl"
    path.write_text(content)
    with pytest.raises(DataError) as err:
        load_user_data(path, TOY, DataOptions(**options))
    for n in needles:
        assert n in str(err.value), str(err.value)


def test_h5ad_keeps_a_sparse_matrix_sparse(tmp_path) -> None:  # noqa: ANN001
    anndata = pytest.importorskip("anndata")
    import scipy.sparse as sp

    X = sp.random(50, 40, density=0.1, format="csr", dtype=np.float32, random_state=0)
    obs = pd.DataFrame({"cell_type": list("ab") * 25, "batch": ["b1"] * 25 + ["b2"] * 25},
                       index=[f"c{i}" for i in range(50)])
    path = tmp_path / "cells.h5ad"
    anndata.AnnData(X=X, obs=obs).write_h5ad(path)
    user = load_user_data(path, CAT.suite("SUITE-PBMC-CELLTYPE"), DataOptions(label_column="cell_type"))
    ds = user.dataset
    assert sp.issparse(ds.X) and ds.X.format == "csr" and ds.X.dtype == np.float32
    assert (ds.X != X).nnz == 0
    assert list(ds.y) == list("ab") * 25 and {"cell_id", "cell_type", "batch"} <= set(ds.meta.columns)
    files = "sha256:" + hashlib.sha256(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  cells.h5ad\n"
                                       .encode()).hexdigest()
    assert ds.digest != files  # bound to how it was read, never the bare file digest a card would give
    with pytest.raises(DataError, match=r"obs: no label column 'bulk_labels' or 'label'"):
        load_user_data(path, CAT.suite("SUITE-PBMC-CELLTYPE"))
