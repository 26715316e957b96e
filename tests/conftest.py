"""Shared fixtures: an isolated data directory and a CLI runner that captures exit codes."""

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
