"""`dna_lm` on tiny random BERTs written by fmbench.testing.write_tiny_dna_bert: its embeddings
against a direct transformers pass computed here (own k-mers, own ids, own pooling), its refusals,
and SUITE-DNA-PROMOTER end to end through `linear_probe` on a slice of the real promoter file."""

from __future__ import annotations

import gzip
from importlib.resources import files

import numpy as np
import pandas as pd
import pytest
import yaml
from fm_helpers import run_cli

from fmbench.errors import ConfigError, DataError
from fmbench.models.capabilities import config_notes
from fmbench.models.config import ModelConfig
from fmbench.models.factory import build_model
from fmbench.testing import write_tiny_dna_bert, write_yaml

torch = pytest.importorskip("torch")  # the fm adapters are tested where the fm extra is installed
pytest.importorskip("transformers")

pytestmark = pytest.mark.usefixtures("isolated_cache")

SEQS = ["ACGTACGTTGCA", "acgtnacgtacgggtttaaacccgt", "GGGCCCAATT", "TTTTTTT", "ACG"]


@pytest.fixture(scope="session", autouse=True)
def _one_thread():
    torch.set_num_threads(1)  # the machine is shared


@pytest.fixture(scope="session")
def kmer_bert(tmp_path_factory):
    return write_tiny_dna_bert(tmp_path_factory.mktemp("dna") / "dnabert6", k=6, seed=0)


def direct(folder, ids: list[list[int]]) -> np.ndarray:
    """Each sequence alone (no padding) through BertModel; the mean of all its last hidden states,
    [CLS] and [SEP] included (the adapter's documented mean pooling over non-padding tokens)."""
    from transformers import BertModel

    model = BertModel.from_pretrained(str(folder)).eval()
    out = []
    with torch.no_grad():
        for row in ids:
            h = model(input_ids=torch.tensor([row])).last_hidden_state[0]
            out.append(h.mean(0).numpy())
    return np.stack(out)


def test_kmer_tokenizer_equals_a_direct_forward_pass(kmer_bert):
    from transformers import BertTokenizer

    vocab = BertTokenizer.from_pretrained(str(kmer_bert)).get_vocab()
    ids = []
    for s in SEQS:
        s = s.upper()
        words = [s[i : i + 6] for i in range(len(s) - 5)] or [s]  # shorter than k: one (unknown) token
        ids.append([vocab["[CLS]"], *(vocab.get(w, vocab["[UNK]"]) for w in words), vocab["[SEP]"]])
    assert ids[1][5] == vocab["[UNK]"]  # a 6-mer holding N is unknown, as in DNABERT-1
    model = build_model(ModelConfig(model_id="d", type="dna_lm", path=str(kmer_bert), tokenizer="kmer", k=6,
                                    batch_size=2))
    E = model.embed(np.array(SEQS))
    assert E.shape == (5, 32) and E.dtype == np.float32
    np.testing.assert_allclose(E, direct(kmer_bert, ids), rtol=0, atol=1e-6)


def test_model_tokenizer_on_raw_sequence_equals_a_direct_forward_pass(tmp_path):
    folder = write_tiny_dna_bert(tmp_path / "char", tokenizer="char", seed=1)
    vocab = {t: i for i, t in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "A", "C", "G", "T", "N"])}
    ids = [[2, *(vocab[c] for c in s.upper()), 3] for s in SEQS]
    model = build_model(ModelConfig(model_id="c", type="dna_lm", path=str(folder), batch_size=3))
    np.testing.assert_allclose(model.embed(SEQS), direct(folder, ids), rtol=0, atol=1e-6)


