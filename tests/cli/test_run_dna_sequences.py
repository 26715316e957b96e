"""``run --data`` with DNA sequences: TSV, gzip, FASTA with labels in the headers or in a labels
file all read the same sequences; bad files are one line naming the file and line, exit 2, and
leave no output."""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest

from fmbench.catalog.registry import load_catalog
from fmbench.data.user_data import DataOptions, load_user_data
from fmbench.records.io import read_record

PROMOTERS = Path(__file__).resolve().parents[2] / "src/fmbench/data/genomic/human_promoters_nontata.tsv.gz"


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> tuple[Path, pd.DataFrame]:  # noqa: ANN001
    folder = tmp_path_factory.mktemp("dna")
    table = pd.read_csv(PROMOTERS, sep="\t").sample(240, random_state=0).reset_index(drop=True)
    table.to_csv(folder / "prom.tsv", sep="\t", index=False)
    (folder / "prom.tsv.gz").write_bytes(gzip.compress((folder / "prom.tsv").read_bytes()))
    with open(folder / "prom.fa", "w") as fh:
        for i, (seq, label) in enumerate(zip(table.seq, table.label, strict=True)):
            fh.write(f">s{i} label={label} source=epd\n{seq[:80].lower()}\n{seq[80:]}\n")
    with open(folder / "bare.fa", "w") as fh:
        for i, seq in enumerate(table.seq):
            fh.write(f">s{i}\n{seq}\n")
    pd.DataFrame({"id": [f"s{i}" for i in range(len(table))], "label": table.label}).to_csv(
        folder / "labels.csv", index=False)
    return folder, table


def test_every_format_reads_the_same_sequences_and_labels(sample) -> None:  # noqa: ANN001
    folder, table = sample
    suite = load_catalog().suite("SUITE-DNA-PROMOTER")
    reads = [load_user_data(folder / "prom.tsv", suite), load_user_data(folder / "prom.tsv.gz", suite),
             load_user_data(folder / "prom.fa", suite),
             load_user_data(folder / "bare.fa", suite, DataOptions(labels_file=folder / "labels.csv"))]
    for user in reads:
        assert user.dataset.X.tolist() == table.seq.tolist()  # lower case in the FASTA read upper
        assert [str(v) for v in user.dataset.y] == table.label.astype(str).tolist()
        assert user.provenance["format"] == "sequences"
    assert reads[2].dataset.meta["source"].eq("epd").all()  # header fields become metadata
    assert len({u.dataset.digest for u in reads}) == 4  # other files, other test sets


def test_run_on_a_fasta_writes_a_record_with_sequence_strata(sample, tmp_path, cli) -> None:  # noqa: ANN001
    folder, _ = sample
    out = tmp_path / "run"
    proc = cli("run", "--suite", "SUITE-DNA-PROMOTER", "--model", "majority", "--data", folder / "bare.fa",
               "--labels", folder / "labels.csv", "--out", out)
    assert proc.returncode == 0, proc.stderr
    rec = read_record(out / "eval.yaml")
    assert rec.dataset.id == "DS-USER-bare"
    assert rec.metrics["AUROC"].value is not None
    assert rec.metrics["MCC"].value is None  # one predicted class: undefined, not 0
    assert {"gc_bin", "cpg_status"} <= set(rec.stratified)


