"""Finding detection in free-text reports: does a chest X-ray report state pleural effusion?

The texts are the reference reports of :mod:`fmbench.data.generators.radiology_reports` (same
study generator, same seed as DS-RADIOLOGY-REPORTS, so its first chest X-ray studies reappear
here), continued until ``n`` chest X-ray studies are collected. The label comes from the
generator's ground truth, never from reading the text: ``present`` when the study's finding
has status present, ``absent`` when it is absent (negated in the report) or not mentioned at
all. Studies where the finding is hedged (status uncertain: "possible …", "cannot be
excluded") are left out, so that every label is unambiguous. Most negatives name the finding
in a negation ("No pleural effusion.", "… without pleural effusion."), so spotting the word is
not enough.

Files: ``X.npy`` (the report texts, a fixed-width unicode array; the ``npy_table`` loader
reads it) and ``meta.csv`` (study_id, label, mention, report_type, modality, institution,
complexity). ``mention`` (stated / negated / unmentioned) says how the report treats the finding;
it is metadata for analysis, not a model input.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from fmbench.data.generators import GENERATORS
from fmbench.data.generators.radiology_reports import make_study
from fmbench.finding_lexicon import FINDINGS

MENTION = {"present": "stated", "absent": "negated"}


def finding_label(study: dict, finding: str) -> tuple[str, str] | None:
    """(label, mention) of ``finding`` in the study's ground truth; None when it is hedged."""
    status = study["labels"].get(finding)
    if status == "uncertain":
        return None
    if status is None:
        return "absent", "unmentioned"
    return status, MENTION[status]


@GENERATORS.register("radiology_report_findings")
def generate(out_dir: Path, *, seed: int, n: int = 1000, finding: str = "pleural_effusion",
             report_type: str = "chest_xray") -> None:
    known = {f.key: f.report_type for f in FINDINGS}
    if known.get(finding) != report_type:
        raise ValueError(f"finding {finding!r} is not a {report_type} finding "
                         f"({', '.join(k for k, t in known.items() if t == report_type)})")
    rng = np.random.default_rng(seed)
    texts: list[str] = []
    rows: list[dict] = []
    i = 0
    while len(rows) < n:
        i += 1
        study = make_study(rng, f"study-{i:05d}", "all")
        if study["report_type"] != report_type:
            continue
        labelled = finding_label(study, finding)
        if labelled is None:
            continue
        texts.append(study["reference"])
        rows.append({
            "study_id": study["study_id"],
            "label": labelled[0],
            "mention": labelled[1],
            "report_type": study["report_type"],
            "modality": study["modality"],
            "institution": study["institution"],
            "complexity": study["complexity"],
        })
    np.save(out_dir / "X.npy", np.array(texts, dtype=str), allow_pickle=False)
    pd.DataFrame(rows).to_csv(out_dir / "meta.csv", index=False, lineterminator="\n")
