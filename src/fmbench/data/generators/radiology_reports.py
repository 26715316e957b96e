"""Synthetic radiology studies with reference reports, seeded and deterministic.

Each study: report type (chest_xray, brain_mri, ct_abdomen), modality (CR/DX, MR, CT),
institution (with its own house style), complexity (simple: no or one minor abnormality;
moderate: two abnormalities or one critical; complex: three or more), an indication, the
structured findings a model must describe (finding, status present/absent/uncertain,
severity, location), the reference report (FINDINGS and IMPRESSION) written from them with a
phrasing grammar (several phrasings per finding, negations incl. lists, "without" and scoped
"no … but …", hedges such as "may represent", "cannot be excluded"), and the reference labels.

Files: ``train.jsonl`` and ``test.jsonl``, one study per line (keys sorted, ``\\n`` endings).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from fmbench.data.generators import GENERATORS
from fmbench.data.generators.radiology_phrases import (
    CRITICAL_NOTE,
    GENERIC_INDICATIONS,
    NORMAL_IMPRESSION,
    NORMAL_NEGATIVES,
    PERTINENT_NEGATIVES,
    PHRASES,
    RECOMMENDATIONS,
    REGION_NORMAL,
    SEVLY,
)
from fmbench.finding_lexicon import CRITICAL, REPORT_TYPES, findings_of

REPORT_TYPE_P = (0.45, 0.30, 0.25)
COMPLEXITY = ("simple", "moderate", "complex")
COMPLEXITY_P = (0.40, 0.35, 0.25)
INSTITUTIONS = ("north_general", "south_university", "east_community", "west_regional")
INSTITUTION_P = (0.35, 0.30, 0.20, 0.15)
# house style per institution: (telegraphic, full sentence, verbose) weights; numbered impression
STYLE = {
    "north_general": ((0.6, 0.3, 0.1), False),
    "south_university": ((0.2, 0.6, 0.2), True),
    "east_community": ((0.3, 0.4, 0.3), False),
    "west_regional": ((0.1, 0.3, 0.6), True),
}
CHEST_MODALITY = {
    "north_general": "DX",
    "south_university": "DX",
    "east_community": "CR",
    "west_regional": "CR",
}
P_UNCERTAIN = 0.2


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _pick(rng: np.random.Generator, seq):  # noqa: ANN001, ANN202
    return seq[int(rng.integers(len(seq)))]


class Writer:
    """Writes the sentences of one study in an institution's style."""

    def __init__(self, rng: np.random.Generator, institution: str) -> None:
        self.rng = rng
        self.style_p, self.numbered = STYLE[institution]

    def style(self) -> int:
        return int(self.rng.choice(3, p=self.style_p))

    def noun_phrase(self, f: dict) -> str:
        words = [
            f.get("severity") or "",
            f.get("location_pre") or "",
            f["name"],
            f.get("location_post") or "",
        ]
        return " ".join(w for w in words if w)

    def present(self, f: dict) -> str:
        ph = PHRASES[f["finding"]]
        if ph.extra_present and f.get("severity") in SEVLY and self.rng.random() < 0.35:
            return _pick(self.rng, ph.extra_present).format(sevly=SEVLY[f["severity"]])
        np_ = self.noun_phrase(f)
        verb = "are" if ph.plural else "is"
        style = self.style()
        if style == 0:
            return _cap(np_) + "."
        if style == 1:
            article = "" if ph.mass else ("an " if np_[0] in "aeiou" else "a ")
            return f"There {verb} {article}{np_}."
        return _cap(np_) + f" {verb} " + _pick(self.rng, ("noted", "present", "seen", "identified")) + "."

    def uncertain(self, f: dict) -> str:
        np_ = self.noun_phrase(f)
        verb = "are" if PHRASES[f["finding"]].plural else "is"
        forms = (
            f"Possible {np_}.",
            f"{_cap(np_)} cannot be excluded.",
            f"Findings may represent {np_}.",
            f"Findings are suspicious for {np_}.",
            f"Probable {np_}.",
            f"{_cap(np_)} {verb} not excluded.",
        )
        return _pick(self.rng, forms)

    def absent(self, names: list[str]) -> str:
        if len(names) == 1:
            n = names[0]
            forms = (
                f"No {n}.",
                f"There is no {n}.",
                f"No evidence of {n}.",
                f"{_cap(n)} is not seen.",
                f"{_cap(n)} is not identified.",
            )
            return forms[int(self.rng.choice(5, p=(0.35, 0.2, 0.25, 0.1, 0.1)))]
        listed = ", ".join(names[:-1]) + (", or " if len(names) > 2 else " or ") + names[-1]
        return _pick(self.rng, (f"No {listed}.", f"There is no {listed}.", f"No evidence of {listed}."))


