"""Where the output cache lives and how its folders are laid out.

``<root>/<model_id>.<config12>/<dataset_id>.<data12>/<protocol>.<key12>/<method>/<entry>.{npy,json}``,
with a ``manifest.json`` in each ``<protocol>.<key12>`` folder and the sidecar of big files'
hashes in the root. Entries are named by their 64-hex-digit key, so nothing else in the root is
ever taken for one (or deleted as one).
"""

from __future__ import annotations

import os
from pathlib import Path

ENTRY_EXTS = (".npy", ".json")
MANIFEST = "manifest.json"  # what an entry folder's key was made of, beside its method folders
HASH_SIDECAR = ".file-hashes.json"  # big files' content hashes by (path, size, times, inode), in the root


def short_digest(digest: str | None) -> str:
    """The first 12 hex digits of a digest, for folder names."""
    return (digest or "none").removeprefix("sha256:")[:12] or "none"


def safe_name(name: str) -> str:
    """``name`` with anything but letters, digits and ``._-`` replaced, for folder names."""
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in name) or "_"


def cache_root(root: str | Path | None = None) -> Path:
    """``root``, else ``$FMBENCH_CACHE/outputs``, else ``~/.cache/fmbench/outputs``.

    ``FMBENCH_CACHE`` is the root of all of fmbench's caches (model outputs here, parsed records
    under ``leaderboard/``, the WordNet copy under ``nltk_data/``), as ``~/.cache/fmbench`` is.
    """
    if root is not None:
        return Path(root).expanduser()
    env = os.environ.get("FMBENCH_CACHE")
    if env:
        return Path(env).expanduser() / "outputs"
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "fmbench" / "outputs"


def is_entry(p: Path) -> bool:
    return p.suffix in ENTRY_EXTS and len(p.stem) == 64 and all(c in "0123456789abcdef" for c in p.stem)


def entries(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(p for ext in ENTRY_EXTS for p in root.glob(f"*/*/*/*/*{ext}") if is_entry(p))


def entries_under(folder: Path) -> list[Path]:
    """The entries of one key folder (``<protocol>.<key12>/<method>/<key>.npy``)."""
    return sorted(p for ext in ENTRY_EXTS for p in folder.glob(f"*/*{ext}") if is_entry(p))
