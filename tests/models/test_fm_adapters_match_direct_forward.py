"""Each adapter end to end through `run`, and its embeddings against a direct transformers pass."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest
from fm_helpers import run_cli, run_fm_suite, text_data

from fmbench.errors import ConfigError
from fmbench.models.config import ModelConfig
from fmbench.models.factory import build_model
from fmbench.testing import BERT_SPECIAL_TOKENS, make_catalog, read_eval, save_tiny_bert, write_yaml

torch = pytest.importorskip("torch")  # the fm adapters are tested where the fm extra is installed
pytest.importorskip("transformers")

pytestmark = pytest.mark.usefixtures("isolated_cache")

FAST_PROBE = {"linear_probe": {"Cs": [0.1, 1.0], "inner_folds": 3, "embed_chunk": 16}}


def direct_mean(model, ids: torch.Tensor, att: torch.Tensor, layer: int = -1) -> np.ndarray:
    with torch.no_grad():
        out = model(input_ids=ids, attention_mask=att, output_hidden_states=True)
    h = out.hidden_states[layer]
    m = att.unsqueeze(-1).float()
    return ((h * m).sum(1) / m.sum(1)).numpy()


def test_huggingface_texts_and_ids_equal_direct_forward(tiny_bert):
    from transformers import BertModel, BertTokenizerFast

    texts, _ = text_data(10)
    model = build_model(ModelConfig(model_id="hf", type="huggingface", path=str(tiny_bert), batch_size=4))
    E = model.embed(texts)
    tok = BertTokenizerFast.from_pretrained(str(tiny_bert))
    ref = BertModel.from_pretrained(str(tiny_bert)).eval()
    enc = tok(list(texts), padding=True, return_tensors="pt")
    np.testing.assert_allclose(
        E, direct_mean(ref, enc["input_ids"], enc["attention_mask"]), rtol=1e-4, atol=1e-5
    )
    # token ids: a rectangular int array whose zeros (the pad id) are padding
    ids = enc["input_ids"].numpy()
    np.testing.assert_allclose(model.embed(ids), E, rtol=1e-4, atol=1e-5)
    cls = build_model(ModelConfig(model_id="hf", type="huggingface", path=str(tiny_bert), pooling="cls"))
    with torch.no_grad():
        first = ref(**enc).last_hidden_state[:, 0].numpy()
    np.testing.assert_allclose(cls.embed(texts), first, rtol=1e-4, atol=1e-5)


def test_huggingface_refuses_texts_longer_than_max_length_unless_truncate(tiny_bert):
    """A text the model would see only the start of is refused, naming its row; ``truncate: true``
    embeds the first max_length tokens (as a direct pass on them) and every record says so."""
    from transformers import BertModel, BertTokenizerFast

    from fmbench.errors import DataError
    from fmbench.models.capabilities import config_notes

    texts, _ = text_data(3)
    long = " ".join([texts[0]] * 40)
    opts = {"model_id": "hf", "type": "huggingface", "path": str(tiny_bert), "max_length": 16}
    with pytest.raises(DataError, match=r"text in row 1 is \d+ tokens .*at most 16.*truncate: true"):
        build_model(ModelConfig(**opts)).embed([texts[1], long])
    with pytest.raises(DataError, match=r"input in row 0 is 20 tokens"):
        build_model(ModelConfig(**opts)).embed(np.ones((1, 20), dtype=np.int64))
    cut = ModelConfig(**opts, truncate=True)
    tok = BertTokenizerFast.from_pretrained(str(tiny_bert))
    enc = tok([long], truncation=True, max_length=16, return_tensors="pt")
    ref = BertModel.from_pretrained(str(tiny_bert)).eval()
    np.testing.assert_allclose(build_model(cut).embed([long]), direct_mean(ref, enc["input_ids"], enc["attention_mask"]),
                               rtol=1e-4, atol=1e-5)
    assert config_notes(ModelConfig(**opts)) == []
    [note] = config_notes(cut)
    assert "huggingface, truncate: true" in note


def test_huggingface_linear_and_knn_probe_through_run(tiny_bert, tmp_path):
    X, y = text_data(60)
    cat = make_catalog(tmp_path, X, y, params=FAST_PROBE)
    cfg = write_yaml(
        tmp_path / "m.yaml", {"model_id": "tiny-bert", "type": "huggingface", "path": str(tiny_bert)}
    )
    run_fm_suite(cfg, tmp_path / "lin", cat)
    rec = read_eval(tmp_path / "lin" / "eval.yaml")
    assert rec["provenance"]["protocol"] == "linear_probe"
    assert rec["details"]["probe"]["kind"] == "logistic" and rec["details"]["probe"]["embedding_dim"] == 32
    assert rec["dataset"]["n"] == 24 and 0 <= rec["metrics"]["AUROC"]["value"] <= 1
    run_cli(
        [
            "run",
            "--suite",
            "SUITE-FM-TEST",
            "--model",
            str(cfg),
            "--out",
            str(tmp_path / "knn"),
            "--catalog",
            str(cat),
            "--protocol",
            "knn_probe",
        ]
    )
    rec = read_eval(tmp_path / "knn" / "eval.yaml")
    assert (
        rec["details"]["probe"]["kind"] == "knn" and rec["resources"]["cache_hits"] == 4
    )  # embeddings reused


def test_linear_probe_matches_sklearn_on_the_same_embeddings(tiny_bert, tmp_path):
    """The probe's out-of-sample probabilities equal an independent sklearn pipeline's."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV, StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from fmbench.catalog.registry import load_catalog
    from fmbench.runner import evaluate_context, prepare_context
    from fmbench.tasks.classification import encode_labels
    from fmbench.tasks.splits import holdout_split

    X, y = text_data(60)
    cat = make_catalog(tmp_path, X, y, params=FAST_PROBE)
    config = ModelConfig(model_id="tiny-bert", type="huggingface", path=str(tiny_bert))
    ctx = prepare_context(
        load_catalog([cat]), "SUITE-FM-TEST", config, data_dir=None, seed=None, options={"no_cache": True}
    )
    result, _ = evaluate_context(ctx)
    codes, _, _ = encode_labels(ctx)
    train, test = holdout_split(codes, ctx.dataset.meta, ctx.suite.split, 0)
    E = build_model(config).embed(np.asarray(X))
    search = GridSearchCV(
        make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000)),
        {"logisticregression__C": [0.1, 1.0]},
        scoring="neg_log_loss",
        cv=StratifiedKFold(3, shuffle=True, random_state=0),
    ).fit(E[train], codes[train])
    acc = float(np.mean(search.predict(E[test]) == codes[test]))
    assert result.metrics["Accuracy"].value == pytest.approx(acc)


