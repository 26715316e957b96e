"""Settings, layering, and the app on PostgreSQL."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hub_helpers import auth, cli_env

from fmbench.hub.settings import HubSettings, resolve_db_url
from fmbench.records.io import record_to_yaml
from fmbench.testing import make_toy_record


def test_default_db_is_a_sqlite_file_in_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("FMBENCH_DATA", str(tmp_path / "data"))
    assert HubSettings().db_url == f"sqlite:///{tmp_path / 'data' / 'hub.sqlite3'}"
    monkeypatch.delenv("FMBENCH_DATA")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert HubSettings().db_url == f"sqlite:///{tmp_path / 'cache' / 'fmbench' / 'hub.sqlite3'}"
    assert resolve_db_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    monkeypatch.setenv("FMBENCH_HUB_MAX_BODY_BYTES", "4096")
    assert HubSettings().max_body_bytes == 4096


def test_sqlite_store_is_wal_with_full_sync(tmp_path):
    from sqlalchemy import text

    from fmbench.hub.store import Store

    store = Store.open(f"sqlite:///{tmp_path / 'd' / 'hub.sqlite3'}")
    with store.engines.write.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
    store.close()


def test_hub_imports_no_evaluation_stack_and_builds_nothing_at_import():
    code = (
        "import sys\n"
        "import fmbench.hub.app, fmbench.hub.api, fmbench.hub.pages, fmbench.hub.store\n"
        "import fmbench.cli.hub_cmds\n"
        "from fmbench.hub.app import create_app\n"
        "from fmbench.hub.settings import HubSettings\n"
        "create_app(HubSettings(db='sqlite:////nonexistent/dir/never-created.sqlite3'))\n"
        "import os; assert not os.path.exists('/nonexistent/dir')\n"
        "bad = [m for m in sys.modules if m.split('.')[:2] in (['fmbench','tasks'], ['fmbench','models'],"
        " ['fmbench','data'], ['fmbench','metrics'], ['fmbench','probes'])]\n"
        "bad += [m for m in ('torch', 'sklearn', 'transformers') if m in sys.modules]\n"
        "print(bad)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=cli_env(), timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


@pytest.mark.postgres
def test_app_on_postgresql(postgres_url):
    from fastapi.testclient import TestClient
    from sqlalchemy import create_engine, text

    from fmbench.hub.app import create_app

    engine = create_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    with TestClient(create_app(HubSettings(db=postgres_url))) as client:
        store = client.app.state.hub.store
        alice, maint = store.add_user("alice")[1], store.add_user("maint", maintainer=True)[1]
        rec = make_toy_record(1, model="logistic", auroc=0.81)
        h = {"Content-Type": "application/yaml", **auth(alice)}
        r = client.post("/api/submissions", content=record_to_yaml(rec), headers=h)
        assert r.status_code == 201
        assert client.post("/api/submissions", content=record_to_yaml(rec), headers=h).status_code == 200
        clash = make_toy_record(2, eval_id=rec.eval_id)
        assert client.post("/api/submissions", content=record_to_yaml(clash), headers=h).status_code == 409
        sid = r.json()["id"]
        assert (
            client.post(
                f"/api/submissions/{sid}/review", json={"decision": "accept"}, headers=auth(maint)
            ).status_code
            == 200
        )
        assert "Logistic" in client.get("/benchmarks/BM-TOY-CLASS").text
        assert client.get(f"/api/records/{rec.eval_id}").json()["digest"] == rec.digest
