"""Store tests, run against SQLite and a real PostgreSQL server."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from fmbench.errors import NotFoundError
from fmbench.hub import auth
from fmbench.hub.database import alembic_config, current_revision
from fmbench.hub.store import ConflictError, Store, record_from_json
from fmbench.hub.tables import metadata, tokens


def test_migration_creates_the_schema_the_code_declares(store):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert current_revision(store.engines) == head
    with store.engines.read.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_migrate_twice_is_a_no_op(db_url):
    a = Store.open(db_url)
    a.add_user("alice")
    a.close()
    b = Store.open(db_url)  # a restart runs the migration step again
    assert b.user_by_name("alice").name == "alice"
    b.close()


def test_token_is_stored_only_as_salted_hash(store):
    user, token = store.add_user("alice", maintainer=True)
    assert user.is_maintainer
    token_id, secret = auth.split_token(token)
    with store.engines.read.connect() as conn:
        rows = conn.execute(select(tokens)).all()
    assert len(rows) == 1 and rows[0].token_id == token_id
    assert secret not in rows[0].hash and token not in rows[0].hash
    assert rows[0].hash.startswith("scrypt$")
    # a second user's token with the same secret would hash differently (per-token salt)
    assert auth.hash_secret(secret) != auth.hash_secret(secret)
    assert store.authenticate(token) == user
    assert store.authenticate(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert store.authenticate(f"fmb_{'0' * 16}_{secret}") is None
    assert store.authenticate("") is None and store.authenticate("garbage") is None


def test_duplicate_user_refused(store):
    store.add_user("alice")
    with pytest.raises(ConflictError, match="already exists"):
        store.add_user("alice")


def test_submit_idempotent_and_conflict(store, record_factory):
    user, _ = store.add_user("alice")
    rec = record_factory(1)
    sub, created = store.submit(rec, user)
    assert created and sub.status == "pending" and sub.submitter == "alice"
    again, created2 = store.submit(rec, user)
    assert not created2 and again == sub
    other = record_factory(2, eval_id=rec.eval_id)
    with pytest.raises(ConflictError, match="eval_id"):
        store.submit(other, user)
    assert store.count_submissions() == 1
    assert record_from_json(store.record_texts([sub.id]).__next__()[1]) == rec
    assert store.submission_record(sub.id) == rec


def test_review_controls_what_is_accepted(store, record_factory):
    alice, _ = store.add_user("alice")
    maint, _ = store.add_user("maint", maintainer=True)
    subs = [store.submit(record_factory(i), alice)[0] for i in range(3)]
    v0 = store.accepted_version()
    assert store.accepted_records() == []
    with pytest.raises(PermissionError):
        store.review(subs[0].id, accept=True, reason=None, reviewer=alice)
    a = store.review(subs[0].id, accept=True, reason="looks right", reviewer=maint)
    assert (a.status, a.reviewer, a.reason) == ("accepted", "maint", "looks right")
    r = store.review(subs[1].id, accept=False, reason="digest of an old run", reviewer=maint)
    assert r.status == "rejected"
    assert store.accepted_version() == v0 + 1  # only the accept changed the accepted set
    assert [x.eval_id for x in store.accepted_records()] == [subs[0].eval_id]
    assert store.find_accepted(subs[0].eval_id) is not None
    assert store.find_accepted(subs[2].eval_id) is None
    with pytest.raises(NotFoundError):
        store.review(9999, accept=True, reason=None, reviewer=maint)
    from fmbench.errors import ConfigError

    with pytest.raises(ConfigError, match="reason"):
        store.review(subs[2].id, accept=False, reason="  ", reviewer=maint)
    assert [s.status for s in store.list_submissions(status="pending")] == ["pending"]
    assert len(store.list_submissions(submitter_id=maint.id)) == 0
    from collections import Counter

    store.submit(record_factory(7), maint)
    for who in (None, alice.id, maint.id):  # counted in SQL == counted from the listed rows
        listed = Counter(s.status for s in store.list_submissions(submitter_id=who, limit=1000))
        assert store.submission_counts(submitter_id=who) == dict(listed)
    assert store.submission_counts() == {"accepted": 1, "rejected": 1, "pending": 2}


def test_import_records(store, record_factory):
    recs = [(f"f{i}.yaml", record_factory(i)) for i in range(5)]
    res = store.import_records(recs)
    assert (res.added, res.unchanged, res.problems) == (5, 0, [])
    clash = record_factory(99, eval_id=recs[0][1].eval_id)
    res2 = store.import_records([*recs[:2], ("clash.yaml", clash)])
    assert (res2.added, res2.unchanged) == (0, 2)
    assert len(res2.problems) == 1 and res2.problems[0].startswith("clash.yaml: eval_id")
    assert sorted(r.eval_id for r in store.accepted_records()) == sorted(r.eval_id for _, r in recs)


def _race(n, fn):
    barrier = threading.Barrier(n)
    results, errors = [], []

    def go(i):
        barrier.wait(timeout=30)
        try:
            results.append(fn(i))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=go, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results, errors


@pytest.mark.parametrize("rounds", [5])
def test_concurrent_same_record_stored_once(store, record_factory, rounds):
    user, _ = store.add_user("alice")
    for k in range(rounds):
        rec = record_factory(100 + k)
        results, errors = _race(12, lambda _i, rec=rec: store.submit(rec, user))
        assert errors == []
        assert sum(created for _, created in results) == 1
        assert len({s.id for s, _ in results}) == 1
    assert store.count_submissions() == rounds


def test_concurrent_different_records_same_eval_id(store, record_factory):
    user, _ = store.add_user("alice")
    recs = [record_factory(i, eval_id="SUITE-TOY-CLASS.same.id") for i in range(10)]
    assert len({r.digest for r in recs}) == 10
    results, errors = _race(10, lambda i: store.submit(recs[i], user))
    assert len(results) == 1 and results[0][1] is True
    assert len(errors) == 9 and all(isinstance(e, ConflictError) for e in errors)
    assert store.count_submissions() == 1


def test_revoked_tokens_stop_working_and_a_new_token_does(store):
    user, first = store.add_user("rita")
    second = store.new_token("rita")
    assert store.authenticate(first) == user and store.authenticate(second) == user  # both live
    assert store.revoke_tokens("rita") == 2
    assert store.authenticate(first) is None and store.authenticate(second) is None
    assert store.revoke_tokens("rita") == 0  # nothing left to revoke
    third = store.new_token("rita")
    assert store.authenticate(third) == user and third not in (first, second)
    with pytest.raises(NotFoundError, match="unknown user 'nobody'"):
        store.revoke_tokens("nobody")
