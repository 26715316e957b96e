"""TestClient tests: every endpoint and every refusal path of the hub API."""

from __future__ import annotations

import csv
import io
import json

import pytest
from hub_helpers import auth, ranked_models

from fmbench.records.io import record_to_yaml
from fmbench.testing import make_toy_record

API = "/api/submissions"


def post_yaml(client, record_or_text, token=None, ctype="application/yaml", **kw):
    body = record_or_text if isinstance(record_or_text, str | bytes) else record_to_yaml(record_or_text)
    headers = {"Content-Type": ctype, **(auth(token) if token else {})}
    return client.post(API, content=body, headers=headers, **kw)


def one_line(resp) -> str:
    detail = resp.json()["detail"]
    assert isinstance(detail, str) and "\n" not in detail
    return detail


# --- submission: success paths ----------------------------------------------------------
def test_submit_yaml_then_same_digest_is_idempotent(client, tokens):
    rec = make_toy_record(1)
    r = post_yaml(client, rec, tokens["alice"])
    assert r.status_code == 201, r.text
    sub = r.json()
    assert (sub["eval_id"], sub["digest"], sub["status"], sub["submitter"]) == (
        rec.eval_id,
        rec.digest,
        "pending",
        "alice",
    )
    again = post_yaml(client, rec, tokens["alice"])
    assert again.status_code == 200 and again.json() == sub
    # the same record as JSON is the same content: still the existing submission
    as_json = client.post(
        API,
        content=json.dumps(rec.to_data()),
        headers={"Content-Type": "application/json", **auth(tokens["alice"])},
    )
    assert as_json.status_code == 200 and as_json.json()["id"] == sub["id"]


def test_submit_json_body(client, tokens):
    rec = make_toy_record(2)
    r = client.post(API, json=rec.to_data(), headers=auth(tokens["bob"]))
    assert r.status_code == 201 and r.json()["eval_id"] == rec.eval_id


# --- submission: refusals ---------------------------------------------------------------
def test_no_token_401(client):
    r = post_yaml(client, make_toy_record(1))
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert "Authorization" in one_line(r)


@pytest.mark.parametrize(
    "header", ["Bearer fmb_0123456789abcdef_" + "x" * 43, "Bearer nonsense", "Basic abc"]
)
def test_wrong_token_401(client, tokens, header):
    r = client.post(API, content=record_to_yaml(make_toy_record(1)), headers={"Authorization": header})
    assert r.status_code == 401


def test_tampered_token_401(client, tokens):
    t = tokens["alice"]
    bad = t[:-2] + ("aa" if not t.endswith("aa") else "bb")
    assert post_yaml(client, make_toy_record(1), bad).status_code == 401


