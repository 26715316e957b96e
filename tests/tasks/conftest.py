"""Fixtures of the task tests: the report-generation baseline runs, once (on the session's rg_data_dir)."""

from __future__ import annotations

import pytest
import yaml


def _run(argv: list[str]) -> None:
    from fmbench.cli import main

    main(argv)


@pytest.fixture(scope="session")
def rg_runs(rg_data_dir, tmp_path_factory) -> dict[str, dict]:
    """eval.yaml of template and normal_report on SUITE-REPORT-GEN (BERT loaded once, in process)."""
    out = {}
    for model in ("template", "normal_report"):
        target = tmp_path_factory.mktemp("rg_run") / model
        _run(
            [
                "run",
                "--suite",
                "SUITE-REPORT-GEN",
                "--model",
                model,
                "--out",
                str(target),
                "--data-dir",
                str(rg_data_dir),
            ]
        )
        out[model] = {"dir": target, "record": yaml.safe_load((target / "eval.yaml").read_text())}
    return out
