"""Server-rendered pages: renderer pages, model page, submissions page, escaping, caching."""

from __future__ import annotations

import time

from hub_helpers import auth

from fmbench.hub.store import Store
from fmbench.records.io import record_to_yaml
from fmbench.testing import make_toy_record

EVIL = '<script>alert("x")</script>'


def submit(client, token, rec):
    r = client.post(
        "/api/submissions",
        content=record_to_yaml(rec),
        headers={"Content-Type": "application/yaml", **auth(token)},
    )
    assert r.status_code in (200, 201), r.text
    return r.json()["id"]


def accept(client, token, sub_id):
    r = client.post(f"/api/submissions/{sub_id}/review", json={"decision": "accept"}, headers=auth(token))
    assert r.status_code == 200


def test_index_and_benchmark_pages_show_only_accepted(client, tokens):
    a = submit(client, tokens["alice"], make_toy_record(1, model="logistic", auroc=0.8))
    submit(client, tokens["alice"], make_toy_record(2, model="majority", auroc=0.5))  # stays pending
    accept(client, tokens["maint"], a)
    index = client.get("/")
    assert index.status_code == 200 and index.headers["content-type"].startswith("text/html")
    assert 'href="/benchmarks/BM-TOY-CLASS"' in index.text
    page = client.get("/benchmarks/BM-TOY-CLASS")
    assert page.status_code == 200
    assert "Logistic" in page.text and "Majority" not in page.text
    assert 'href="/benchmarks/BM-TOY-CLASS.csv"' in page.text
    assert "<details>" in page.text and "by Scanner" in page.text
    assert client.get("/benchmarks/BM-NOPE").status_code == 404


def test_record_strings_are_escaped_on_every_page(client, tokens):
    data = make_toy_record(3, model="evil").to_data()
    data["model"]["name"] = EVIL
    data["notes"] = EVIL
    data["stratified"]["scanner"][EVIL] = {"N": 50, "AUROC": {"value": 0.7}}
    data.pop("digest")
    from fmbench.records.io import finalize, parse_record

    rec = finalize(parse_record(data, source="t"))
    sub = submit(client, tokens["alice"], rec)
    accept(client, tokens["maint"], sub)
    client.cookies.set("fmbench_token", tokens["alice"])
    for url in ["/", "/benchmarks/BM-TOY-CLASS", "/models/evil", "/submissions"]:
        html = client.get(url).text
        assert EVIL not in html, url
    assert "&lt;script&gt;" in client.get("/models/evil").text
    assert "&lt;script&gt;" in client.get("/benchmarks/BM-TOY-CLASS").text


def test_model_page(client, tokens):
    for i, (m, v) in enumerate([("logistic", 0.7), ("majority", 0.5), ("dummy_classifier", 0.9)]):
        accept(client, tokens["maint"], submit(client, tokens["alice"], make_toy_record(i, model=m, auroc=v)))
    page = client.get("/models/logistic")
    assert page.status_code == 200
    assert "Toy Classification Benchmark" in page.text
    assert "2 / 3" in page.text  # second of three by AUROC (0.9 > 0.7 > 0.5)
    assert "0.7000" in page.text
    assert client.get("/models/nobody").status_code == 404


def test_submissions_page_needs_sign_in_and_shows_own(client, tokens):
    submit(client, tokens["alice"], make_toy_record(1, model="logistic"))
    submit(client, tokens["bob"], make_toy_record(2, model="majority"))
    r = client.get("/submissions", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert client.get("/login").status_code == 200
    bad = client.post(
        "/login",
        content="token=nope",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert bad.status_code == 401
    ok = client.post(
        "/login",
        content=f"token={tokens['alice']}",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert ok.status_code == 303 and "httponly" in ok.headers["set-cookie"].lower()
    page = client.get("/submissions")
    assert page.status_code == 200
    assert "SUITE-TOY-CLASS.logistic.000001" in page.text
    assert "SUITE-TOY-CLASS.majority.000002" not in page.text
    # the cookie holds a server-side session id, never the API token
    assert client.cookies.get("fmbench_session") and tokens["alice"] not in ok.headers["set-cookie"]
    client.cookies.clear()
    client.cookies.set("fmbench_session", tokens["maint"])  # a token is not a session
    assert "SUITE-TOY-CLASS.majority.000002" not in client.get("/submissions?status=pending").text
    client.cookies.clear()
    client.post("/login", content=f"token={tokens['maint']}",
                headers={"Content-Type": "application/x-www-form-urlencoded"}, follow_redirects=False)
    assert "SUITE-TOY-CLASS.majority.000002" in client.get("/submissions?status=pending").text
    session = client.cookies.get("fmbench_session")
    out = client.post("/logout", follow_redirects=False)
    assert out.status_code == 303
    client.cookies.set("fmbench_session", session)  # revoked server-side: replaying it signs nobody in
    assert "SUITE-TOY-CLASS.majority.000002" not in client.get("/submissions?status=pending").text


def test_leaderboard_is_cached_and_invalidated_by_review_in_another_process(client, tokens, hub_settings):
    hub = client.app.state.hub
    accept(client, tokens["maint"], submit(client, tokens["alice"], make_toy_record(1, model="logistic")))
    first = client.get("/benchmarks/BM-TOY-CLASS").text
    builds = hub.cache.builds
    for _ in range(5):
        assert client.get("/benchmarks/BM-TOY-CLASS").text == first
    assert hub.cache.builds == builds  # served from the cache
    sub = submit(client, tokens["bob"], make_toy_record(2, model="majority"))
    assert "Majority" not in client.get("/benchmarks/BM-TOY-CLASS").text
    other = Store.open(hub_settings.db_url)  # e.g. `fmbench hub review` run on the same database
    try:
        other.review(sub, accept=True, reason=None, reviewer=other.user_by_name("maint"))
    finally:
        other.close()
    # readers are never held up by the rebuild: they get the previous board until the new one
    # (built in the background, only this benchmark re-ranked) is swapped in
    deadline = time.monotonic() + 20
    while "Majority" not in client.get("/benchmarks/BM-TOY-CLASS").text:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert hub.cache.builds == builds + 1
