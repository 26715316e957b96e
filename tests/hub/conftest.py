"""Fixtures for the hub tests: a record factory, a store on SQLite or a throwaway PostgreSQL,
an app with a TestClient, and a real uvicorn server in a subprocess."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from hub_helpers import cli_env, free_port, missing, reset_postgres

from fmbench.testing import make_toy_record


@pytest.fixture
def record_factory():
    return make_toy_record


# --- PostgreSQL -------------------------------------------------------------------------
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


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """An empty database of each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'hub.sqlite3'}"
    url = request.getfixturevalue("postgres_url")
    reset_postgres(url)
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
