"""What the key cannot cover turns the cache off, and says so; what it covers, ``cache ls`` shows.

* big files' hashes come from the sidecar only while (size, mtime, ctime, inode) are unchanged;
* an in-memory model without ``cache_key`` is not cached (``provenance.cache``), one with a
  ``cache_key`` attribute is;
* a module edited after this process imported it, or a named folder too large to hash, turns
  the cache off for the run instead of keying on what does not run;
* ``cache ls`` shows model id, config digest, files and modules counted, package versions,
  dataset digest, protocol and when each entry folder was made.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import fmbench.models.file_hashes as file_hashes
from fmbench.models.file_hashes import FileHashes
from fmbench.testing import make_catalog, read_eval, write_yaml

pytestmark = pytest.mark.usefixtures("isolated_cache")


# ---------------------------------------------------------------- the sidecar of big files' hashes


def test_sidecar_spares_unchanged_big_files_but_not_rewritten_ones(tmp_path, monkeypatch):
    monkeypatch.setattr(file_hashes, "BIG_FILE_BYTES", 1024)  # "big" from 1 KiB on
    monkeypatch.setattr(file_hashes, "SETTLED_NS", 0)
    sidecar = tmp_path / "cache" / ".file-hashes.json"
    big, small = tmp_path / "big.bin", tmp_path / "small.bin"
    big.write_bytes(b"a" * 4096)
    small.write_bytes(b"s" * 100)

    first = FileHashes(sidecar)
    digest, _ = first.file(big)
    first.file(small)
    first.save()
    assert first.read_bytes == 4196 and sidecar.is_file()

    second = FileHashes(sidecar)
    assert second.file(big)[0] == digest
    second.file(small)
    assert second.read_bytes == 100  # the big file came from the sidecar, the small one was read

    st = big.stat()
    time.sleep(0.05)  # past the file system's timestamp tick
    big.write_bytes(b"b" * 4096)  # same size ...
    os.utime(big, ns=(st.st_atime_ns, st.st_mtime_ns))  # ... and the old mtime
    third = FileHashes(sidecar)
    new_digest, _ = third.file(big)
    assert third.read_bytes == 4096 and new_digest != digest


def test_a_just_written_big_file_is_not_remembered(tmp_path, monkeypatch):
    monkeypatch.setattr(file_hashes, "BIG_FILE_BYTES", 1024)
    sidecar = tmp_path / ".file-hashes.json"
    (tmp_path / "big.bin").write_bytes(b"a" * 2048)
    hashes = FileHashes(sidecar)
    hashes.file(tmp_path / "big.bin")
    hashes.save()
    assert not sidecar.exists()  # changed under two seconds ago: hashed again next time


def test_folder_digest_covers_names_and_content(tmp_path):
    folder = tmp_path / "weights"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.bin").write_bytes(b"1")
    (folder / "sub" / "b.bin").write_bytes(b"2")
    (folder / "__pycache__").mkdir()
    (folder / "__pycache__" / "x.pyc").write_bytes(b"compiled")
    before = FileHashes().path(folder)
    assert before.files == 2
    (folder / "sub" / "b.bin").rename(folder / "sub" / "c.bin")
    renamed = FileHashes().path(folder)
    (folder / "sub" / "c.bin").write_bytes(b"3")
    changed = FileHashes().path(folder)
    assert len({before.sha256, renamed.sha256, changed.sha256}) == 3


# ---------------------------------------------------------------- in-memory models


class KeyedModel:
    """A scikit-learn-like model whose own ``cache_key`` names its weights' version."""

    cache_key = "keyed-model-v1"

    def fit(self, X, y):  # noqa: ANN001, ANN201
        from sklearn.linear_model import LogisticRegression

        self.clf = LogisticRegression(max_iter=500).fit(X, y)
        return self

    def predict_proba(self, X):  # noqa: ANN001, ANN201
        return self.clf.predict_proba(X)


def test_in_memory_model_without_cache_key_is_not_cached_and_the_record_says_so():
    import fmbench
    from fmbench.testing import OracleModel

    res = fmbench.evaluate(OracleModel(), "SUITE-TOY-CLASS-CV")
    assert res.record.provenance["cache"] == "off: in-memory model without cache_key"
    assert "cache_hits" not in res.record.resources
    assert not list(Path(os.environ["FMBENCH_CACHE"]).rglob("*.npy"))


def test_in_memory_model_with_its_own_cache_key_is_cached():
    import fmbench

    first = fmbench.evaluate(KeyedModel(), "SUITE-TOY-CLASS-CV")
    again = fmbench.evaluate(KeyedModel(), "SUITE-TOY-CLASS-CV")
    assert first.record.provenance["cache"] == again.record.provenance["cache"] == "on"
    assert (first.record.resources["cache_hits"], again.record.resources["cache_misses"]) == (0, 0)
    assert again.record.resources["cache_hits"] == 5
    assert again.metrics["AUROC"].value == first.metrics["AUROC"].value
    off = fmbench.evaluate(KeyedModel(), "SUITE-TOY-CLASS-CV", no_cache=True)
    assert off.record.provenance["cache"] == "off: no_cache=True"