GENES = ["ENSG1", "ENSG2", "ENSG3", "ENSG4", "ENSG5"]


def geneformer_files(tmp_path):
    tokens = {"<pad>": 0, "<mask>": 1, "<cls>": 2, "<eos>": 3, "ENSG1": 4, "ENSG2": 5, "ENSG3": 6, "ENSG4": 7}
    medians = {"ENSG1": 2.0, "ENSG2": 0.5, "ENSG3": 1.0, "ENSG4": 4.0, "ENSG9": 1.0}
    (tmp_path / "tokens.json").write_text(json.dumps(tokens))
    import pickle

    (tmp_path / "medians.pkl").write_bytes(pickle.dumps(medians))
    (tmp_path / "genes.txt").write_text("\n".join(GENES) + "\n")
    return tokens, medians


def test_geneformer_rank_value_encoding_hand_worked(tmp_path):
    from fmbench.models.adapters.geneformer import RankValueTokenizer

    tokens, medians = geneformer_files(tmp_path)
    tok = RankValueTokenizer(medians, tokens, max_length=3, target_sum=10.0)
    tok.set_genes(GENES)  # ENSG5 has no token/median and is dropped
    # cell 1: counts [4, 1, 0, 4, 1]; total 10 -> scale 1; / medians [2, .5, -, 4] -> [2, 2, 0, 1]
    #   nonzero genes ENSG1 (2), ENSG2 (2), ENSG4 (1): tie keeps column order -> ids 4, 5, 7
    # cell 2: counts [1, 0, 3, 2, 14]; total 20 -> scale .5; -> [.25, 0, 1.5, .25]
    #   ENSG3 (1.5), then ENSG1 (.25), ENSG4 (.25) -> 6, 4, 7
    # cell 3: counts [0, 3, 1, 8, 0]; total 12 -> x10/12; -> [0, 5, .833, 1.667] -> 5, 7, 6, truncated to 3
    X = np.array([[4, 1, 0, 4, 1], [1, 0, 3, 2, 14], [0, 3, 1, 8, 0]], dtype=float)
    assert tok(X) == [[4, 5, 7], [6, 4, 7], [5, 7, 6]]
    tok2 = RankValueTokenizer(medians, tokens, max_length=4, target_sum=10.0, special_tokens=True)
    tok2.set_genes(GENES)
    assert tok2(X[:1]) == [[2, 4, 5, 3]]  # <cls>, two genes (4 - 2 specials), <eos>


