"""Where datasets live: --data-dir, else $FMBENCH_DATA, else ~/.cache/fmbench/data.

fmbench writes generated datasets there, one ``<dataset id>/`` folder each, so the folder holds
only folders. ``check_writable_data_dir`` refuses to write into a folder that holds other files:
pointing ``--data-dir`` at one's own data folder (X.npy, metadata.csv, …) used to fill it with the
built-in toy data, silently; what the user meant is ``--data``.
"""

from __future__ import annotations

import os
from pathlib import Path


def default_data_dir() -> Path:
    env = os.environ.get("FMBENCH_DATA")
    if env:
        return Path(env)
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "fmbench" / "data"


def resolve_data_dir(data_dir: str | Path | None) -> Path:
    path = Path(data_dir) if data_dir is not None else default_data_dir()
    if path.exists() and not path.is_dir():
        from fmbench.errors import ConfigError

        raise ConfigError(f"--data-dir {path}: exists and is not a directory; pass a folder "
                          "(or set FMBENCH_DATA)")
    return path


def foreign_files(folder: Path) -> list[str]:
    """Names of the files directly in ``folder`` that fmbench would not have written (not hidden,
    not folders): a data directory holds only dataset folders."""
    try:
        entries = sorted(folder.iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return []
    return [p.name for p in entries if not p.name.startswith(".") and not p.is_dir()]


def check_writable_data_dir(folder: Path) -> None:
    """Refuse (one line, exit 2) to write generated data into a folder holding other files."""
    names = foreign_files(folder)
    if not names:
        return
    from fmbench.errors import ConfigError

    shown = ", ".join(names[:4]) + (f", … ({len(names)} files)" if len(names) > 4 else "")
    raise ConfigError(
        f"data directory {folder}: holds files that are not fmbench's ({shown}); fmbench writes its "
        f"generated datasets into the data directory (--data-dir, FMBENCH_DATA) and will not mix them with "
        f"yours. To evaluate your own data pass --data {folder}; as data directory use an empty folder or "
        f"one fmbench made"
    )
