"""Rule-based finding labeler (NegEx-style) and the clinical report metrics built on it.

``label_report(text)`` returns ``{finding_key: "present" | "absent" | "uncertain"}`` for every
finding of :mod:`fmbench.finding_lexicon` that the text mentions. Per sentence:

1. finding mentions are matched (earliest, then longest match wins where matches overlap);
   "normal" statements ("heart size is normal") are absent mentions;
2. pseudo-triggers ("no change in", "not only") are masked, then uncertainty triggers
   ("may represent", "cannot exclude", "possible", "… cannot be excluded", both-sided "versus"), then negation
   triggers ("no", "no evidence of", "without", "negative for", "… is not seen");
3. a pre-trigger's scope runs forward at most ``WINDOW`` words and stops at a terminator
   ("but", "however", "although", "except", "which", "there is", …) or the sentence end;
   a post-trigger's scope runs backward the same way. Uncertain wins over negated.

A finding mentioned several times is present if any mention is affirmed, else uncertain if
any is hedged, else absent (the CheXpert aggregation). Unmentioned findings are absent for
the status comparison of ``clinical_accuracy`` (reports state what matters; silence is normal).

Per report the clinical metrics reduce to counts (``CLINICAL_COUNTS``), so corpus-level
(micro-averaged) values and their bootstrap replicates are ratios of weighted sums.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

from fmbench.finding_lexicon import CRITICAL, FINDINGS

PRESENT, ABSENT, UNCERTAIN = "present", "absent", "uncertain"
WINDOW = 8  # words a trigger's scope may span

PSEUDO = (
    r"no (?:significant |interval |appreciable )?(?:change|increase|decrease)",
    r"not only",
    r"not necessarily",
    r"without (?:significant |interval )?change",
    r"no longer (?:necessary|needed)",
)
UNCERTAIN_PRE = (
    r"(?:may|might|could) (?:represent|reflect|indicate|be due to|be|suggest)",
    r"(?:may|might|could)",
    r"can ?not (?:be )?(?:entirely |completely |definitely )?(?:exclude|rule out)",
    r"cannot (?:entirely |completely )?(?:exclude|rule out)",
    r"possible",
    r"possibly",
    r"probable",
    r"probably",
    r"likely",
    r"suspicious (?:for|of)",
    r"suspected",
    r"suspect",
    r"concerning for",
    r"worrisome for",
    r"suggestive of",
    r"suggests?",
    r"suggesting",
    r"questionable",
    r"question of",
    r"equivocal",
    r"differential (?:diagnosis )?(?:includes?|considerations? include)",
    r"raising the possibility of",
    r"(?:which|that) could be",
)
UNCERTAIN_POST = (
    r"can ?not be (?:entirely |completely |definitely )?(?:excluded|ruled out)",
    r"(?:is|are) not (?:entirely |completely )?(?:excluded|ruled out)",
    r"not (?:excluded|ruled out)",
    r"(?:is|are) (?:suspected|questioned|possible|likely|probable|not certain)",
    r"(?:may|might|could) be present",
    r"is a consideration",
    r"is (?:a )?possibility",
)
UNCERTAIN_BOTH = (r"versus", r"vs\.?")  # hedges both sides: "atelectasis versus pneumonia"
NEGATION_PRE = (
    r"no evidence (?:of|for)",
    r"no (?:radiographic |imaging |ct |mri |definite |convincing )?(?:signs?|findings?) "
    r"(?:of|to suggest|suggestive of)",
    r"negative for",
    r"free of",
    r"absence of",
    r"resolution of",
    r"(?:does|did) not (?:demonstrate|show|reveal|see)",
    r"fails? to (?:demonstrate|reveal|show)",
    r"not (?:demonstrated|seen|identified)",
    r"without",
    r"no",
    r"nor",
    r"neither",
    r"rules? out",
)
NEGATION_POST = (
    r"(?:is|are|was|were|has been|have been) (?:no longer |not )(?:seen|identified|present|demonstrated|"
    r"visualized|evident|appreciated|detected|visible)",
    r"no longer (?:seen|visualized|present|identified|evident|visible)",
    r"not (?:seen|identified|present|demonstrated|visualized|evident|appreciated|detected|visible)",
    r"(?:is|are|was|were|has|have) (?:absent|resolved)",
    r"(?:has|have) (?:since )?resolved",
    r"(?:is|are|was|were|has been|have been) (?:excluded|ruled out)",
    r"absent",
    r"resolved",
)
TERMINATORS = (
    r"but",
    r"however",
    r"although",
    r"though",
    r"yet",
    r"except",
    r"aside from",
    r"apart from",
    r"which",
    r"whereas",
    r"while",
    r"with the exception of",
    r"there (?:is|are|has been|have been)",
    r"otherwise",
    r"other than",
    r"nevertheless",
    r"still",
)

_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*|\?")
_SENT_SPLIT = re.compile(r"(?<=[.!?;])\s+|\n+|;")


def _alt(patterns: tuple[str, ...]) -> re.Pattern:
    ordered = sorted(patterns, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(ordered) + r")(?![a-z0-9])")


_PSEUDO_RE, _UNC_PRE_RE, _UNC_POST_RE = _alt(PSEUDO), _alt(UNCERTAIN_PRE), _alt(UNCERTAIN_POST)
_UNC_BOTH_RE = _alt(UNCERTAIN_BOTH)
_NEG_PRE_RE, _NEG_POST_RE, _TERM_RE = _alt(NEGATION_PRE), _alt(NEGATION_POST), _alt(TERMINATORS)
_FINDING_RES = [(f.key, _alt(f.patterns), _alt(f.normal) if f.normal else None) for f in FINDINGS]


def split_sentences(text: str) -> list[str]:
    """Sentences of a report: split at . ! ? ; and line breaks (decimals such as 1.2 stay whole)."""
    return [s.strip() for s in _SENT_SPLIT.split(text) if s and s.strip()]


def _mentions(sentence: str) -> list[tuple[int, int, str, bool]]:
    """(start, end, key, is_normal_statement), overlaps resolved: earliest, then longest."""
    found = []
    for key, pos_re, normal_re in _FINDING_RES:
        found += [(m.start(), m.end(), key, False) for m in pos_re.finditer(sentence)]
        if normal_re is not None:
            found += [(m.start(), m.end(), key, True) for m in normal_re.finditer(sentence)]
    found.sort(key=lambda t: (t[0], -(t[1] - t[0]), t[3] is False))
    kept, last_end = [], -1
    for m in found:
        if m[0] >= last_end:
            kept.append(m)
            last_end = m[1]
    return kept


def _masked_spans(regex: re.Pattern, text: str, taken: list[tuple[int, int]]) -> list[tuple[int, int]]:
    spans = []
    for m in regex.finditer(text):
        if not any(m.start() < e and s < m.end() for s, e in taken):
            spans.append((m.start(), m.end()))
    return spans


def _label_sentence(s: str) -> list[tuple[str, str]]:
    mentions = _mentions(s)
    if not mentions:
        return []
    taken = [(a, b) for a, b, _, _ in mentions]
    taken += _masked_spans(_PSEUDO_RE, s, taken)
    unc_both = _masked_spans(_UNC_BOTH_RE, s, taken)
    taken += unc_both
    unc_post = _masked_spans(_UNC_POST_RE, s, taken)
    unc_pre = _masked_spans(_UNC_PRE_RE, s, taken + unc_post) + unc_both
    unc_post += unc_both
    taken += unc_pre + unc_post
    neg_post = _masked_spans(_NEG_POST_RE, s, taken)
    neg_pre = _masked_spans(_NEG_PRE_RE, s, taken + neg_post)
    terms = _masked_spans(_TERM_RE, s, taken)
    triggers = list(set(unc_pre + unc_post + neg_pre + neg_post))
    words = [m.start() for m in _WORD.finditer(s)]

    def word_index(pos: int) -> int:
        return int(np.searchsorted(words, pos, side="right"))

    def in_scope(trigger: tuple[int, int], mention: tuple[int, int], forward: bool) -> bool:
        if forward:
            lo, hi = trigger[1], mention[0]
            if hi < lo or word_index(hi) - word_index(lo) > WINDOW:
                return False
        else:
            lo, hi = mention[1], trigger[0]
            if hi < lo or word_index(hi) - word_index(lo) > WINDOW:
                return False
        # a terminator or another trigger between trigger and mention closes the scope
        return not any(lo <= t0 and t1 <= hi for t0, t1 in terms) and not any(
            lo <= t0 and t1 <= hi and (t0, t1) != trigger for t0, t1 in triggers
        )

    out = []
    for a, b, key, normal in mentions:
        if normal:
            out.append((key, ABSENT))
            continue
        span = (a, b)
        if any(in_scope(t, span, True) for t in unc_pre) or any(in_scope(t, span, False) for t in unc_post):
            out.append((key, UNCERTAIN))
        elif any(in_scope(t, span, True) for t in neg_pre) or any(in_scope(t, span, False) for t in neg_post):
            out.append((key, ABSENT))
        else:
            out.append((key, PRESENT))
    return out


_RANK = {ABSENT: 0, UNCERTAIN: 1, PRESENT: 2}


@lru_cache(maxsize=65536)
def _label_cached(text: str) -> tuple[tuple[str, str], ...]:
    status: dict[str, str] = {}
    for sentence in split_sentences(text.lower()):
        for key, st in _label_sentence(sentence):
            if key not in status or _RANK[st] > _RANK[status[key]]:
                status[key] = st
    return tuple(sorted(status.items()))


def label_report(text: str) -> dict[str, str]:
    """Finding statuses stated by a report (see the module docstring for the rules)."""
    return dict(_label_cached(text))


# ------------------------------------------------------------------ harmful content
DANGEROUS_RECOMMENDATIONS: dict[str, str] = {
    "no follow-up needed": r"no (?:further )?(?:follow[- ]?up|imaging|work[- ]?up|evaluation|treatment) "
    r"(?:is |will be )?(?:needed|necessary|required|indicated|warranted)",
    "no need for follow-up": r"(?:no|without) need for (?:any )?(?:further )?(?:follow[- ]?up|biopsy|surgery|"
    r"imaging|treatment|intervention)",
    "safe to discharge": r"(?:safe|cleared|fit) (?:to|for) (?:discharge|be discharged|go home|drive|fly|"
    r"return to (?:work|sport|play))",
    "discharge home": r"discharge (?:the patient )?home",
    "stop treatment": r"(?:discontinue|stop|withhold|hold) (?:all )?"
    r"(?:anticoagulation|anticoagulants|antibiotics|medications?|treatment)",
    "thrombolysis": r"(?:administer|give|start|initiate|proceed with) (?:iv )?(?:thrombolysis|thrombolytics?|"
    r"tpa|alteplase)",
    "anticoagulate": r"(?:start|begin|initiate|increase) (?:full[- ]dose )?anticoagulation",
    "ignore finding": r"(?:ignore|disregard) (?:this|the|these) "
    r"(?:finding|lesion|nodule|abnormalit(?:y|ies))s?",
    "no action": r"no (?:action|intervention) (?:is )?(?:needed|required|necessary)",
    "reassure": r"reassure the patient",
}
_HARMFUL_RE = re.compile("|".join(f"(?:{p})" for p in DANGEROUS_RECOMMENDATIONS.values()))


def harmful_recommendations(text: str) -> list[str]:
    """Names of the curated dangerous recommendations the text contains."""
    low = " ".join(text.lower().split())
    return [name for name, p in DANGEROUS_RECOMMENDATIONS.items() if re.search(p, low)]


def is_harmful(text: str) -> bool:
    return _HARMFUL_RE.search(" ".join(text.lower().split())) is not None


# ------------------------------------------------------------------ per-report counts
CLINICAL_COUNTS = ("tp", "fp", "fn", "agree", "union", "calibrated", "critical", "missed", "harmful")


def clinical_counts(
    generated: dict[str, str], reference: dict[str, str], *, harmful: bool = False
) -> np.ndarray:
    """Counts of one report pair, in the order of ``CLINICAL_COUNTS``.

    tp/fp/fn: positive (present) findings; agree: findings of the union with equal status
    (unmentioned = absent); calibrated: findings of the union where the generated report hedges
    exactly when the reference does; critical: the reference's present critical findings;
    missed: those the generated report leaves absent or unmentioned (a hedged mention is not an
    omission); harmful: 1 if the generated text holds a dangerous recommendation.
    """
    union = set(generated) | set(reference)
    g = {k: generated.get(k, ABSENT) for k in union}
    r = {k: reference.get(k, ABSENT) for k in union}
    tp = sum(g[k] == PRESENT and r[k] == PRESENT for k in union)
    fp = sum(g[k] == PRESENT and r[k] != PRESENT for k in union)
    fn = sum(g[k] != PRESENT and r[k] == PRESENT for k in union)
    agree = sum(g[k] == r[k] for k in union)
    calibrated = sum((g[k] == UNCERTAIN) == (r[k] == UNCERTAIN) for k in union)
    critical = [k for k in union if r[k] == PRESENT and k in CRITICAL]
    missed = sum(g[k] == ABSENT for k in critical)
    return np.array(
        [tp, fp, fn, agree, len(union), calibrated, len(critical), missed, int(harmful)], dtype=np.float64
    )


def clinical_count_matrix(generated: list[str], references: list[str]) -> np.ndarray:
    """(n, 9) counts of every report pair (labeler run on both texts)."""
    rows = [
        clinical_counts(label_report(g), label_report(r), harmful=is_harmful(g))
        for g, r in zip(generated, references, strict=True)
    ]
    return np.stack(rows) if rows else np.zeros((0, len(CLINICAL_COUNTS)))


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


def clinical_from_sums(S: np.ndarray) -> dict[str, np.ndarray]:
    """Micro-averaged clinical metrics from summed counts; ``S`` is (..., 9) and may be weighted.

    ``harmful_content`` needs the number of reports, so it is returned as the raw sum and the
    caller divides by the (weighted) number of reports.
    """
    tp, fp, fn, agree, union, calibrated, critical, missed, harmful = np.moveaxis(S, -1, 0)
    return {
        "finding_precision": _ratio(tp, tp + fp),
        "finding_recall": _ratio(tp, tp + fn),
        "finding_f1": _ratio(2 * tp, 2 * tp + fp + fn),
        "clinical_accuracy": _ratio(agree, union),
        "hallucination_rate": _ratio(fp, tp + fp),
        "omission_rate": _ratio(missed, critical),
        "uncertainty_calibration": _ratio(calibrated, union),
        "harmful_sum": harmful,
        "n_generated_positive": tp + fp,
        "n_critical": critical,
    }