def test_geneformer_end_to_end_and_direct_forward(tmp_path):
    from transformers import BertConfig, BertModel

    geneformer_files(tmp_path)
    torch.manual_seed(1)
    folder = tmp_path / "gf"
    BertModel(
        BertConfig(
            vocab_size=8,
            hidden_size=32,
            num_hidden_layers=2,
            num_attention_heads=2,
            intermediate_size=37,
            max_position_embeddings=16,
            pad_token_id=0,
        )
    ).save_pretrained(folder)
    opts = {
        "path": str(folder),
        "gene_median_file": str(tmp_path / "medians.pkl"),
        "token_dictionary_file": str(tmp_path / "tokens.json"),
        "genes_file": str(tmp_path / "genes.txt"),
    }
    rng = np.random.default_rng(0)
    n = 40
    labels = ["t1" if i % 2 else "t2" for i in range(n)]
    X = rng.poisson(3.0, size=(n, 5)).astype(float)
    X[np.array(labels) == "t1", 2] += 6
    model = build_model(ModelConfig(model_id="gf", type="geneformer", **opts))
    from fmbench.models.adapters.geneformer import RankValueTokenizer

    tokens, medians = geneformer_files(tmp_path)  # the tokenizer itself is checked by hand above
    tok = RankValueTokenizer(medians, tokens, max_length=16)
    tok.set_genes(GENES)
    seqs = tok(X[:6])
    width = max(map(len, seqs))
    ids = torch.tensor([s + [0] * (width - len(s)) for s in seqs])
    att = torch.tensor([[1] * len(s) + [0] * (width - len(s)) for s in seqs])
    ref = BertModel.from_pretrained(folder).eval()
    np.testing.assert_allclose(model.embed(X[:6]), direct_mean(ref, ids, att, layer=-2), rtol=1e-4, atol=1e-5)
    cat = make_catalog(tmp_path, X, labels, params=FAST_PROBE)
    cfg = write_yaml(tmp_path / "gf.yaml", {"model_id": "gf", "type": "geneformer", **opts})
    run_fm_suite(cfg, tmp_path / "o", cat)
    assert read_eval(tmp_path / "o" / "eval.yaml")["details"]["probe"]["embedding_dim"] == 32


def test_dna_lm_kmers_end_to_end(tmp_path):
    from transformers import BertModel, BertTokenizerFast

    from fmbench.models.adapters.dna_lm import kmers

    assert kmers("ACGTAC", 3) == ["ACG", "CGT", "GTA", "TAC"]
    assert kmers("ACGTAC", 3, stride=3) == ["ACG", "TAC"]
    vocab = BERT_SPECIAL_TOKENS + sorted({a + b + c for a in "ACGTN" for b in "ACGTN" for c in "ACGTN"})
    folder = save_tiny_bert(tmp_path / "dnabert", vocab, seed=2, max_pos=64)
    rng = np.random.default_rng(0)
    seqs, labels = [], []
    for i in range(40):
        motif = "GGGCCC" if i % 2 else "ATATAT"
        s = "".join(rng.choice(list("ACGT"), size=20))
        seqs.append(s[:7] + motif + s[7:])
        labels.append("enhancer" if i % 2 else "other")
    opts = {"path": str(folder), "tokenizer": "kmer", "k": 3}
    model = build_model(ModelConfig(model_id="dna", type="dna_lm", **opts))
    tok = BertTokenizerFast.from_pretrained(str(folder))
    enc = tok([" ".join(kmers(s, 3)) for s in seqs[:5]], padding=True, return_tensors="pt")
    assert tok.convert_ids_to_tokens(enc["input_ids"][0, 1:4]) == kmers(seqs[0], 3)[:3]
    ref = BertModel.from_pretrained(str(folder)).eval()
    lower = [s.lower() for s in seqs[:5]]  # sequences are upper-cased by the adapter
    np.testing.assert_allclose(
        model.embed(lower), direct_mean(ref, enc["input_ids"], enc["attention_mask"]), rtol=1e-4, atol=1e-5
    )
    cat = make_catalog(tmp_path, np.array(seqs), labels, params=FAST_PROBE)
    cfg = write_yaml(tmp_path / "dna.yaml", {"model_id": "dna", "type": "dna_lm", **opts})
    run_fm_suite(cfg, tmp_path / "o", cat)
    assert read_eval(tmp_path / "o" / "eval.yaml")["dataset"]["n"] == 16


