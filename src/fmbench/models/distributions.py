"""Installed distributions: which one a top-level module belongs to, its version, its requirements.

A distribution stands for all its installed files by its version and the sha256 of its
``RECORD`` (which lists every installed file's hash, so a reinstall with other files under the
same version is seen). Lookups read metadata files only; nothing is imported.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from functools import lru_cache
from importlib import metadata
from pathlib import Path

_REQ_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _dist_name(folder_name: str) -> str:
    """``scikit_learn-1.9.1.dist-info`` -> ``scikit_learn`` (lookups normalise the name)."""
    return folder_name.rsplit(".", 1)[0].split("-", 1)[0]


def _top_levels(info: Path) -> set[str]:
    """Top-level import names a distribution installs: its top_level.txt, else its RECORD's paths."""
    try:
        listed = (info / "top_level.txt").read_text(encoding="utf-8")
        return {line.strip() for line in listed.splitlines() if line.strip()}
    except OSError:
        pass
    out: set[str] = set()
    try:
        record = (info / "RECORD").read_text(encoding="utf-8")
    except OSError:
        return out
    for line in record.splitlines():
        first = line.split(",", 1)[0].split("/", 1)[0]
        metadata_file = first.endswith((".dist-info", ".data", ".pth"))
        if first and first not in ("..", "__pycache__") and not metadata_file:
            out.add(first.split(".", 1)[0])
    return out


@lru_cache(maxsize=256)
def _distributions_in(folder: str, mtime_ns: int) -> dict[str, tuple[str, ...]]:
    """Top-level name -> distributions, for the metadata folders in one sys.path entry.

    Keyed by the folder's mtime, which an install or uninstall changes. Reads top_level.txt or
    RECORD paths only: ``importlib.metadata.packages_distributions`` parses every RECORD into
    path objects and takes about 0.3 s for 230 distributions; this takes under 0.05 s."""
    out: dict[str, list[str]] = {}
    try:
        infos = [p for p in Path(folder).iterdir() if p.name.endswith((".dist-info", ".egg-info"))]
    except OSError:
        return {}
    for info in sorted(infos):
        for top in _top_levels(info):
            out.setdefault(top, []).append(_dist_name(info.name))
    return {top: tuple(dists) for top, dists in out.items()}


def _distributions_by_top_level() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for entry in sys.path:
        try:
            st = os.stat(entry or ".")
        except OSError:
            continue
        if not Path(entry or ".").is_dir():
            continue
        for top, dists in _distributions_in(os.path.realpath(entry or "."), st.st_mtime_ns).items():
            known = out.setdefault(top, [])
            known += [d for d in dists if d not in known]
    return out


def _normal(dist: str) -> str:
    return re.sub(r"[-_.]+", "-", dist).lower()


def distribution_state(dist: str) -> dict[str, str] | None:
    """{version, record}: the installed distribution's version and its RECORD's sha256, or None."""
    try:
        found = metadata.distribution(dist)
    except metadata.PackageNotFoundError:
        return None
    record = found.read_text("RECORD") or ""
    return {"version": found.version or "?", "record": hashlib.sha256(record.encode()).hexdigest()}


def distributions_of(top_levels: set[str]) -> set[str]:
    mapping = _distributions_by_top_level()
    return {d for top in top_levels for d in mapping.get(top, [])}


def with_requirements(dists: set[str]) -> dict[str, dict[str, str]]:
    """The distributions and, recursively, the installed ones they require (extras left out)."""
    out: dict[str, dict[str, str]] = {}
    todo = sorted(dists)
    while todo:
        dist = todo.pop()
        key = _normal(dist)
        if key in out:
            continue
        state = distribution_state(dist)
        if state is None:
            continue
        out[key] = state
        try:
            requires = metadata.requires(dist) or []
        except metadata.PackageNotFoundError:
            requires = []
        for req in requires:
            marker = req.partition(";")[2]
            match = _REQ_NAME.match(req)
            if match and "extra" not in marker:
                todo.append(match.group(1))
    return out


def describe_packages(dists: set[str]) -> dict[str, dict[str, str]]:
    """{version, record} of each distribution as installed now (absent ones left out)."""
    return {d: s for d in sorted(dists) if (s := distribution_state(d)) is not None}