def test_oversize_body_413(client, tokens):
    limit = client.app.state.hub.settings.max_body_bytes
    big = make_toy_record(1, notes="x" * (limit + 10))
    r = post_yaml(client, big, tokens["alice"])
    assert r.status_code == 413 and "limit" in one_line(r)

    def chunks():  # no Content-Length: the streamed size is counted
        for _ in range(limit // 65536 + 2):
            yield b"#" * 65536

    r2 = client.post(
        API, content=chunks(), headers={"Content-Type": "application/yaml", **auth(tokens["alice"])}
    )
    assert r2.status_code == 413
    assert client.app.state.hub.store.count_submissions() == 0


def test_malformed_yaml_400(client, tokens):
    r = post_yaml(client, "eval_id: [unclosed\nmetrics: {", tokens["alice"])
    assert r.status_code == 400 and "malformed YAML" in one_line(r)


def test_malformed_json_400(client, tokens):
    r = post_yaml(client, '{"eval_id": ', tokens["alice"], ctype="application/json")
    assert r.status_code == 400 and "malformed JSON" in one_line(r)


def test_empty_and_non_mapping_bodies(client, tokens):
    assert post_yaml(client, "", tokens["alice"]).status_code == 400
    r = post_yaml(client, "- a\n- b\n", tokens["alice"])
    assert r.status_code == 422 and "mapping" in one_line(r)


def test_schema_error_422_names_field(client, tokens):
    data = make_toy_record(1).to_data()
    del data["model"]
    r = client.post(API, json=data, headers=auth(tokens["alice"]))
    assert r.status_code == 422 and "model" in one_line(r)


def test_digest_mismatch_422(client, tokens):
    data = make_toy_record(1).to_data()
    data["metrics"]["AUROC"]["value"] = 0.99  # changed after the digest was computed
    r = client.post(API, json=data, headers=auth(tokens["alice"]))
    assert r.status_code == 422 and "digest: does not match" in one_line(r)


def test_missing_digest_422(client, tokens):
    r = post_yaml(client, make_toy_record(1, finalize_digest=False), tokens["alice"])
    assert r.status_code == 422 and "digest: missing" in one_line(r)


def test_unknown_benchmark_422(client, tokens):
    r = post_yaml(client, make_toy_record(1, benchmark_id="BM-NOPE", suite_id=None), tokens["alice"])
    assert r.status_code == 422 and "benchmark_id: unknown benchmark 'BM-NOPE'" in one_line(r)


def test_unknown_suite_422(client, tokens):
    r = post_yaml(client, make_toy_record(1, suite_id="SUITE-NOPE"), tokens["alice"])
    assert r.status_code == 422 and "suite_id: unknown suite" in one_line(r)


@pytest.mark.parametrize("value", [1.2, -0.1])
def test_out_of_range_metric_422(client, tokens, value):
    rec = make_toy_record(1)
    data = rec.to_data()
    data["metrics"]["AUROC"] = {"value": value}
    data.pop("digest")
    from fmbench.records.io import finalize, parse_record

    rec2 = finalize(parse_record(data, source="t"))
    r = post_yaml(client, rec2, tokens["alice"])
    assert (
        r.status_code == 422 and "metrics.AUROC" in one_line(r) and "outside the valid range" in one_line(r)
    )


@pytest.mark.parametrize("eval_id", ["../../etc/passwd", "a/b", "x\\y", ".hidden", "sp ace", "a" * 201])
def test_path_characters_in_eval_id_422(client, tokens, eval_id):
    data = make_toy_record(1).to_data()
    data["eval_id"] = eval_id
    r = client.post(API, json=data, headers=auth(tokens["alice"]))
    assert r.status_code == 422 and "eval_id" in one_line(r)


def test_duplicate_eval_id_409(client, tokens):
    first = make_toy_record(1)
    assert post_yaml(client, first, tokens["alice"]).status_code == 201
    r = post_yaml(client, make_toy_record(2, eval_id=first.eval_id), tokens["bob"])
    assert r.status_code == 409 and "eval_id" in one_line(r)
    assert client.app.state.hub.store.count_submissions() == 1


# --- review ------------------------------------------------------------------------------
@pytest.fixture
def submitted(client, tokens):
    ids = [
        post_yaml(client, make_toy_record(i, model=m), tokens["alice"]).json()["id"]
        for i, m in enumerate(["logistic", "majority"])
    ]
    return ids


def test_review_refusals(client, tokens, submitted):
    url = f"{API}/{submitted[0]}/review"
    assert client.post(url, json={"decision": "accept"}).status_code == 401
    assert client.post(url, json={"decision": "accept"}, headers=auth("fmb_bad")).status_code == 401
    r = client.post(url, json={"decision": "accept"}, headers=auth(tokens["alice"]))
    assert r.status_code == 403 and "maintainer" in one_line(r)
    r = client.post(url, json={"decision": "maybe"}, headers=auth(tokens["maint"]))
    assert r.status_code == 422 and "decision" in one_line(r)
    r = client.post(url, json={"decision": "reject"}, headers=auth(tokens["maint"]))
    assert r.status_code == 422 and "reason" in one_line(r)
    r = client.post(f"{API}/9999/review", json={"decision": "accept"}, headers=auth(tokens["maint"]))
    assert r.status_code == 404


def test_review_accept_reject_and_what_reaches_the_leaderboard(client, tokens, submitted):
    m = auth(tokens["maint"])
    assert ranked_models(client.get("/api/leaderboards/BM-TOY-CLASS").json()) == []  # nothing accepted yet
    r = client.post(f"{API}/{submitted[0]}/review", json={"decision": "accept", "reason": "ok"}, headers=m)
    assert r.status_code == 200 and r.json()["status"] == "accepted" and r.json()["reviewer"] == "maint"
    r = client.post(f"{API}/{submitted[1]}/review", json={"decision": "reject", "reason": "no CI"}, headers=m)
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    board = client.get("/api/leaderboards/BM-TOY-CLASS").json()
    assert ranked_models(board) == ["logistic"]
    records = client.get("/api/records").json()
    assert [x["model"]["id"] for x in records] == ["logistic"]
    pending_eval = client.get(f"{API}/{submitted[1]}", headers=auth(tokens["alice"])).json()["eval_id"]
    assert client.get(f"/api/records/{pending_eval}").status_code == 404
    mine = client.get(API, headers=auth(tokens["alice"])).json()
    assert {s["status"] for s in mine} == {"accepted", "rejected"}
    assert next(s for s in mine if s["status"] == "rejected")["reason"] == "no CI"


# --- reading ----------------------------------------------------------------------------
def test_submissions_are_private_to_submitter(client, tokens, submitted):
    assert client.get(API).status_code == 401
    assert client.get(API, headers=auth(tokens["bob"])).json() == []
    assert client.get(f"{API}/{submitted[0]}", headers=auth(tokens["bob"])).status_code == 404
    mine = client.get(f"{API}/{submitted[0]}", headers=auth(tokens["alice"]))
    assert mine.status_code == 200 and mine.json()["record"]["model"]["id"] == "logistic"
    assert len(client.get(API, headers=auth(tokens["maint"])).json()) == 2
    assert len(client.get(f"{API}?status=pending", headers=auth(tokens["maint"])).json()) == 2
    assert client.get(f"{API}?status=bogus", headers=auth(tokens["maint"])).status_code == 422


def _accept_all(client, tokens, records):
    store = client.app.state.hub.store
    res = store.import_records([(r.eval_id, r) for r in records])
    assert res.added == len(records)


def test_benchmarks_endpoints(client):
    lst = client.get("/api/benchmarks").json()
    assert "BM-TOY-CLASS" in {b["id"] for b in lst}
    one = client.get("/api/benchmarks/BM-TOY-CLASS").json()
    assert one["primary_metric"] == "AUROC"
    assert client.get("/api/benchmarks/BM-NOPE").status_code == 404
    assert client.get("/api/leaderboards/BM-NOPE").status_code == 404
    assert client.get("/api/health").json()["status"] == "ok"


def test_leaderboard_json_csv_and_models(client, tokens):
    recs = [
        make_toy_record(i, model=m, auroc=a)
        for i, (m, a) in enumerate([("logistic", 0.71), ("majority", 0.50), ("dummy_classifier", 0.93)])
    ]
    _accept_all(client, tokens, recs)
    expected = [r.model.id for r in sorted(recs, key=lambda r: -r.metrics["AUROC"].value)]
    board = client.get("/api/leaderboards/BM-TOY-CLASS").json()
    assert ranked_models(board) == expected
    full = client.get("/api/leaderboards").json()
    assert "BM-TOY-CLASS" in {b["id"] for b in full["benchmarks"]}
    r = client.get("/api/leaderboards/BM-TOY-CLASS.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 3
    text = r.text
    assert text.index("dummy_classifier") < text.index("logistic") < text.index("majority")
    assert client.get("/benchmarks/BM-TOY-CLASS.csv").text == text
    m = client.get("/api/models/logistic").json()
    assert [x["benchmark_id"] for x in m] == ["BM-TOY-CLASS"] and m[0]["score"]["value"] == pytest.approx(
        0.71
    )
    assert client.get("/api/models/nobody").status_code == 404
    by_model = client.get("/api/records?model_id=majority").json()
    assert [x["eval_id"] for x in by_model] == [recs[1].eval_id]
    assert client.get(f"/api/records/{recs[2].eval_id}").json()["digest"] == recs[2].digest
    assert client.get("/api/records?limit=0").status_code == 422


def test_openapi_and_docs(client):
    spec = client.get("/openapi.json").json()
    for path in [
        "/api/submissions",
        "/api/submissions/{sub_id}/review",
        "/api/benchmarks",
        "/api/leaderboards/{benchmark_id}",
        "/api/records",
    ]:
        assert path in spec["paths"]
    assert client.get("/docs").status_code == 200


def test_revoked_token_401_at_once_in_a_running_app(client, tokens):
    """Revocation through another Store on the same database (as `hub revoke-tokens` does
    while the server runs) refuses the token on the next request, though it was verified
    and remembered before."""
    from fmbench.hub.store import Store

    assert post_yaml(client, make_toy_record(1), tokens["alice"]).status_code == 201
    other = Store.open(client.app.state.hub.store.engines.url)  # a second process, in effect
    try:
        assert other.revoke_tokens("alice") == 1
    finally:
        other.close()
    r = post_yaml(client, make_toy_record(2), tokens["alice"])
    assert r.status_code == 401
    assert post_yaml(client, make_toy_record(3), tokens["bob"]).status_code == 201  # others unaffected


def test_served_board_ranks_runs_per_test_set_and_lists_reported_apart(client, tokens):
    scores = [("logistic", 0.81), ("majority", 0.5)]
    runs = [make_toy_record(i, model=m, auroc=a) for i, (m, a) in enumerate(scores)]
    exploratory = make_toy_record(7, model="majority", auroc=0.97,
                              provenance={"protocol": "classification", "split_seed": 3, "bootstrap_seed": 3})
    paper = make_toy_record(9, model="UNI", auroc=0.99, suite_id=None, evidence="reported", source="a paper",
                        provenance={})
    _accept_all(client, tokens, [*runs, exploratory, paper])
    board = client.get("/api/leaderboards/BM-TOY-CLASS").json()
    table = board["tables"][0]
    assert table["kind"] == "ranked"
    assert table["test_set"]["key"].startswith("SUITE-TOY-CLASS | DS-TOY-FMRI-CLASS")
    assert ranked_models(board) == ["logistic", "majority"]  # the 0.97 re-rolled seed is not ranked
    assert [(x["kind"], x["model_id"]) for x in table["exploratory"]] == [("exploratory", "majority")]
    assert [(x["kind"], x["model_id"]) for x in board["reported"]] == [("reported", "UNI")]
    assert "rank" not in board["reported"][0]
    page = client.get("/benchmarks/BM-TOY-CLASS").text
    assert "Reported elsewhere — different data, not reproduced here" in page
    assert "1 exploratory run, not ranked" in page
    models = client.get("/api/models/UNI").json()
    assert models == []  # a reported result has no rank
