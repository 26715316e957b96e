"""Fixtures for the hub tests: valid records, a store on SQLite or a throwaway PostgreSQL,
an app with a TestClient, and a real uvicorn server in a subprocess."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from fmbench.records.io import finalize
from fmbench.records.schema import EvalRecord

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
REPO = Path(__file__).resolve().parents[2]


def missing(reason: str) -> None:
    """Fail under CI (the test command installs what is needed), skip elsewhere."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the README's test command must install it)", pytrace=False)
    pytest.skip(reason)


def make_record(
    i: int = 0,
    *,
    model: str = "logistic",
    auroc: float | None = None,
    eval_id: str | None = None,
    benchmark_id: str = "BM-TOY-CLASS",
    suite_id: str | None = "SUITE-TOY-CLASS",
    finalize_digest: bool = True,
    **changes,
) -> EvalRecord:
    """A valid toy-benchmark record; AUROC/Accuracy in [0, 1] with CIs and a scanner breakdown."""
    auroc = 0.6 + (i % 37) / 100 if auroc is None else auroc
    data = {
        "eval_id": eval_id or f"SUITE-TOY-CLASS.{model}.{i:06d}",
        "benchmark_id": benchmark_id,
        "suite_id": suite_id,
        "model": {"id": model, "name": model.replace("_", " ").title()},
        "dataset": {"id": "DS-TOY-FMRI-CLASS", "name": "Toy fMRI Classification", "n": 200, "split": "test"},
        "created_at": datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=i),
        "metrics": {
            "AUROC": {"value": auroc, "ci": [max(0.0, auroc - 0.05), min(1.0, auroc + 0.05)], "n": 200},
            "Accuracy": {"value": auroc - 0.05, "ci": [auroc - 0.1, auroc], "n": 200},
        },
        "stratified": {
            "scanner": {
                "GE": {"N": 70, "AUROC": {"value": min(1.0, auroc + 0.03)}},
                "Philips": {"N": 60, "AUROC": {"value": auroc - 0.04}},
            }
        },
        # a pre-specified run: the suite's own seeds and protocol
        "provenance": {"seed": 0, "protocol": "classification", "split_seed": 0, "bootstrap_seed": 42},
    }
    data.update(changes)
    record = EvalRecord.model_validate(data)
    return finalize(record) if finalize_digest else record


def ranked_models(board: dict) -> list[str]:
    """Model ids of a board's ranked rows (JSON), table by table."""
    return [row["model_id"] for table in board["tables"] for row in table["rows"]]


@pytest.fixture
def record_factory():
    return make_record


# --- PostgreSQL -------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _as_postgres(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    return subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=120, **kw)


@pytest.fixture(scope="session")
def postgres_url():
    """A PostgreSQL server from Debian's binaries on 127.0.0.1, stopped at session end."""
    if os.environ.get("FMBENCH_TEST_POSTGRES_URL"):
        yield os.environ["FMBENCH_TEST_POSTGRES_URL"]
        return
    bindir = _pg_bin()
    if bindir is None:
        missing("PostgreSQL binaries not found under /usr/lib/postgresql/*/bin (apt-get install postgresql)")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        missing("running as root needs `runuser` to start PostgreSQL as the postgres user")
    tmp = Path(tempfile.mkdtemp(prefix="fmbench-pg-"))
    if os.geteuid() == 0:
        shutil.chown(tmp, "postgres", "postgres")
    data, port = tmp / "data", free_port()
    _as_postgres(
        [str(bindir / "initdb"), "-D", str(data), "-U", "fmbench", "--auth=trust", "-E", "UTF8", "--no-sync"]
    )
    opts = f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={tmp} -c fsync=off"
    _as_postgres(
        [
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            opts,
            "-l",
            str(tmp / "log"),
            "-w",
            "-t",
            "60",
            "start",
        ]
    )
    try:
        _as_postgres(
            [str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "fmbench", "fmbench"]
        )
        yield f"postgresql+psycopg://fmbench@127.0.0.1:{port}/fmbench"
    finally:
        with contextlib.suppress(Exception):
            _as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"])
        shutil.rmtree(tmp, ignore_errors=True)


def _reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """An empty database of each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'hub.sqlite3'}"
    url = request.getfixturevalue("postgres_url")
    _reset_postgres(url)
    return url


@pytest.fixture
def store(db_url):
    from fmbench.hub.store import Store

    s = Store.open(db_url)
    yield s
    s.close()


# --- app and server ---------------------------------------------------------------------
@pytest.fixture
def hub_settings(tmp_path):
    from fmbench.hub.settings import HubSettings

    return HubSettings(db=f"sqlite:///{tmp_path / 'hub.sqlite3'}")


@pytest.fixture
def client(hub_settings):
    from fastapi.testclient import TestClient

    from fmbench.hub.app import create_app

    with TestClient(create_app(hub_settings)) as c:
        yield c


@pytest.fixture
def tokens(client):
    """Tokens of a submitter, a second submitter and a maintainer."""
    store = client.app.state.hub.store
    return {name: store.add_user(name, maintainer=name == "maint")[1] for name in ("alice", "bob", "maint")}


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


class Server:
    """``fmbench serve`` in a subprocess on a free loopback port."""

    def __init__(self, db_url: str, log: Path, extra: tuple[str, ...] = ()) -> None:
        self.db_url, self.log_path, self.extra = db_url, log, extra
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> Server:
        import httpx

        self.log = open(self.log_path, "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "fmbench",
                "serve",
                "--db",
                self.db_url,
                "--port",
                str(self.port),
                "--log-level",
                "warning",
                *self.extra,
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env=cli_env(),
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-2000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/api/health", timeout=2).status_code == 200:
                    return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not start in {timeout}s: {self.log_path.read_text()[-2000:]}")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)
        self.log.close()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=20)
        self.log.close()


@pytest.fixture
def server_factory(tmp_path):
    started: list[Server] = []

    def make(db_url: str | None = None, *extra: str) -> Server:
        srv = Server(
            db_url or f"sqlite:///{tmp_path / 'hub.sqlite3'}", tmp_path / f"server{len(started)}.log", extra
        ).start()
        started.append(srv)
        return srv

    yield make
    for srv in started:
        srv.stop()