# ---------------------------------------------------------------- keys that cannot be complete

SCORER = '''
import numpy as np


class Scorer:
    def __init__(self, weights=None):
        self.weights = weights

    def predict_proba(self, X):
        s = 1 / (1 + np.exp(-np.asarray(X, dtype=float)[:, COLUMN]))
        return np.column_stack([1 - s, s])


COLUMN = {column}
'''


def scorer_setup(tmp_path: Path, name: str, **init_kwargs) -> tuple[Path, Path]:  # noqa: ANN003
    rng = np.random.default_rng(3)
    X = rng.normal(size=(40, 4))
    cat = make_catalog(tmp_path, X, ["b" if v > 0 else "a" for v in X[:, 0]], protocol="classification")
    folder = tmp_path / name
    folder.mkdir()
    (folder / f"{name}.py").write_text(SCORER.format(column=0))
    cfg = write_yaml(folder / "model.yaml", {"model_id": name, "type": "python_class",
                                             "import_path": f"{name}:Scorer", "init_kwargs": init_kwargs})
    return cat, cfg


def run_record(tmp_path: Path, cat: Path, cfg: Path, out: str) -> dict:
    from fmbench.runner import run_suite

    run_suite("SUITE-FM-TEST", cfg, tmp_path / out, catalog_dirs=[cat])
    return read_eval(tmp_path / out / "eval.yaml")


def test_module_edited_after_import_in_this_process_turns_the_cache_off(tmp_path):
    cat, cfg = scorer_setup(tmp_path, "edited_scorer")
    try:
        first = run_record(tmp_path, cat, cfg, "first")
        (cfg.parent / "edited_scorer.py").write_text(SCORER.format(column=1))
        second = run_record(tmp_path, cat, cfg, "second")
    finally:
        sys.modules.pop("edited_scorer", None)
    assert first["provenance"]["cache"] == "on"
    assert second["provenance"]["cache"].startswith("off: module(s) edited_scorer changed on disk after")
    assert second["metrics"]["AUROC"] == first["metrics"]["AUROC"]  # the loaded code still ran ...
    cached = list(Path(os.environ["FMBENCH_CACHE"]).rglob("*.npy"))
    assert len(cached) == 1  # ... and was not cached under the edited file's key


def test_named_folder_too_large_to_hash_turns_the_cache_off(tmp_path, monkeypatch):
    monkeypatch.setattr(file_hashes, "MAX_FOLDER_FILES", 3)
    weights = tmp_path / "many"
    weights.mkdir()
    for i in range(5):
        (weights / f"{i}.bin").write_bytes(bytes([i]))
    cat, cfg = scorer_setup(tmp_path, "folder_scorer", weights=str(weights))
    try:
        record = run_record(tmp_path, cat, cfg, "out")
    finally:
        sys.modules.pop("folder_scorer", None)
    reason = f"off: init_kwargs.weights names {weights} holds more than 3 files; name a smaller folder"
    assert record["provenance"]["cache"] == reason
    assert not list(Path(os.environ["FMBENCH_CACHE"]).rglob("*.npy"))


# ---------------------------------------------------------------- cache ls


def test_cache_ls_shows_what_each_entry_was_keyed_on(tmp_path, capsys, cli):
    from fmbench.cli import main

    weights = tmp_path / "w.npy"
    np.save(weights, np.ones(4))
    cat, cfg = scorer_setup(tmp_path, "listed_scorer", weights=str(weights))
    try:
        record = run_record(tmp_path, cat, cfg, "out")
    finally:
        sys.modules.pop("listed_scorer", None)
    capsys.readouterr()
    main(["cache", "ls", "--json"])
    [row] = json.loads(capsys.readouterr().out)
    keyed = row["keyed_on"]
    assert row["model"].startswith("listed_scorer.")
    assert (row["protocol"], row["entries"]) == ("classification", 1)
    assert keyed["model_id"] == "listed_scorer"
    assert keyed["config_digest"] == record["model"]["config_digest"]
    assert keyed["dataset_digest"] == record["dataset"]["digest"]
    assert (keyed["files"], keyed["paths"], keyed["modules"]) == (1, [str(weights)], 1)
    assert keyed["packages"]["numpy"] == np.__version__
    assert keyed["protocol"] == "classification" and keyed["created"].endswith("Z")
    table = cli("cache", "ls", env={"FMBENCH_CACHE": os.environ["FMBENCH_CACHE"]}).stdout  # 200 columns
    for text in ("listed_scorer", "1 file", "1 module", "numpy " + np.__version__, "classification"):
        assert text in table, text
