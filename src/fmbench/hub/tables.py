"""The store's tables (SQLAlchemy Core). Changes need a new migration in ``migrations/versions``."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("is_maintainer", Boolean, nullable=False, default=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

tokens = Table(
    "tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_id", String(32), nullable=False, unique=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("hash", String(300), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked", Boolean, nullable=False, default=False),
)

submissions = Table(
    "submissions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("eval_id", String(200), nullable=False, unique=True),
    Column("digest", String(80), nullable=False, unique=True),
    Column("benchmark_id", String(200), nullable=False, index=True),
    Column("model_id", String(200), nullable=False, index=True),
    Column("status", String(16), nullable=False, index=True),
    Column("record_json", Text, nullable=False),
    Column("submitter_id", Integer, ForeignKey("users.id"), nullable=True, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("reviewer_id", Integer, ForeignKey("users.id"), nullable=True),
    Column("reviewed_at", DateTime(timezone=True), nullable=True),
    Column("reason", Text, nullable=True),
)

# One row (id=1): a counter bumped in the same transaction as every change to the set of
# accepted records, so every server process sees when its cached leaderboard is stale.
hub_state = Table(
    "hub_state",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("accepted_version", BigInteger, nullable=False),
)

# Browser sessions: the cookie holds a random session id; only its SHA-256 is stored, so a
# leaked database does not log anyone in. Sessions expire and are revoked at sign-out.
sessions = Table(
    "sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("id_hash", String(64), nullable=False, unique=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("revoked", Boolean, nullable=False, default=False),
)

# Every review decision, in order: accept -> reject -> accept keeps all three.
reviews = Table(
    "reviews",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("submission_id", Integer, ForeignKey("submissions.id"), nullable=False, index=True),
    Column("reviewer_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("decision", String(16), nullable=False),
    Column("reason", Text, nullable=True),
    Column("at", DateTime(timezone=True), nullable=False),
)
