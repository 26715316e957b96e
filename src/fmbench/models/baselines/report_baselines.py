"""Report generation baselines: ``generate(inputs) -> list[str]``, optionally ``fit(inputs, reports)``.

An input is a study dict: ``report_type``, ``modality``, ``indication`` and ``findings``
(``[{"finding", "status", "severity"?, "location_pre"?, "location_post"?}]``), see
``fmbench.data.loaders.report_jsonl``.

- ``normal_report``: the most common normal report (every structured finding absent) of the
  training split for the study's report type (overall most common when the type has none).
- ``retrieval``: TF-IDF (word 1-2 grams) cosine over the input text; returns the reference
  report of the nearest training study of the same report type.
- ``template``: one sentence per structured finding, impression with critical findings first.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from fmbench.models.factory import BASELINES

CRITICAL_HINT = (
    "pneumothorax",
    "pulmonary_edema",
    "acute_infarct",
    "intracranial_hemorrhage",
    "mass_lesion",
    "midline_shift",
    "hydrocephalus",
    "appendicitis",
    "pneumoperitoneum",
    "bowel_obstruction",
)
NORMAL_IMPRESSION = {
    "chest_xray": "No acute cardiopulmonary abnormality.",
    "brain_mri": "No acute intracranial abnormality.",
    "ct_abdomen": "No acute abdominal or pelvic abnormality.",
}


def input_text(inp: dict[str, Any]) -> str:
    """A flat text of the study input (exam, indication, findings with status and attributes)."""
    parts = [str(inp.get("report_type", "")), str(inp.get("modality", "")), str(inp.get("indication", ""))]
    for f in inp.get("findings", []):
        attrs = " ".join(str(f.get(k, "")) for k in ("severity", "location_pre", "location_post"))
        parts.append(f"{f.get('finding', '')}_{f.get('status', '')} {f.get('finding', '')} {attrs}")
    return " ".join(p for p in parts if p)


def _is_normal(inp: dict[str, Any]) -> bool:
    return all(f.get("status") == "absent" for f in inp.get("findings", []))


@BASELINES.register("normal_report")
class NormalReport:
    """The most common normal training report of the study's report type."""

    def fit(self, inputs: list[dict], reports: list[str]) -> NormalReport:
        by_type: dict[str, Counter] = {}
        overall: Counter = Counter()
        for inp, rep in zip(inputs, reports, strict=True):
            if _is_normal(inp):
                by_type.setdefault(str(inp.get("report_type")), Counter())[rep] += 1
                overall[rep] += 1
        if not overall:
            raise ValueError("the training split holds no normal study (all findings absent)")
        # most common, ties broken by the text so the choice does not depend on input order
        self.by_type_ = {t: min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0] for t, c in by_type.items()}
        self.default_ = min(overall.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        return self

    def generate(self, inputs: list[dict]) -> list[str]:
        return [self.by_type_.get(str(inp.get("report_type")), self.default_) for inp in inputs]


@BASELINES.register("retrieval")
class RetrievalReport:
    """Reference report of the nearest training study (TF-IDF cosine of the input text)."""

    def __init__(self, ngram_max: int = 2) -> None:
        self.ngram_max = ngram_max

    def fit(self, inputs: list[dict], reports: list[str]) -> RetrievalReport:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.vectorizer_ = TfidfVectorizer(
            ngram_range=(1, self.ngram_max),
            token_pattern=r"[A-Za-z0-9_.]+",  # noqa: S106
            sublinear_tf=True,
        )
        self.train_ = self.vectorizer_.fit_transform([input_text(i) for i in inputs])
        self.types_ = np.array([str(i.get("report_type")) for i in inputs], dtype=object)
        self.reports_ = list(reports)
        return self

    def generate(self, inputs: list[dict]) -> list[str]:
        Q = self.vectorizer_.transform([input_text(i) for i in inputs])
        sims = (Q @ self.train_.T).toarray()  # rows are L2-normalised: dot product = cosine
        types = np.array([str(i.get("report_type")) for i in inputs], dtype=object)
        same = types[:, None] == self.types_[None, :]
        sims = np.where(same | ~same.any(axis=1, keepdims=True), sims, -np.inf)
        return [self.reports_[int(j)] for j in np.argmax(sims, axis=1)]


def _phrase(f: dict[str, Any]) -> str:
    words = [
        f.get("severity"),
        f.get("location_pre"),
        str(f.get("finding", "")).replace("_", " "),
        f.get("location_post"),
    ]
    return " ".join(str(w) for w in words if w)


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


@BASELINES.register("template")
class TemplateReport:
    """FINDINGS/IMPRESSION written sentence by sentence from the structured findings."""

    def fit(self, inputs: list[dict], reports: list[str]) -> TemplateReport:
        return self

    def write(self, inp: dict[str, Any]) -> str:
        findings = list(inp.get("findings", []))
        sentences, absent = [], []
        for f in findings:
            if f.get("status") == "present":
                sentences.append(_cap(_phrase(f)) + ".")
            elif f.get("status") == "uncertain":
                sentences.append(f"Possible {_phrase(f)}.")
            else:
                absent.append(str(f.get("finding", "")).replace("_", " "))
        if absent:
            listed = absent[0] if len(absent) == 1 else ", ".join(absent[:-1]) + " or " + absent[-1]
            sentences.append(f"No {listed}.")
        abnormal = sorted(
            (f for f in findings if f.get("status") in ("present", "uncertain")),
            key=lambda f: (f.get("finding") not in CRITICAL_HINT, f.get("status") == "uncertain"),
        )
        impression = [
            (_cap(_phrase(f)) + ".") if f["status"] == "present" else f"Possible {_phrase(f)}."
            for f in abnormal
        ]
        if not impression:
            impression = [NORMAL_IMPRESSION.get(str(inp.get("report_type")), "No acute abnormality.")]
        return (
            "FINDINGS: "
            + (" ".join(sentences) or "Unremarkable study.")
            + "\nIMPRESSION: "
            + " ".join(impression)
        )

    def generate(self, inputs: list[dict]) -> list[str]:
        return [self.write(inp) for inp in inputs]
