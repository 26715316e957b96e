"""Engines and schema migrations (Alembic, shipped in ``fmbench/hub/migrations``).

SQLite: WAL journal, ``synchronous=FULL`` (a committed submission survives a killed process
and a power cut), a busy timeout, and write transactions opened with ``BEGIN IMMEDIATE`` so
concurrent writers queue instead of failing on a read-to-write upgrade.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from fmbench.errors import ConfigError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


@dataclass
class Engines:
    """``write`` for transactions that change data; ``read`` for the rest (same on PostgreSQL)."""

    url: str
    write: Engine
    read: Engine

    @property
    def is_sqlite(self) -> bool:
        return self.write.dialect.name == "sqlite"

    def dispose(self) -> None:
        self.write.dispose()
        if self.read is not self.write:
            self.read.dispose()


def _sqlite_engine(url: str, *, immediate: bool) -> Engine:
    engine = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": 30}, pool_size=8, max_overflow=16
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # noqa: ANN001
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # noqa: ANN001
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def make_engines(url: str) -> Engines:
    """Engines for ``url``; a SQLite file's folder is created."""
    try:
        parsed = make_url(url)
    except Exception:  # noqa: BLE001 - sqlalchemy raises ArgumentError with a long message
        raise ConfigError(
            f"--db {url!r}: not a database URL (e.g. sqlite:///hub.sqlite3 or "
            "postgresql+psycopg://user@host/db)"
        ) from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        db = parsed.database
        if not db or db == ":memory:":
            raise ConfigError("--db: an in-memory SQLite database cannot be shared; give a file path")
        Path(db).expanduser().parent.mkdir(parents=True, exist_ok=True)
        return Engines(url, _sqlite_engine(url, immediate=True), _sqlite_engine(url, immediate=False))
    if backend == "postgresql":
        try:
            engine = create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)
        except ModuleNotFoundError as exc:
            raise ConfigError(
                f"--db {parsed.render_as_string(hide_password=True)}: driver missing "
                f"({exc.name}); install fmbench[hub]"
            ) from None
        return Engines(url, engine, engine)
    raise ConfigError(f"--db: unsupported database {backend!r}; use sqlite or postgresql+psycopg")


def alembic_config():  # noqa: ANN201
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def migrate(engines: Engines, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (creating it on first start)."""
    from alembic import command

    cfg = alembic_config()
    with engines.write.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def current_revision(engines: Engines) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engines.read.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
