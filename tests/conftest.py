"""Shared fixtures: an isolated data directory, a CLI runner that captures exit codes, an isolated
output cache, and the report-generation data folder (used by tests/data and tests/tasks)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

# Keep every test's output cache out of the user's home (runs cache model outputs by default).
os.environ.setdefault("FMBENCH_CACHE", tempfile.mkdtemp(prefix="fmbench-test-cache-"))


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory) -> Path:  # noqa: ANN001
    """One generated-data folder for the whole session (generation is deterministic)."""
    return tmp_path_factory.mktemp("fmbench-data")


@pytest.fixture
def cli(data_dir):  # noqa: ANN001, ANN201
    """Run ``python -m fmbench ARGS`` in a subprocess; returns CompletedProcess."""

    def run(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
        full_env = {**os.environ, "FMBENCH_DATA": str(data_dir), "COLUMNS": "200", **(env or {})}
        return subprocess.run([sys.executable, "-m", "fmbench", *map(str, args)], capture_output=True,
                              text=True, cwd=cwd, env=full_env, timeout=600)

    return run


@pytest.fixture
def isolated_cache(tmp_path, monkeypatch):  # noqa: ANN001, ANN201
    """Point FMBENCH_CACHE and FMBENCH_DATA into the test's tmp_path (modules opt in with
    ``pytestmark = pytest.mark.usefixtures("isolated_cache")``)."""
    monkeypatch.setenv("FMBENCH_CACHE", str(tmp_path / "fm-cache"))
    monkeypatch.setenv("FMBENCH_DATA", str(tmp_path / "fm-data"))


@pytest.fixture(scope="session")
def rg_data_dir(tmp_path_factory) -> Path:  # noqa: ANN001
    """One report-generation data folder for the whole session (SUITE-REPORT-GEN's studies)."""
    return tmp_path_factory.mktemp("rg_data")
