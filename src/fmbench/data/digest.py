"""sha256 digests of data files and folders."""

from __future__ import annotations

import hashlib
from pathlib import Path


def file_sha256(path: str | Path, *, chunk: int = 1 << 22) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def combined_digest(file_digests: dict[str, str]) -> str:
    """Digest of a set of files: sha256 over sorted 'name  sha256' lines (like sha256sum)."""
    lines = "".join(f"{d}  {name}\n" for name, d in sorted(file_digests.items()))
    return "sha256:" + hashlib.sha256(lines.encode()).hexdigest()