def test_too_long_is_refused_unless_truncate_and_then_the_record_says_so(kmer_bert):
    rng = np.random.default_rng(0)
    long = "".join(rng.choice(list("ACGT"), size=600))  # 595 6-mers + 2 specials > 512 positions
    opts = {"model_id": "d", "type": "dna_lm", "path": str(kmer_bert), "tokenizer": "kmer", "k": 6}
    model = build_model(ModelConfig(**opts))
    with pytest.raises(DataError, match=r"row 1 \(600 bases\) is 597 tokens .*at most 512.*truncate: true"):
        model.embed(["ACGTACGT", long])
    cut = ModelConfig(**opts, truncate=True)
    E = build_model(cut).embed([long])
    from transformers import BertTokenizer

    vocab = BertTokenizer.from_pretrained(str(kmer_bert)).get_vocab()
    kept = [vocab[long[i : i + 6]] for i in range(510)]  # [CLS] + 510 k-mers + [SEP] = 512
    np.testing.assert_allclose(E, direct(kmer_bert, [[2, *kept, 3]]), rtol=0, atol=1e-6)
    assert config_notes(ModelConfig(**opts)) == []
    [note] = config_notes(cut)
    assert "truncate: true" in note and "cut to their first max_length tokens" in note


def test_bad_options_and_bad_characters(kmer_bert):
    with pytest.raises(ConfigError, match=r"model d \(type dna_lm\): k: .*less than or equal to 12"):
        build_model(ModelConfig(model_id="d", type="dna_lm", path=str(kmer_bert), tokenizer="kmer", k=13))
    model = build_model(ModelConfig(model_id="d", type="dna_lm", path=str(kmer_bert), tokenizer="kmer"))
    with pytest.raises(DataError, match=r"sequence in row 2 holds characters \['R'\]"):
        model.embed(["ACGTAC", "ACGTAC", "ACGRAC"])


# --- SUITE-DNA-PROMOTER end to end --------------------------------------------------------------