def tiny_vitmae(folder, *, seed: int = 0):
    from transformers import ViTMAEConfig, ViTMAEForPreTraining

    torch.manual_seed(seed)
    cfg = ViTMAEConfig(
        image_size=16,
        patch_size=4,
        num_channels=1,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=37,
        decoder_hidden_size=32,
        decoder_num_hidden_layers=1,
        decoder_num_attention_heads=2,
        decoder_intermediate_size=37,
    )
    ViTMAEForPreTraining(cfg).eval().save_pretrained(folder)
    return ViTMAEForPreTraining.from_pretrained(folder).eval()


def grid_image(x: np.ndarray) -> np.ndarray:
    """Hand layout of one (3 ROIs, 40 timepoints) sample: ROI r, window j -> patch (r, j), row-major."""
    img = np.zeros((16, 16), dtype=np.float32)
    for r in range(x.shape[0]):
        for j in range(3):
            window = np.zeros(16, dtype=np.float32)
            seg = x[r, j * 16 : (j + 1) * 16]
            window[: len(seg)] = seg
            img[r * 4 : r * 4 + 4, j * 4 : j * 4 + 4] = window.reshape(4, 4)
    return img


def test_brainlm_embed_and_reconstruct_against_vitmae(tmp_path):
    ref = tiny_vitmae(tmp_path / "bl")
    model = build_model(ModelConfig(model_id="bl", type="brainlm", path=str(tmp_path / "bl"), batch_size=2))
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3, 3, 40))
    pixel = torch.from_numpy(np.stack([grid_image(x) for x in X])[:, None])
    real = [r * 4 + j for r in range(3) for j in range(3)]
    ref.config.mask_ratio = 0.0
    with torch.no_grad():
        h = ref.vit(pixel_values=pixel, noise=torch.arange(16.0).expand(3, 16)).last_hidden_state
    np.testing.assert_allclose(model.embed(X), h[:, 1:][:, real].mean(1).numpy(), rtol=1e-4, atol=1e-5)
    # hide ROI 1, window 1 (timepoints 16..31) of every sample: exactly patch 5 of the grid
    mask = np.zeros(X.shape, dtype=bool)
    mask[:, 1, 16:32] = True
    X_masked = np.where(mask, 0.0, X)
    noise = torch.arange(16.0).expand(3, 16).clone()
    noise[:, 5] += 100
    ref.config.mask_ratio = 1 / 16
    with torch.no_grad():
        logits = ref(
            pixel_values=torch.from_numpy(np.stack([grid_image(x) for x in X_masked])[:, None]), noise=noise
        ).logits.numpy()
    X_hat = model.reconstruct(X_masked, mask)
    np.testing.assert_allclose(X_hat[:, 1, 16:32], logits[:, 5], rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(X_hat[~mask], X_masked[~mask])


def test_brainlm_linear_probe_through_run(tmp_path):
    tiny_vitmae(tmp_path / "bl", seed=3)
    rng = np.random.default_rng(1)
    n = 30
    labels = ["patient" if i % 2 else "control" for i in range(n)]
    X = rng.normal(size=(n, 3, 40)).astype(np.float32)
    X[1::2, 0] += np.sin(np.arange(40) / 3.0)
    cat = make_catalog(tmp_path, X, labels, params=FAST_PROBE)
    cfg = write_yaml(
        tmp_path / "bl.yaml", {"model_id": "brainlm-tiny", "type": "brainlm", "path": str(tmp_path / "bl")}
    )
    run_fm_suite(cfg, tmp_path / "o", cat)
    assert read_eval(tmp_path / "o" / "eval.yaml")["details"]["probe"]["embedding_dim"] == 32


def test_missing_paths_and_bad_options_are_config_errors(tmp_path, tiny_bert):
    with pytest.raises(ConfigError, match=str(tmp_path / "nope")):
        build_model(ModelConfig(model_id="x", type="huggingface", path=str(tmp_path / "nope")))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match="config.json not found"):
        build_model(ModelConfig(model_id="x", type="brainlm", path=str(tmp_path / "empty")))
    with pytest.raises(ConfigError, match="poolng: unknown field"):
        build_model(ModelConfig(model_id="x", type="huggingface", path=str(tiny_bert), poolng="cls"))
    with pytest.raises(ConfigError, match="gene_median_file .*missing.pkl not found"):
        build_model(
            ModelConfig(
                model_id="x",
                type="geneformer",
                path=str(tiny_bert),
                gene_median_file=str(tmp_path / "missing.pkl"),
                token_dictionary_file=str(tmp_path / "t.json"),
            )
        )


def test_without_the_fm_extra_the_error_says_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch now raises ImportError
    with pytest.raises(ConfigError, match=r"install fmbench\[fm\]"):
        build_model(ModelConfig(model_id="x", type="huggingface", path=str(tmp_path)))
