"""Helpers of the hub tests (imported as a plain module; the fixtures are in conftest.py)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
REPO = Path(__file__).resolve().parents[2]


def missing(reason: str) -> None:
    """Fail under CI (the test command installs what is needed), skip elsewhere."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the README's test command must install it)", pytrace=False)
    pytest.skip(reason)


def ranked_models(board: dict) -> list[str]:
    """Model ids of a board's ranked rows (JSON), table by table."""
    return [row["model_id"] for table in board["tables"] for row in table["rows"]]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def cli_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FMBENCH_")}
    env["PYTHONPATH"] = str(REPO / "src") + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def run_cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "fmbench", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env or cli_env(),
    )


def reset_postgres(url: str) -> None:
    """Drop everything in the test database (each test starts from an empty schema)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