def promoter_slice(n: int) -> pd.DataFrame:
    """``n`` rows of the vendored promoter file, both classes, in file order."""
    raw = files("fmbench").joinpath("data/genomic/human_promoters_nontata.tsv.gz").read_bytes()
    df = pd.read_csv(pd.io.common.BytesIO(gzip.decompress(raw)), sep="\t")
    return pd.concat([df[df.label == 0].head(n // 2), df[df.label == 1].head(n - n // 2)])


def slice_catalog(root, df: pd.DataFrame):
    """A --catalog that replaces the promoter suite's dataset card by a file card on ``df``."""
    root.mkdir(parents=True, exist_ok=True)
    path = root / "promoters.tsv"
    df.to_csv(path, sep="\t", index=False)
    card = yaml.safe_load(
        files("fmbench").joinpath("catalog/builtin/datasets/DS-GB-HUMAN-NONTATA-PROMOTERS.yaml").read_text()
    )
    card.update(source="file", params={"path": str(path), "label_names": {"0": "non-promoter", "1": "promoter"}},
                n_samples=len(df))
    card.pop("files", None)
    write_yaml(root / "catalog" / "datasets" / f"{card['id']}.yaml", card)
    return root / "catalog"


@pytest.mark.slow
def test_promoter_suite_through_linear_probe_and_again_from_the_cache(kmer_bert, tmp_path):
    cat = slice_catalog(tmp_path, promoter_slice(200))
    opts = {"model_id": "tiny-dnabert", "type": "dna_lm", "path": str(kmer_bert), "tokenizer": "kmer", "k": 6}
    cfg = write_yaml(tmp_path / "m.yaml", opts)

    def run(out: str, model=cfg):
        run_cli(["run", "--suite", "SUITE-DNA-PROMOTER", "--model", str(model), "--protocol", "linear_probe",
                 "--out", str(tmp_path / out), "--catalog", str(cat)])
        return yaml.safe_load((tmp_path / out / "eval.yaml").read_text())

    first, second = run("a"), run("b")
    assert first["provenance"]["protocol"] == "linear_probe" and first["dataset"]["n"] == 200
    auroc = first["metrics"]["AUROC"]
    assert 0 <= auroc["ci"][0] <= auroc["value"] <= auroc["ci"][1] <= 1
    assert first["details"]["probe"]["embedding_dim"] == 32
    assert first["resources"]["cache_hits"] == 0 and first["resources"]["cache_misses"] > 0
    assert second["resources"]["cache_misses"] == 0 and second["resources"]["cache_hits"] > 0
    assert "embed_s" in first["resources"] and second["resources"]["embed_s"] == 0
    assert "warnings" not in first["provenance"]
    assert yaml.safe_dump(second["metrics"]) == yaml.safe_dump(first["metrics"])
    assert second["bootstrap"] == first["bootstrap"]
    cut = run("c", write_yaml(tmp_path / "cut.yaml", {**opts, "truncate": True}))
    assert any("truncate: true" in w for w in cut["provenance"]["warnings"])


def test_cli_refuses_bad_characters_and_bad_k_in_one_line(kmer_bert, tmp_path, cli):
    df = promoter_slice(20)
    clean = slice_catalog(tmp_path / "clean", df)
    df.iloc[7, 0] = df.iloc[7, 0][:30] + "X" + df.iloc[7, 0][31:]
    cat = slice_catalog(tmp_path / "bad", df)
    good = write_yaml(tmp_path / "m.yaml", {"model_id": "t", "type": "dna_lm", "path": str(kmer_bert),
                                            "tokenizer": "kmer", "k": 6})
    r = cli("run", "--suite", "SUITE-DNA-PROMOTER", "--model", good, "--protocol", "linear_probe",
            "--out", tmp_path / "o", "--catalog", cat)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    [line] = r.stderr.strip().splitlines()
    assert "promoters.tsv:9: character 'X' at position 31" in line  # line 9: header + 8th row
    bad_k = write_yaml(tmp_path / "k.yaml", {"model_id": "t", "type": "dna_lm", "path": str(kmer_bert),
                                             "tokenizer": "kmer", "k": 0})
    r = cli("run", "--suite", "SUITE-DNA-PROMOTER", "--model", bad_k, "--protocol", "linear_probe",
            "--out", tmp_path / "o", "--catalog", clean)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    [line] = r.stderr.strip().splitlines()
    assert "model t (type dna_lm): k: " in line and "greater than or equal to 1" in line


def test_a_module_without_a_file_is_no_user_module(monkeypatch):
    """torch.ops / torch.classes carry ``__file__ = "_ops.py"``: once read as a user module next to
    the working folder ("unreadable"), which made every torch model's cache entries look stale."""
    import types

    from fmbench.models.import_closure import describe_modules, module_file

    fake = types.ModuleType("fmbench_fake_ops")
    fake.__file__ = "_fmbench_fake_ops.py"
    monkeypatch.setitem(__import__("sys").modules, "fmbench_fake_ops", fake)
    assert module_file("fmbench_fake_ops") is None
    assert "fmbench_fake_ops" not in describe_modules({"fmbench_fake_ops"}).modules


def test_a_refused_row_is_named_by_its_dataset_row_not_its_row_in_the_chunk(kmer_bert, tmp_path, capsys):
    from fmbench.cli import main
    from fmbench.testing import make_catalog

    seqs = ["ACGTACGTAC"] * 12
    seqs[9] = "ACGT{X}ACGT"  # the third 4-row chunk: row 1 of what embed() receives
    cat = make_catalog(tmp_path, np.array(seqs), ["a", "b"] * 6, params={"linear_probe": {"embed_chunk": 4}})
    cfg = write_yaml(tmp_path / "m.yaml", {"model_id": "t", "type": "dna_lm", "path": str(kmer_bert),
                                           "tokenizer": "kmer", "k": 6})
    with pytest.raises(SystemExit) as exc:
        main(["run", "--suite", "SUITE-FM-TEST", "--model", str(cfg), "--out", str(tmp_path / "o"),
              "--catalog", str(cat)])
    assert exc.value.code == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert "sequence in row 9 holds characters ['X', '{', '}']" in line