def _finding_entry(rng: np.random.Generator, key: str, status: str) -> dict:
    ph = PHRASES[key]
    entry = {"finding": key, "status": status, "name": _pick(rng, ph.names)}
    if status != "absent":
        entry["severity"] = _pick(rng, ph.sev)
        entry["location_pre"] = _pick(rng, ph.pre)
        entry["location_post"] = _pick(rng, ph.post)
    return entry


def _abnormal_findings(rng: np.random.Generator, report_type: str, complexity: str) -> list[str]:
    keys = [f.key for f in findings_of(report_type)]
    w = np.array([PHRASES[k].weight for k in keys])
    crit = np.array([k in CRITICAL for k in keys])
    if complexity == "simple":
        if rng.random() < 0.6:
            return []
        p = np.where(crit, 0, w)
        return [keys[int(rng.choice(len(keys), p=p / p.sum()))]]
    if complexity == "moderate" and rng.random() < 0.4:
        p = np.where(crit, w, 0)
        return [keys[int(rng.choice(len(keys), p=p / p.sum()))]]
    k = 2 if complexity == "moderate" else int(rng.integers(3, 5))
    p = w / w.sum()
    if complexity == "complex":  # at least one critical finding
        first = int(rng.choice(len(keys), p=np.where(crit, w, 0) / w[crit].sum()))
        rest = [i for i in rng.choice(len(keys), size=len(keys), replace=False, p=p) if i != first][: k - 1]
        return [keys[first]] + [keys[i] for i in rest]
    return [keys[i] for i in rng.choice(len(keys), size=k, replace=False, p=p)]


def _normal_study(rng: np.random.Generator, report_type: str, institution: str) -> tuple[list[dict], str]:
    """Normal studies use one of two fixed texts per institution: normal reports repeat."""
    variant = (INSTITUTIONS.index(institution) + int(rng.random() < 0.25)) % 3
    negs = list(NORMAL_NEGATIVES[report_type])
    names = [PHRASES[k].names[0] for k in negs]
    region = REGION_NORMAL[report_type]
    listed = ", ".join(names[:-1]) + ", or " + names[-1]
    body = [region[0], f"No {listed}." if variant != 1 else f"There is no evidence of {listed}.", *region[1:]]
    entries = [{"finding": k, "status": "absent", "name": n} for k, n in zip(negs, names, strict=True)]
    return entries, _report(body, [NORMAL_IMPRESSION[report_type][variant]], numbered=False)


def _report(findings_sentences: list[str], impression: list[str], *, numbered: bool) -> str:
    if numbered and len(impression) > 1:
        imp = "\n".join(f"{i}. {s}" for i, s in enumerate(impression, 1))
    else:
        imp = " ".join(impression)
    return "FINDINGS: " + " ".join(findings_sentences) + "\nIMPRESSION: " + imp


