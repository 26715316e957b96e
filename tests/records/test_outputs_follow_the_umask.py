"""Written outputs get the modes the umask allows, not tempfile's private 0600 / 0700.

A run folder filled under a temporary name, its atomically renamed files, a generated dataset,
the cache entries and a built leaderboard site must be readable by the group and a web server under umask 022,
and stay private under umask 077.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from fmbench.filemodes import current_umask

pytestmark = pytest.mark.usefixtures("isolated_cache")


@pytest.fixture
def umask():  # noqa: ANN201
    """Set the process umask for one test (and forget the remembered one before and after)."""
    saved = os.umask(0o022)
    os.umask(saved)

    def set_to(mask: int) -> None:
        os.umask(mask)
        current_umask.cache_clear()

    yield set_to
    os.umask(saved)
    current_umask.cache_clear()


def modes(root: Path) -> tuple[set[int], set[int]]:
    """(folder modes, file modes) of ``root`` and everything under it."""
    folders, files = {stat.S_IMODE(root.stat().st_mode)}, set()
    for p in root.rglob("*"):
        (folders if p.is_dir() else files).add(stat.S_IMODE(p.stat().st_mode))
    return folders, files


@pytest.mark.parametrize(("mask", "folder", "file"), [(0o022, 0o755, 0o644), (0o077, 0o700, 0o600)])
def test_run_outputs_cache_entries_and_site_follow_the_umask(tmp_path, umask, mask, folder, file):
    from fmbench.api import build_leaderboard
    from fmbench.runner import run_suite

    umask(mask)
    out = tmp_path / "runs" / "logistic"
    outcome = run_suite("SUITE-TOY-CLASS-CV", "logistic", out)
    assert modes(out) == ({folder}, {file})
    assert len(outcome.files) == 3

    data = Path(os.environ["FMBENCH_DATA"])  # the toy dataset generated for this run
    assert modes(data / "DS-TOY-FMRI-CLASS") == ({folder}, {file})

    entries = Path(os.environ["FMBENCH_CACHE"]) / "outputs"
    assert list(entries.rglob("*.npy"))
    entry_folders, entry_files = modes(entries)
    assert entry_files == {file} and folder in entry_folders

    site = tmp_path / "site"
    build_leaderboard(tmp_path / "runs", out_html=site, out_md=tmp_path / "board.md", no_cache=True)
    assert (site / "index.html").is_file()
    assert modes(site) == ({folder}, {file})
    assert stat.S_IMODE((tmp_path / "board.md").stat().st_mode) == file


def test_umask_is_read_without_changing_it(umask):
    umask(0o027)
    assert current_umask() == 0o027
    assert os.umask(0o027) == 0o027  # still what the process set
