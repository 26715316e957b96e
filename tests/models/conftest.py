"""Fixtures of the model tests: a tiny BERT saved once per session (the adapter tests need the fm
extra; they skip themselves without torch and transformers)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fmbench.testing import BERT_SPECIAL_TOKENS, TOY_WORDS, save_tiny_bert


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory) -> Path:
    return save_tiny_bert(tmp_path_factory.mktemp("bert") / "tiny-bert", BERT_SPECIAL_TOKENS + TOY_WORDS)
