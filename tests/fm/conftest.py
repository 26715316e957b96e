"""Fixtures of the fm tests; helpers live in fm_helpers.py."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from fm_helpers import SPECIALS, WORDS, save_tiny_bert  # noqa: E402


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory) -> Path:
    return save_tiny_bert(tmp_path_factory.mktemp("bert") / "tiny-bert", SPECIALS + WORDS)


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("FMBENCH_CACHE", str(tmp_path / "fm-cache"))
    monkeypatch.setenv("FMBENCH_DATA", str(tmp_path / "fm-data"))
