"""Remembered content hashes (FileState): unchanged files are not read again, and no change
goes unseen — not a same-size edit with its mtime put back, not a write in the same tick."""

from __future__ import annotations

import hashlib
import importlib
import os

from fmbench.catalog.registry import load_catalog
from fmbench.leaderboard.collect import scan_and_check
from fmbench.testing import make_record, write_records

filestate = importlib.import_module("fmbench.leaderboard.filestate")


def _scan(folder, cache):  # noqa: ANN001, ANN202
    return scan_and_check([folder], load_catalog(), cache_dir=cache, workers=1)


def test_unchanged_files_are_not_read_again(tmp_path, monkeypatch):
    monkeypatch.setattr(filestate, "RACY_NS", 0)
    recs = [make_record(model=f"m{i}", value=0.6 + i / 100) for i in range(5)]
    paths = write_records(tmp_path / "evals", recs)
    first = _scan(tmp_path / "evals", tmp_path / "cache")
    assert all(f.content is not None for f in first.files)  # read and hashed
    second = _scan(tmp_path / "evals", tmp_path / "cache")
    assert all(f.content is None for f in second.files)  # hash remembered, file not read
    assert [f.key for f in second.files] == [hashlib.sha256(p.read_bytes()).digest() for p in paths]
    assert second.summaries().cache_hits == 5 and len(second.summaries().infos) == 5


def test_same_size_edit_with_mtime_put_back_is_seen(tmp_path, monkeypatch):
    monkeypatch.setattr(filestate, "RACY_NS", 0)
    (path,) = write_records(tmp_path / "evals", [make_record(model="m", value=0.61)])
    _scan(tmp_path / "evals", tmp_path / "cache")
    before = os.stat(path)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("value: 0.61", "value: 0.62"), encoding="utf-8")  # same size
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.stat(path).st_size == before.st_size and os.stat(path).st_mtime_ns == before.st_mtime_ns
    again = _scan(tmp_path / "evals", tmp_path / "cache")
    assert again.files[0].key == hashlib.sha256(path.read_bytes()).digest()
    (reason,) = again.summaries().skipped  # the edit broke the record's digest
    assert "digest" in reason


def test_a_file_written_just_before_the_last_build_is_hashed_again(tmp_path):
    write_records(tmp_path / "evals", [make_record(model="m", value=0.7)])
    _scan(tmp_path / "evals", tmp_path / "cache")
    again = _scan(tmp_path / "evals", tmp_path / "cache")  # within RACY_NS of the save
    assert again.files[0].content is not None


def test_corrupt_manifest_means_hashing_everything(tmp_path, monkeypatch):
    monkeypatch.setattr(filestate, "RACY_NS", 0)
    write_records(tmp_path / "evals", [make_record(model="m", value=0.7)])
    _scan(tmp_path / "evals", tmp_path / "cache")
    (tmp_path / "cache" / "file-state.pickle").write_bytes(b"not a pickle")
    again = _scan(tmp_path / "evals", tmp_path / "cache")
    assert again.files[0].content is not None and len(again.summaries().infos) == 1
