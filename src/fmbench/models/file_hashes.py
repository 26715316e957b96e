"""Content hashes of the files and folders a model reads, so changed weights never hit the cache.

Every file is hashed by content (sha256, streamed in 1 MiB blocks; a folder by every file's
relative path and content). Re-reading a multi-GB checkpoint on every run would cost seconds,
so files of ``BIG_FILE_BYTES`` and more are remembered in a small JSON sidecar under the cache
root, keyed by (path, size, mtime_ns, ctime_ns, inode, device): an unchanged file is not read
again, and any write to it changes its ctime, which no program can set back (``os.utime`` sets
mtime and atime only), so a checkpoint overwritten in place with its old size and mtime restored
is still read again. Smaller files are always hashed: cheap, and safe on file systems with coarse
timestamps. A file changed within the last two seconds is not remembered either (see
``SETTLED_NS``).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from fmbench.records.io import write_text_atomic

BIG_FILE_BYTES = 64 * 2**20  # from this size on, an unchanged file's hash comes from the sidecar
# A file changed less than this long ago is not remembered: file times tick coarsely (a few ms on
# Linux), so a second write within the same tick could leave all of (size, times, inode) as they
# were (git's "racily clean" entries). Such a file is simply hashed again next time.
SETTLED_NS = 2_000_000_000
MAX_FOLDER_FILES = 20_000  # a folder with more files cannot be keyed (a home or root folder named by mistake)
_SIDECAR_ENTRIES = 5_000
_BLOCK = 2**20


class UnkeyableFile(Exception):
    """A named path whose content cannot be hashed: unreadable, or a folder with too many files."""


@dataclass(frozen=True)
class PathDigest:
    """sha256 of a file's content, or of a folder's (relative path, content) pairs."""

    sha256: str
    files: int
    bytes: int


def _stat_key(st: os.stat_result) -> list[int]:
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]


def _sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(_BLOCK):
            h.update(block)
    return h.hexdigest()


class FileHashes:
    """Content hashes, with big files' hashes remembered in ``sidecar`` (None: remember nothing)."""

    def __init__(self, sidecar: Path | None = None) -> None:
        self.sidecar = sidecar
        self.read_bytes = 0  # bytes hashed by this object (the sidecar spares the rest)
        self._known: dict[str, list] = {}
        self._changed = False
        if sidecar is not None:
            try:
                data = json.loads(sidecar.read_text(encoding="utf-8"))
                if isinstance(data, dict) and isinstance(data.get("files"), dict):
                    self._known = data["files"]
            except (OSError, ValueError):
                pass  # missing or corrupt: every big file is hashed again

    def file(self, path: Path) -> tuple[str, int]:
        """(sha256, size) of a file's content."""
        real = os.path.realpath(path)
        try:
            st = os.stat(real)
            if st.st_size < BIG_FILE_BYTES or self.sidecar is None:
                digest = _sha256_of(Path(real))
                self.read_bytes += st.st_size
                return digest, st.st_size
            known = self._known.get(real)
            if isinstance(known, list) and len(known) == 6 and known[:5] == _stat_key(st):
                return str(known[5]), st.st_size
            digest = _sha256_of(Path(real))
            self.read_bytes += st.st_size
        except OSError as exc:
            raise UnkeyableFile(f"cannot read {path} ({exc.strerror or exc})") from None
        after = os.stat(real)
        settled = time.time_ns() - max(st.st_ctime_ns, st.st_mtime_ns) >= SETTLED_NS
        if settled and _stat_key(after) == _stat_key(st):  # and not written to while it was read
            self._known[real] = [*_stat_key(st), digest]
            self._changed = True
        return digest, st.st_size

    def path(self, path: Path, *, exclude: tuple[Path, ...] = ()) -> PathDigest:
        """The digest of a file, or of a folder: every file's relative path and content.

        Symbolic links are followed (a Hugging Face snapshot is links into a blob store); folders
        named ``__pycache__`` (compiled copies of sources) and folders in ``exclude`` (the cache
        itself) are left out.
        """
        if path.is_file():
            digest, size = self.file(path)
            return PathDigest(digest, 1, size)
        files = self._folder_files(path, exclude)
        h = hashlib.sha256()
        total = 0
        for rel, full in files:
            digest, size = self.file(full)
            total += size
            h.update(f"{rel}\0{digest}\n".encode())
        return PathDigest(h.hexdigest(), len(files), total)

    @staticmethod
    def _folder_files(folder: Path, exclude: tuple[Path, ...]) -> list[tuple[str, Path]]:
        skip = {os.path.realpath(p) for p in exclude}
        seen: set[str] = set()
        out: list[tuple[str, Path]] = []
        for top, dirs, names in os.walk(folder, followlinks=True):
            real = os.path.realpath(top)
            if real in seen or real in skip:  # a link cycle, or the cache inside a named folder
                dirs[:] = []
                continue
            seen.add(real)
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in names:
                full = Path(top) / name
                if full.is_file():
                    out.append((full.relative_to(folder).as_posix(), full))
            if len(out) > MAX_FOLDER_FILES:
                raise UnkeyableFile(
                    f"{folder} holds more than {MAX_FOLDER_FILES} files; name a smaller folder"
                )
        return sorted(out)

    def save(self) -> None:
        """Write the sidecar if a big file was hashed; entries of vanished or changed files are dropped."""
        if self.sidecar is None or not self._changed:
            return
        kept: dict[str, list] = {}
        for real, known in self._known.items():
            try:
                if isinstance(known, list) and known[:5] == _stat_key(os.stat(real)):
                    kept[real] = known
            except OSError:
                continue
        kept = dict(list(kept.items())[-_SIDECAR_ENTRIES:])
        try:
            write_text_atomic(self.sidecar, json.dumps({"version": 1, "files": kept}, indent=0))
        except OSError:
            pass  # a sidecar only saves time: the next run hashes the file again
        self._changed = False
