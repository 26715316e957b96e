"""What the ``fmbench hub`` commands do, on the store directly (no server needed)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fmbench.errors import ConfigError
from fmbench.hub.settings import resolve_db_url
from fmbench.hub.store import ImportResult, Store, Submission, User
from fmbench.records.io import record_to_yaml, write_text_atomic


def open_store(db: str | None) -> Store:
    return Store.open(resolve_db_url(db))


@contextmanager
def store_at(db: str | None) -> Iterator[Store]:
    """The store of ``db`` (or the configured one), closed afterwards."""
    store = open_store(db)
    try:
        yield store
    finally:
        store.close()


def add_user(db: str | None, name: str, *, maintainer: bool) -> tuple[User, str]:
    with store_at(db) as store:
        return store.add_user(name, maintainer=maintainer)


def new_token(db: str | None, name: str) -> str:
    with store_at(db) as store:
        return store.new_token(name)


def revoke_tokens(db: str | None, name: str) -> int:
    with store_at(db) as store:
        return store.revoke_tokens(name)


def review_local(db: str | None, sub_id: int, *, accept: bool, reason: str | None, token: str) -> Submission:
    with store_at(db) as store:
        user = store.authenticate(token)
        if user is None:
            raise ConfigError("--token: not a valid token for this hub")
        if not user.is_maintainer:
            raise ConfigError(f"--token: user {user.name!r} is not a maintainer")
        return store.review(sub_id, accept=accept, reason=reason, reviewer=user)


def export_evals(db: str | None, out_dir: str | Path) -> list[Path]:
    """Accepted records as ``DIR/<benchmark_id>/<eval_id>.yaml`` (each written atomically)."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ConfigError(f"--evals {out_dir}: exists and is not a directory")
    with store_at(db) as store:
        records = store.accepted_records()
    written = []
    for rec in sorted(records, key=lambda r: (r.benchmark_id, r.eval_id)):
        path = out_dir / rec.benchmark_id / f"{rec.eval_id}.yaml"
        write_text_atomic(path, record_to_yaml(rec))
        written.append(path)
    return written


def import_evals(
    db: str | None, paths: list[Path], catalog_dirs: list[Path], *, skip_invalid: bool = False
) -> ImportResult:
    """Import valid records as accepted. Any invalid file is an error and nothing is imported,
    unless ``skip_invalid``: then the valid ones are imported and the others listed."""
    from fmbench.catalog.registry import load_catalog
    from fmbench.errors import RecordError
    from fmbench.hub.intake import load_record_folder

    catalog = load_catalog(catalog_dirs)
    records, problems = load_record_folder(paths, catalog)
    if problems and not skip_invalid:
        raise RecordError(
            f"{len(problems)} invalid file(s), nothing imported (fix them, or pass --skip-invalid "
            "to import the others): " + "; ".join(problems)
        )
    with store_at(db) as store:
        result = store.import_records(records)
    result.problems[:0] = problems
    return result
