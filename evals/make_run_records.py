"""Regenerate evals/run/: every built-in baseline on every runnable suite (evidence: run).

    python evals/make_run_records.py [--suite ID ...]

Each record is the eval.yaml of a real `fmbench run`, copied to evals/run/<suite>/<model>.yaml.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from fmbench.cli.quickstart import run_quickstart

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--suite", action="append", help="only these suites")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        run_quickstart(out, suites=args.suite, evals=None)
        target = HERE / "run"
        for record in sorted((out / "runs").glob("*/*/eval.yaml")):
            suite, model = record.parent.parent.name, record.parent.name
            dest = target / suite / f"{model}.yaml"
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(record, dest)
            print(f"wrote {dest.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
