"""Hub settings (pydantic-settings): from arguments, else ``FMBENCH_HUB_*`` variables."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DB_FILENAME = "hub.sqlite3"
MiB = 1024 * 1024


def default_data_dir() -> Path:
    """``$FMBENCH_DATA``, else ``$XDG_CACHE_HOME/fmbench``, else ``~/.cache/fmbench``."""
    env = os.environ.get("FMBENCH_DATA")
    if env:
        return Path(env)
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "fmbench"


def default_db_url() -> str:
    return f"sqlite:///{default_data_dir() / DB_FILENAME}"


def resolve_db_url(db: str | None) -> str:
    """A SQLAlchemy URL; a bare path means a SQLite file."""
    if not db:
        return default_db_url()
    if "://" not in db:
        return f"sqlite:///{Path(db).expanduser()}"
    return db


class HubSettings(BaseSettings):
    """How the hub server runs."""

    model_config = SettingsConfigDict(env_prefix="FMBENCH_HUB_", extra="forbid")

    db: str | None = Field(
        None,
        description="SQLAlchemy URL (sqlite:///…, postgresql+psycopg://…); default a SQLite file "
        "in the data directory.",
    )
    catalog: list[Path] = Field(default_factory=list, description="Extra catalog folders.")
    evals_dir: Path | None = Field(None, description="Folder of records imported when the store is empty.")
    max_body_bytes: int = Field(2 * MiB, ge=1024, description="Largest accepted submission body.")
    title: str = Field("fmbench hub", description="Shown in page titles.")
    behind_proxy: bool = Field(
        False,
        description="Served behind a TLS-terminating proxy: trust X-Forwarded-Proto/-For for the scheme "
        "(Secure cookies, HSTS) and the client address (rate limits).",
    )

    @property
    def db_url(self) -> str:
        return resolve_db_url(self.db)