def _abnormal_study(
    rng: np.random.Generator, report_type: str, institution: str, complexity: str
) -> tuple[list[dict], str]:
    w = Writer(rng, institution)
    abnormal = _abnormal_findings(rng, report_type, complexity)
    entries = [
        _finding_entry(rng, k, "uncertain" if rng.random() < P_UNCERTAIN else "present") for k in abnormal
    ]
    candidates = [k for k in PERTINENT_NEGATIVES[report_type] if k not in abnormal]
    n_neg = min(len(candidates), int(rng.integers(1, 4)))
    negatives = [_finding_entry(rng, k, "absent") for k in candidates[:n_neg]]
    sentences: list[str] = []
    neg_names = [e["name"] for e in negatives]
    for i, e in enumerate(entries):
        if e["status"] == "present":
            s = w.present(e)
            if i == 0 and neg_names and rng.random() < 0.15:  # scoped negation: "No X but a small Y."
                s = f"No {neg_names.pop(0)}, but " + s[0].lower() + s[1:]
            elif neg_names and rng.random() < 0.15:  # "Mild cardiomegaly without pulmonary edema."
                s = s[:-1] + f" without {neg_names.pop(0)}."
            sentences.append(s)
        else:
            sentences.append(w.uncertain(e))
    while neg_names:
        k = min(len(neg_names), int(rng.integers(1, 4)))
        sentences.append(w.absent(neg_names[:k]))
        neg_names = neg_names[k:]
    for key in [
        k
        for k, ph in PHRASES.items()
        if ph.normal and k not in abnormal and k in {f.key for f in findings_of(report_type)}
    ]:
        if rng.random() < 0.3 and not any(n["finding"] == key for n in negatives):
            sentences.append(_pick(rng, PHRASES[key].normal))
            negatives.append({"finding": key, "status": "absent", "name": PHRASES[key].names[0]})
    lung = ("consolidation", "atelectasis", "pulmonary_nodule", "pulmonary_edema")
    if report_type == "chest_xray" and not any(k in abnormal for k in lung):
        sentences.append(REGION_NORMAL[report_type][0])
    sentences.append(REGION_NORMAL[report_type][-1])

    ordered = sorted(entries, key=lambda e: (e["finding"] not in CRITICAL, e["status"] == "uncertain"))
    impression = []
    for e in ordered:
        np_ = w.noun_phrase(e)
        impression.append(
            _cap(np_) + "."
            if e["status"] == "present"
            else _pick(rng, (f"Possible {np_}.", f"{_cap(np_)}, cannot be excluded."))
        )
    if not impression:
        impression = [_pick(rng, NORMAL_IMPRESSION[report_type])]
    if any(e["finding"] in CRITICAL and e["status"] == "present" for e in entries):
        impression.append(_pick(rng, CRITICAL_NOTE))
    impression += [RECOMMENDATIONS[e["finding"]] for e in ordered if e["finding"] in RECOMMENDATIONS]
    return entries + negatives, _report(sentences, impression, numbered=w.numbered)


def _input_text(study: dict) -> str:
    parts = []
    for f in study["findings"]:
        attrs = ", ".join(a for a in (f.get("severity"), f.get("location_pre"), f.get("location_post")) if a)
        parts.append(f"{f['finding']}: {f['status']}" + (f" ({attrs})" if attrs else ""))
    return (
        f"Exam: {study['report_type']} ({study['modality']}). Indication: {study['indication']} "
        f"Findings: " + ("; ".join(parts) if parts else "none listed") + "."
    )


def make_study(rng: np.random.Generator, study_id: str, split: str) -> dict:
    report_type = REPORT_TYPES[int(rng.choice(3, p=REPORT_TYPE_P))]
    institution = INSTITUTIONS[int(rng.choice(4, p=INSTITUTION_P))]
    complexity = COMPLEXITY[int(rng.choice(3, p=COMPLEXITY_P))]
    modality = {"chest_xray": CHEST_MODALITY[institution], "brain_mri": "MR", "ct_abdomen": "CT"}[report_type]
    entries, reference = _abnormal_study(rng, report_type, institution, complexity)
    if not any(e["status"] != "absent" for e in entries):
        entries, reference = _normal_study(rng, report_type, institution)
    linked = [k for e in entries if e["status"] != "absent" for k in PHRASES[e["finding"]].indications]
    indication = (
        _pick(rng, linked) if linked and rng.random() < 0.7 else _pick(rng, GENERIC_INDICATIONS[report_type])
    )
    findings = [{k: v for k, v in e.items() if k != "name" and v} for e in entries]
    study = {
        "study_id": study_id,
        "split": split,
        "report_type": report_type,
        "modality": modality,
        "institution": institution,
        "complexity": complexity,
        "indication": indication,
        "findings": findings,
        "reference": reference,
        "labels": {e["finding"]: e["status"] for e in entries},
    }
    study["input_text"] = _input_text(study)
    return study


@GENERATORS.register("radiology_reports")
def generate(out_dir: Path, *, seed: int, n_train: int = 800, n_test: int = 200) -> None:
    rng = np.random.default_rng(seed)
    for split, n, offset in (("train", n_train, 0), ("test", n_test, n_train)):
        lines = [
            json.dumps(
                make_study(rng, f"study-{offset + i + 1:05d}", split), sort_keys=True, ensure_ascii=False
            )
            for i in range(n)
        ]
        (out_dir / f"{split}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")
