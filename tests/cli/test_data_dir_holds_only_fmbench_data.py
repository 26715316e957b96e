"""``--data-dir`` is where fmbench writes generated datasets: it refuses a folder that holds other
files (a user's own data folder, which is what ``--data`` is for) and writes nothing there."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from fmbench.catalog.registry import load_catalog
from fmbench.cli import main


def users_folder(folder: Path) -> Path:
    """The hub's earlier layout, as a user would point --data-dir at it."""
    folder.mkdir(parents=True)
    np.save(folder / "X.npy", np.zeros((4, 2, 8), np.float32))
    np.save(folder / "y.npy", np.array([0, 1, 0, 1]))
    (folder / "metadata.csv").write_text("subject_id\ns0\ns1\ns2\ns3\n")
    (folder / "info.json").write_text(json.dumps({"sampling_freq": 200}))
    return folder


def refused(capsys, argv: list) -> str:  # noqa: ANN001
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in argv])
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert exc.value.code == 2 and len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_a_folder_holding_other_files_is_refused(tmp_path, capsys) -> None:  # noqa: ANN001
    folder = users_folder(tmp_path / "robustness")
    before = sorted(p.name for p in folder.iterdir())
    out = tmp_path / "out"
    line = refused(capsys, ["run", "--suite", "SUITE-TOY-CLASS", "--model", "logistic", "--out", out,
                            "--data-dir", folder])
    for needle in ("not fmbench's", "X.npy", "info.json", f"pass --data {folder}"):
        assert needle in line, line
    assert not out.exists()
    assert sorted(p.name for p in folder.iterdir()) == before  # nothing generated, no temporary folder
    line = refused(capsys, ["generate-toy-data", "--dataset", "DS-TOY-EEG", "--out", folder])
    assert "not fmbench's" in line
    assert sorted(p.name for p in folder.iterdir()) == before


def test_dataset_folders_and_hidden_files_are_fine(tmp_path) -> None:  # noqa: ANN001
    from fmbench.data.provision import generate_dataset

    root = tmp_path / "data"
    (root / "DS-MYCOHORT").mkdir(parents=True)  # a file dataset's folder beside generated ones
    (root / "DS-MYCOHORT" / "X.npy").write_bytes(b"")
    (root / ".DS_Store").write_bytes(b"")
    folder = generate_dataset(load_catalog().dataset("DS-TOY-EEG"), root)
    assert (folder / "manifest.json").exists()
