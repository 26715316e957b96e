"""Write the hub's published results as eval records under evals/reported/ (reproducible).

These are the records behind the hub's earlier public leaderboard, in the format of its earlier
tooling (copied unchanged into tests/records/data/reference-records/evals/). They are migrated
by ``fmbench import-records`` — notes, run metadata, breakdowns and probe curves kept — and are
``evidence: reported``: taken over as published, without CIs or bootstrap replicates, never
re-run by fmbench and never ranked against its runs. Run ``python evals/make_reported.py`` to
regenerate; the output is byte-identical for the same code.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from fmbench.catalog.registry import load_catalog
from fmbench.leaderboard.collect import record_files
from fmbench.records.importing import import_records

ROOT = Path(__file__).resolve().parent
OUT = ROOT / "reported"
SOURCE = ROOT.parent / "tests" / "records" / "data" / "reference-records" / "evals"


def main() -> None:
    if OUT.exists():
        shutil.rmtree(OUT)
    result = import_records(record_files([SOURCE]), OUT, load_catalog())
    for path in result.written:
        print(path)


if __name__ == "__main__":
    main()
