"""The hub's SQL store: users and tokens, submissions and their review.

Every write is one transaction committed before the caller answers, so an acknowledged
submission survives a killed server. Records are stored as JSON exactly as submitted; the
set of accepted records has a version counter (``hub_state``) bumped in the same
transaction as any change to it, which is what page caches key on.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from fmbench.errors import ConfigError, FmbenchError, NotFoundError
from fmbench.hub import auth
from fmbench.hub.database import Engines, make_engines, migrate
from fmbench.hub.tables import hub_state, reviews, sessions, submissions, tokens, users
from fmbench.records.schema import EvalRecord, format_time

Status = Literal["pending", "accepted", "rejected"]
STATUSES: tuple[str, ...] = ("pending", "accepted", "rejected")


class ConflictError(FmbenchError, ValueError):
    """A different record already holds this eval_id (or the user name is taken)."""


@dataclass(frozen=True)
class User:
    id: int
    name: str
    is_maintainer: bool


@dataclass(frozen=True)
class Submission:
    id: int
    eval_id: str
    digest: str
    benchmark_id: str
    model_id: str
    status: str
    submitter: str | None
    created_at: datetime
    reviewer: str | None
    reviewed_at: datetime | None
    reason: str | None

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "eval_id": self.eval_id,
            "digest": self.digest,
            "benchmark_id": self.benchmark_id,
            "model_id": self.model_id,
            "status": self.status,
            "submitter": self.submitter,
            "created_at": format_time(self.created_at),
            "reviewer": self.reviewer,
            "reviewed_at": format_time(self.reviewed_at) if self.reviewed_at else None,
            "reason": self.reason,
        }


def _utc(t: datetime | None) -> datetime | None:
    if t is None:
        return None
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


SESSION_LIFETIME = timedelta(hours=12)


def _session_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def record_json(record: EvalRecord) -> str:
    return json.dumps(record.to_data(), ensure_ascii=False, separators=(",", ":"))


def record_from_json(text: str) -> EvalRecord:
    return EvalRecord.model_validate(json.loads(text))


_submitter = users.alias("submitter")
_reviewer = users.alias("reviewer")
_SUB_COLUMNS = [
    submissions.c.id,
    submissions.c.eval_id,
    submissions.c.digest,
    submissions.c.benchmark_id,
    submissions.c.model_id,
    submissions.c.status,
    _submitter.c.name.label("submitter"),
    submissions.c.created_at,
    _reviewer.c.name.label("reviewer"),
    submissions.c.reviewed_at,
    submissions.c.reason,
]
_SUB_FROM = submissions.outerjoin(_submitter, submissions.c.submitter_id == _submitter.c.id).outerjoin(
    _reviewer, submissions.c.reviewer_id == _reviewer.c.id
)


def _sub(row: Any) -> Submission:
    m = row._mapping
    return Submission(
        id=m["id"],
        eval_id=m["eval_id"],
        digest=m["digest"],
        benchmark_id=m["benchmark_id"],
        model_id=m["model_id"],
        status=m["status"],
        submitter=m["submitter"],
        created_at=_utc(m["created_at"]),
        reviewer=m["reviewer"],
        reviewed_at=_utc(m["reviewed_at"]),
        reason=m["reason"],
    )


@dataclass
class ImportResult:
    added: int
    unchanged: int
    problems: list[str]


class Store:
    """Data access for the hub; thread-safe (one connection per call from the pool)."""

    def __init__(self, engines: Engines) -> None:
        self.engines = engines
        self._verified = auth.VerifiedCache()

    @classmethod
    def open(cls, url: str, *, migrate_schema: bool = True) -> Store:
        store = cls(make_engines(url))
        if migrate_schema:
            migrate(store.engines)
        return store

    def close(self) -> None:
        self.engines.dispose()

    # users and tokens ------------------------------------------------------------------
    def add_user(self, name: str, *, maintainer: bool = False) -> tuple[User, str]:
        """Create a user with one token; the token is returned once and never stored."""
        name = name.strip()
        if not name or len(name) > 100 or any(c.isspace() or not c.isprintable() for c in name):
            raise ConfigError(f"user name {name!r}: use 1-100 printable characters without spaces")
        token, token_id, hashed = auth.new_token()
        now = _now()
        try:
            with self.engines.write.begin() as conn:
                uid = conn.execute(
                    insert(users).values(name=name, is_maintainer=maintainer, created_at=now)
                ).inserted_primary_key[0]
                conn.execute(
                    insert(tokens).values(
                        token_id=token_id, user_id=uid, hash=hashed, created_at=now, revoked=False
                    )
                )
        except IntegrityError:
            raise ConflictError(f"user {name!r} already exists") from None
        return User(uid, name, maintainer), token

    def new_token(self, name: str) -> str:
        """Issue another token for an existing user (returned once, never stored)."""
        user = self.user_by_name(name)
        token, token_id, hashed = auth.new_token()
        with self.engines.write.begin() as conn:
            conn.execute(
                insert(tokens).values(
                    token_id=token_id, user_id=user.id, hash=hashed, created_at=_now(), revoked=False
                )
            )
        return token

    def revoke_tokens(self, name: str) -> int:
        """Revoke every live token of a user; returns how many. Takes effect at once, also in
        running servers: the revoked flag is read on every authentication."""
        user = self.user_by_name(name)
        with self.engines.write.begin() as conn:
            done = conn.execute(
                update(tokens)
                .where(tokens.c.user_id == user.id, tokens.c.revoked.is_(False))
                .values(revoked=True)
            ).rowcount
        return int(done or 0)

    def authenticate(self, token: str | None) -> User | None:
        """The token's user, or None for a missing, malformed, unknown or wrong token."""
        parts = auth.split_token(token or "")
        if parts is None:
            return None
        token_id, secret = parts
        with self.engines.read.connect() as conn:
            row = conn.execute(
                select(tokens.c.hash, tokens.c.revoked, users.c.id, users.c.name, users.c.is_maintainer)
                .join(users, users.c.id == tokens.c.user_id)
                .where(tokens.c.token_id == token_id)
            ).first()
        if row is None or row.revoked:
            # the same scrypt as a wrong secret: an unknown or revoked token id answers as slowly
            # as a known one, so timing does not tell which ids exist
            auth.verify_secret(secret, auth.DUMMY_HASH)
            return None
        if not self._verified.check(token, row.hash):
            if not auth.verify_secret(secret, row.hash):
                return None
            self._verified.remember(token, row.hash)
        return User(row.id, row.name, bool(row.is_maintainer))

    def user_by_name(self, name: str) -> User:
        with self.engines.read.connect() as conn:
            row = conn.execute(select(users).where(users.c.name == name)).first()
        if row is None:
            raise NotFoundError(f"unknown user {name!r}; add one with `fmbench hub add-user {name}`")
        return User(row.id, row.name, bool(row.is_maintainer))

    # submissions -----------------------------------------------------------------------
    def submit(self, record: EvalRecord, user: User | None) -> tuple[Submission, bool]:
        """Store a validated record as pending; (submission, created).

        The same digest again returns the existing submission (created False); a different
        record under an existing eval_id raises ConflictError.
        """
        if record.digest is None:
            raise ValueError("submit() needs a record with a digest")
        payload = record_json(record)
        for _attempt in range(5):
            try:
                with self.engines.write.begin() as conn:
                    existing = self._find(conn, record)
                    if existing is not None:
                        return existing, False
                    now = _now()
                    new_id = conn.execute(
                        insert(submissions).values(
                            eval_id=record.eval_id,
                            digest=record.digest,
                            benchmark_id=record.benchmark_id,
                            model_id=record.model.id,
                            status="pending",
                            record_json=payload,
                            submitter_id=user.id if user else None,
                            created_at=now,
                        )
                    ).inserted_primary_key[0]
                # committed when the block above exits: only then is it acknowledged
                sub = Submission(
                    new_id,
                    record.eval_id,
                    record.digest,
                    record.benchmark_id,
                    record.model.id,
                    "pending",
                    user.name if user else None,
                    now,
                    None,
                    None,
                    None,
                )
                return sub, True
            except IntegrityError:  # a concurrent writer inserted the same eval_id or digest
                continue
        raise RuntimeError("submission kept conflicting with concurrent writers")  # pragma: no cover

    def _find(self, conn: Any, record: EvalRecord) -> Submission | None:
        """The submission with this digest, None if the eval_id is free, else ConflictError.

        One statement, so that under READ COMMITTED a row committed meanwhile is seen whole.
        """
        rows = [
            _sub(r)
            for r in conn.execute(
                select(*_SUB_COLUMNS)
                .select_from(_SUB_FROM)
                .where(or_(submissions.c.digest == record.digest, submissions.c.eval_id == record.eval_id))
            )
        ]
        same = next((r for r in rows if r.digest == record.digest), None)
        if same is not None:
            return same
        if rows:
            raise ConflictError(  # nothing of the other submission (its id, digest, submitter) is revealed
                f"eval_id: {record.eval_id!r} is already taken by a different record; give a new eval_id "
                "to a new record"
            )
        return None

    def get_submission(self, sub_id: int) -> Submission:
        with self.engines.read.connect() as conn:
            row = conn.execute(
                select(*_SUB_COLUMNS).select_from(_SUB_FROM).where(submissions.c.id == sub_id)
            ).first()
        if row is None:
            raise NotFoundError(f"submission {sub_id}: not found")
        return _sub(row)

    def submission_record(self, sub_id: int) -> EvalRecord:
        with self.engines.read.connect() as conn:
            text = conn.execute(select(submissions.c.record_json).where(submissions.c.id == sub_id)).scalar()
        if text is None:
            raise NotFoundError(f"submission {sub_id}: not found")
        return record_from_json(text)

    def list_submissions(
        self, *, submitter_id: int | None = None, status: str | None = None, limit: int = 100, offset: int = 0
    ) -> list[Submission]:
        q = select(*_SUB_COLUMNS).select_from(_SUB_FROM)
        if submitter_id is not None:
            q = q.where(submissions.c.submitter_id == submitter_id)
        if status is not None:
            q = q.where(submissions.c.status == status)
        q = q.order_by(submissions.c.id.desc()).limit(limit).offset(offset)
        with self.engines.read.connect() as conn:
            return [_sub(r) for r in conn.execute(q)]

    def count_submissions(self, status: str | None = None) -> int:
        q = select(func.count()).select_from(submissions)
        if status is not None:
            q = q.where(submissions.c.status == status)
        with self.engines.read.connect() as conn:
            return int(conn.execute(q).scalar_one())

    def submission_counts(self, *, submitter_id: int | None = None) -> dict[str, int]:
        """Submissions per status (of one submitter, or all), counted in the database."""
        q = select(submissions.c.status, func.count()).group_by(submissions.c.status)
        if submitter_id is not None:
            q = q.where(submissions.c.submitter_id == submitter_id)
        with self.engines.read.connect() as conn:
            return {status: int(n) for status, n in conn.execute(q)}

    def review(self, sub_id: int, *, accept: bool, reason: str | None, reviewer: User) -> Submission:
        """Accept or reject (a rejection needs a reason); only maintainers may review."""
        if not reviewer.is_maintainer:
            raise PermissionError(f"user {reviewer.name!r} is not a maintainer")
        reason = (reason or "").strip() or None
        if not accept and reason is None:
            raise ConfigError("--reason: a rejection needs a reason the submitter can act on")
        status = "accepted" if accept else "rejected"
        with self.engines.write.begin() as conn:
            old = conn.execute(select(submissions.c.status).where(submissions.c.id == sub_id)).scalar()
            if old is None:
                raise NotFoundError(f"submission {sub_id}: not found")
            now = _now()
            conn.execute(
                update(submissions)
                .where(submissions.c.id == sub_id)
                .values(status=status, reviewer_id=reviewer.id, reviewed_at=now, reason=reason)
            )
            conn.execute(insert(reviews).values(submission_id=sub_id, reviewer_id=reviewer.id,
                                                decision="accept" if accept else "reject", reason=reason, at=now))
            if (old == "accepted") != accept:
                self._bump(conn)
        return self.get_submission(sub_id)

    def review_history(self, sub_id: int) -> list[dict[str, Any]]:
        """Every decision on a submission, oldest first: who, when, what, why."""
        with self.engines.read.connect() as conn:
            rows = conn.execute(
                select(reviews.c.decision, reviews.c.reason, reviews.c.at, users.c.name)
                .join(users, users.c.id == reviews.c.reviewer_id)
                .where(reviews.c.submission_id == sub_id)
                .order_by(reviews.c.id)
            ).all()
        return [{"reviewer": r.name, "decision": r.decision, "reason": r.reason, "at": format_time(_utc(r.at))}
                for r in rows]

    # browser sessions ------------------------------------------------------------------
    def create_session(self, user: User, *, lifetime: timedelta = SESSION_LIFETIME) -> str:
        """A new session id for a signed-in browser (only its SHA-256 is stored)."""
        raw = secrets.token_urlsafe(32)
        now = _now()
        with self.engines.write.begin() as conn:
            conn.execute(insert(sessions).values(id_hash=_session_hash(raw), user_id=user.id, created_at=now,
                                                 expires_at=now + lifetime, revoked=False))
        return raw

    def session_user(self, raw: str | None) -> User | None:
        if not raw or len(raw) > 100:
            return None
        with self.engines.read.connect() as conn:
            row = conn.execute(
                select(sessions.c.expires_at, sessions.c.revoked, users.c.id, users.c.name, users.c.is_maintainer)
                .join(users, users.c.id == sessions.c.user_id)
                .where(sessions.c.id_hash == _session_hash(raw))
            ).first()
        if row is None or row.revoked or _utc(row.expires_at) <= _now():
            return None
        return User(row.id, row.name, bool(row.is_maintainer))

    def revoke_session(self, raw: str | None) -> None:
        if not raw or len(raw) > 100:
            return
        with self.engines.write.begin() as conn:
            conn.execute(update(sessions).where(sessions.c.id_hash == _session_hash(raw)).values(revoked=True))

    @staticmethod
    def _bump(conn: Any) -> None:
        conn.execute(
            update(hub_state)
            .where(hub_state.c.id == 1)
            .values(accepted_version=hub_state.c.accepted_version + 1)
        )

    # accepted records ------------------------------------------------------------------
    def accepted_version(self) -> int:
        with self.engines.read.connect() as conn:
            return int(
                conn.execute(select(hub_state.c.accepted_version).where(hub_state.c.id == 1)).scalar_one()
            )

    def accepted_ids(self) -> tuple[int, list[int]]:
        """(version, ids of accepted submissions), read in one transaction."""
        with self.engines.read.begin() as conn:
            version = conn.execute(
                select(hub_state.c.accepted_version).where(hub_state.c.id == 1)
            ).scalar_one()
            ids = list(
                conn.execute(
                    select(submissions.c.id)
                    .where(submissions.c.status == "accepted")
                    .order_by(submissions.c.id)
                ).scalars()
            )
        return int(version), ids

    def record_texts(self, ids: Iterable[int], *, chunk: int = 500) -> Iterator[tuple[int, str]]:
        ids = list(ids)
        with self.engines.read.connect() as conn:
            for i in range(0, len(ids), chunk):
                part = ids[i : i + chunk]
                rows = conn.execute(
                    select(submissions.c.id, submissions.c.record_json).where(submissions.c.id.in_(part))
                )
                yield from ((r[0], r[1]) for r in rows)

    def accepted_records(self) -> list[EvalRecord]:
        _, ids = self.accepted_ids()
        return [record_from_json(t) for _, t in sorted(self.record_texts(ids))]

    def find_accepted(self, eval_id: str) -> EvalRecord | None:
        with self.engines.read.connect() as conn:
            text = conn.execute(
                select(submissions.c.record_json).where(
                    submissions.c.eval_id == eval_id, submissions.c.status == "accepted"
                )
            ).scalar()
        return None if text is None else record_from_json(text)

    def import_records(
        self, records: Iterable[tuple[str, EvalRecord]], *, reason: str = "imported"
    ) -> ImportResult:
        """Add validated records as accepted, in one transaction; same digest is left alone."""
        added = unchanged = 0
        problems: list[str] = []
        now = _now()
        with self.engines.write.begin() as conn:
            by_digest = {r[0]: r[1] for r in conn.execute(select(submissions.c.digest, submissions.c.status))}
            by_eval = {r[0]: r[1] for r in conn.execute(select(submissions.c.eval_id, submissions.c.digest))}
            rows = []
            for source, record in records:
                if record.digest in by_digest:
                    unchanged += 1
                    continue
                if record.eval_id in by_eval:
                    problems.append(
                        f"{source}: eval_id: {record.eval_id!r} is already taken by a different record"
                    )
                    continue
                by_digest[record.digest] = "accepted"
                by_eval[record.eval_id] = record.digest
                rows.append(
                    dict(
                        eval_id=record.eval_id,
                        digest=record.digest,
                        benchmark_id=record.benchmark_id,
                        model_id=record.model.id,
                        status="accepted",
                        record_json=record_json(record),
                        submitter_id=None,
                        created_at=now,
                        reviewer_id=None,
                        reviewed_at=now,
                        reason=reason,
                    )
                )
                added += 1
            for i in range(0, len(rows), 1000):
                conn.execute(insert(submissions), rows[i : i + 1000])
            if rows:
                self._bump(conn)
        return ImportResult(added, unchanged, problems)