BAD = {
    "alphabet.tsv": ("seq\tlabel\nACGT\t1\nACXT\t0\n", "alphabet.tsv:3: character 'X' at position 3"),
    "ragged.tsv": ("seq\tlabel\nACGT\t1\nACGT\t0\textra\n", "ragged.tsv:3: 3 fields where the header has 2"),
    "nolabel.tsv": ("seq\tlabel\nACGT\t1\nACGT\t\n", "nolabel.tsv:3: no label in column 'label'"),
    "nolabel.fa": (">a label=1\nACGT\n>b\nACGG\n", "nolabel.fa:3: sequence 'b' has no label"),
    "twice.fa": (">a label=1\nACGT\n>a label=0\nACGG\n", "twice.fa:3: id 'a' appears again"),
    "orphan.fa": ("ACGT\n>a label=1\nACGT\n", "orphan.fa:1: sequence text before the first '>'"),
    "iupac.fa": (">a label=1\nACGTRYACGT\n", "iupac.fa:1: character 'R' at position 5"),
    "noseq.csv": ("dna,label\nACGT,1\n", "noseq.csv:1: no sequence column"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_sequence_files_are_one_line_exit_2_and_write_nothing(name, tmp_path, cli) -> None:  # noqa: ANN001
    text, expected = BAD[name]
    path = tmp_path / name
    path.write_text(text)
    if name == "noseq.csv":
        proc = cli("run", "--suite", "SUITE-DNA-PROMOTER", "--model", "majority", "--data", path,
                   "--sequence-column", "seq", "--out", tmp_path / "out")
    else:
        proc = cli("run", "--suite", "SUITE-DNA-PROMOTER", "--model", "majority", "--data", path,
                   "--out", tmp_path / "out")
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()


def test_labels_file_must_cover_the_fasta_and_only_applies_to_fasta(sample, tmp_path, cli) -> None:  # noqa: ANN001
    folder, _ = sample
    partial = tmp_path / "partial.csv"
    pd.read_csv(folder / "labels.csv").iloc[:-1].to_csv(partial, index=False)
    proc = cli("run", "--suite", "SUITE-DNA-PROMOTER", "--model", "majority", "--data", folder / "bare.fa",
               "--labels", partial, "--out", tmp_path / "o1")
    assert proc.returncode == 2 and "has no label in" in proc.stderr and "s239" in proc.stderr
    proc = cli("run", "--suite", "SUITE-DNA-PROMOTER", "--model", "majority", "--data", folder / "prom.tsv",
               "--labels", partial, "--out", tmp_path / "o2")
    assert proc.returncode == 2 and "--labels applies to a FASTA" in proc.stderr
    assert not (tmp_path / "o1").exists() and not (tmp_path / "o2").exists()


def test_a_card_promising_fixed_lengths_refuses_other_lengths(tmp_path) -> None:  # noqa: ANN001
    """The built-in cards promise 500 / 251 bp; a file card with the same promise names the line."""
    from fmbench.catalog.schema import DatasetCard
    from fmbench.data.loaders.sequence_loader import load
    from fmbench.errors import DataError

    path = tmp_path / "short.tsv"
    path.write_text("seq\tlabel\n" + "ACGT" * 5 + "\t1\n" + "ACGT" * 4 + "\t0\n")
    card = DatasetCard(id="DS-X", name="x", source="file", loader="sequences", format="tsv", license="CC0",
                       params={"path": str(path), "min_length": 20, "max_length": 20})
    with pytest.raises(DataError, match=r"short.tsv:3: sequence of 16 bp; dataset DS-X holds sequences of 20 bp"):
        load(path, card, "")
    for card_id, length in (("DS-GB-HUMAN-ENHANCERS-COHN", 500), ("DS-GB-HUMAN-NONTATA-PROMOTERS", 251)):
        params = load_catalog().dataset(card_id).params
        assert params["min_length"] == params["max_length"] == length


def test_broken_or_foreign_gzip_is_one_line_naming_the_file(sample, tmp_path, cli) -> None:  # noqa: ANN001
    folder, _ = sample
    cases = {
        "cut.tsv.gz": ((folder / "prom.tsv.gz").read_bytes()[:400], "cut.tsv.gz: not a readable gzip file"),
        "other.tsv.gz": (gzip.compress(b"a\tb\n1\t2\n"), "other.tsv.gz:1: no sequence column 'seq' or 'sequence'"),
    }
    for name, (data, expected) in cases.items():
        (tmp_path / name).write_bytes(data)
        proc = cli("run", "--suite", "SUITE-DNA-PROMOTER", "--model", "majority", "--data", tmp_path / name,
                   "--out", tmp_path / "out")
        assert proc.returncode == 2 and expected in proc.stderr, proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1 and not (tmp_path / "out").exists()
