"""End to end through the CLI: serve, add-user, submit, review, see it on the page; export/import."""

from __future__ import annotations

import httpx
import pytest
from hub_helpers import cli_env, ranked_models, run_cli

from fmbench.records.io import read_record, record_to_yaml, write_text_atomic
from fmbench.testing import make_toy_record

pytestmark = pytest.mark.slow


def test_cli_submit_review_then_leaderboard_shows_model(tmp_path, server_factory):
    db = f"sqlite:///{tmp_path / 'hub.sqlite3'}"
    srv = server_factory(db)
    maint = run_cli("hub", "add-user", "maria", "--maintainer", "--db", db)
    assert maint.returncode == 0, maint.stderr
    maint_token = maint.stdout.strip()
    assert maint_token.startswith("fmb_") and "shown only once" in maint.stderr
    sub = run_cli("hub", "add-user", "sam", "--db", db)
    sam_token = sub.stdout.strip()

    rec = make_toy_record(5, model="dummy_classifier", auroc=0.77)
    run_dir = tmp_path / "run"
    write_text_atomic(run_dir / "eval.yaml", record_to_yaml(rec))
    env = cli_env(FMBENCH_TOKEN=sam_token)
    out = run_cli("submit", str(run_dir / "eval.yaml"), "--hub", srv.url, env=env)
    assert out.returncode == 0, out.stderr
    assert "submitted: submission 1" in out.stdout and "pending" in out.stdout
    again = run_cli("submit", str(run_dir), "--hub", srv.url, env=env)  # folder form; idempotent
    assert again.returncode == 0 and "already submitted: submission 1" in again.stdout

    page = httpx.get(f"{srv.url}/benchmarks/BM-TOY-CLASS", timeout=30).text
    assert "Dummy Classifier" not in page  # pending is not on the leaderboard

    denied = run_cli("hub", "review", "1", "--accept", "--hub", srv.url, "--token", sam_token)
    assert denied.returncode == 2 and "403" in denied.stderr and len(denied.stderr.strip().splitlines()) == 1
    ok = run_cli(
        "hub", "review", "1", "--accept", "--reason", "checked", "--hub", srv.url, "--token", maint_token
    )
    assert ok.returncode == 0, ok.stderr
    assert "is accepted" in ok.stdout

    page = httpx.get(f"{srv.url}/benchmarks/BM-TOY-CLASS", timeout=30).text
    assert "Dummy Classifier" in page and "0.77" in page

    # export writes the accepted record back, byte-identical content (same digest)
    exp = run_cli("hub", "export", "--evals", str(tmp_path / "evals"), "--db", db)
    assert exp.returncode == 0, exp.stderr
    files = sorted((tmp_path / "evals").rglob("*.yaml"))
    assert [f.name for f in files] == [f"{rec.eval_id}.yaml"]
    assert read_record(files[0]) == rec


def test_cli_errors_are_one_line_exit_2(tmp_path):
    db = f"sqlite:///{tmp_path / 'hub.sqlite3'}"
    r = run_cli("submit", str(tmp_path / "missing.yaml"), "--hub", "http://127.0.0.1:9", "--token", "x")
    assert r.returncode == 2 and "file not found" in r.stderr
    write_text_atomic(tmp_path / "e.yaml", record_to_yaml(make_toy_record(1)))
    r = run_cli("submit", str(tmp_path / "e.yaml"), "--hub", "http://127.0.0.1:9")
    assert r.returncode == 2 and "FMBENCH_TOKEN" in r.stderr
    r = run_cli("submit", str(tmp_path / "e.yaml"), "--hub", "http://127.0.0.1:9", "--token", "x")
    assert r.returncode == 2 and "cannot reach the hub" in r.stderr
    assert run_cli("hub", "add-user", "u1", "--db", db).returncode == 0
    r = run_cli("hub", "add-user", "u1", "--db", db)
    assert r.returncode == 2 and "already exists" in r.stderr
    r = run_cli("hub", "review", "1", "--accept", "--reject", "--db", db, "--token", "x")
    assert r.returncode == 2 and "exactly one" in r.stderr
    r = run_cli("hub", "review", "1", "--accept", "--db", db, "--token", "fmb_bad")
    assert r.returncode == 2 and "not a valid token" in r.stderr
    r = run_cli("serve", "--db", "mysql://x/y")
    assert r.returncode == 2 and "unsupported database" in r.stderr
    for res in (r,):
        assert "Traceback" not in res.stderr


def test_cli_import_and_local_review(tmp_path):
    db = f"sqlite:///{tmp_path / 'hub.sqlite3'}"
    evals = tmp_path / "evals"
    recs = [make_toy_record(i, model=m) for i, m in enumerate(["logistic", "majority"])]
    for r in recs:
        write_text_atomic(evals / r.benchmark_id / f"{r.eval_id}.yaml", record_to_yaml(r))
    write_text_atomic(evals / "bad.yaml", "eval_id: x\n")
    refused = run_cli("hub", "import", str(evals), "--db", db)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "1 invalid file(s), nothing imported" in refused.stderr and "bad.yaml" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    imp = run_cli("hub", "import", str(evals), "--db", db, "--skip-invalid")
    assert imp.returncode == 0, imp.stderr
    assert "imported 2 record(s), 0 already present" in imp.stdout and "skipped:" in imp.stdout
    again = run_cli("hub", "import", str(evals), "--db", db, "--skip-invalid")
    assert "imported 0 record(s), 2 already present" in again.stdout

    from fmbench.hub.store import Store

    store = Store.open(db)
    alice = store.add_user("alice")[0]
    maint_token = store.add_user("m", maintainer=True)[1]
    sub, _ = store.submit(make_toy_record(9, model="dummy_classifier"), alice)
    store.close()
    r = run_cli(
        "hub", "review", str(sub.id), "--reject", "--reason", "no CIs", "--db", db, "--token", maint_token
    )
    assert r.returncode == 0 and "is rejected" in r.stdout, r.stderr
    store = Store.open(db)
    assert store.get_submission(sub.id).reason == "no CIs"
    assert sorted(x.eval_id for x in store.accepted_records()) == sorted(x.eval_id for x in recs)
    store.close()


def test_serve_imports_evals_folder_on_first_start(tmp_path, server_factory):
    evals = tmp_path / "evals"
    rec = make_toy_record(1, model="majority", auroc=0.66)
    write_text_atomic(evals / f"{rec.eval_id}.yaml", record_to_yaml(rec))
    srv = server_factory(f"sqlite:///{tmp_path / 'first.sqlite3'}", "--evals", str(evals))
    board = httpx.get(f"{srv.url}/api/leaderboards/BM-TOY-CLASS", timeout=30).json()
    assert ranked_models(board) == ["majority"]


def test_cli_new_token_and_revoke_tokens(tmp_path):
    from fmbench.hub.store import Store

    db = f"sqlite:///{tmp_path / 'hub.sqlite3'}"
    first = run_cli("hub", "add-user", "tom", "--db", db).stdout.strip()
    new = run_cli("hub", "new-token", "tom", "--db", db)
    assert new.returncode == 0 and "shown only once" in new.stderr
    second = new.stdout.strip()
    r = run_cli("hub", "revoke-tokens", "tom", "--db", db)
    assert r.returncode == 0 and "revoked 2 token(s) of 'tom'" in r.stdout
    store = Store.open(db)
    try:
        assert store.authenticate(first) is None and store.authenticate(second) is None
    finally:
        store.close()
    r = run_cli("hub", "revoke-tokens", "nobody", "--db", db)
    assert r.returncode == 2 and "unknown user 'nobody'" in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
