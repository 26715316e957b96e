"""DNA sequences: the code view, strata computed from the sequence, exact overlap groups, and the
vendored Genomic Benchmarks sets, each checked against a plain-Python computation."""

from __future__ import annotations

import gzip
import hashlib
from difflib import SequenceMatcher
from importlib.resources import files

import numpy as np
import pytest

from fmbench.catalog.registry import load_catalog
from fmbench.data.provision import load_dataset
from fmbench.data.sequence_overlap import overlap_groups
from fmbench.data.sequences import (
    bin_fraction,
    codes,
    cpg_observed_expected,
    cpg_status,
    from_codes,
    gc_content,
    reverse_complement,
    to_array,
)

COMPLEMENT = str.maketrans("ACGTN", "TGCAN")


def rc(s: str) -> str:
    return s.translate(COMPLEMENT)[::-1]


def random_sequences(rng: np.random.Generator, n: int, lo: int, hi: int, n_rate: float = 0.02) -> list[str]:
    out = []
    for _ in range(n):
        length = int(rng.integers(lo, hi + 1))
        bases = rng.choice(list("ACGT"), size=length)
        bases[rng.random(length) < n_rate] = "N"
        out.append("".join(bases))
    return out


def test_codes_round_trip_and_reverse_complement_match_python() -> None:
    rng = np.random.default_rng(0)
    seqs = random_sequences(rng, 50, 0, 40) + ["acgtn", "ACGU"]
    X = to_array(seqs)
    assert X.dtype.kind == "U"
    expected = [s.upper().replace("U", "T") for s in seqs]
    assert from_codes(codes(X)).tolist() == expected
    assert reverse_complement(X).tolist() == [rc(s) for s in expected]
    same_length = to_array(random_sequences(rng, 20, 30, 30))  # the all-full fast path
    assert reverse_complement(same_length).tolist() == [rc(s) for s in same_length.tolist()]


def test_gc_and_cpg_match_hand_counts() -> None:
    rng = np.random.default_rng(1)
    seqs = random_sequences(rng, 200, 5, 60, n_rate=0.05)
    X = to_array(seqs)
    for s, gc, oe in zip(seqs, gc_content(X), cpg_observed_expected(X), strict=True):
        acgt = sum(s.count(b) for b in "ACGT")
        c, g = s.count("C"), s.count("G")
        assert gc == pytest.approx((c + g) / acgt) if acgt else np.isnan(gc)
        cg = sum(1 for i in range(len(s) - 1) if s[i : i + 2] == "CG")
        assert oe == pytest.approx(cg * acgt / (c * g)) if c and g else np.isnan(oe)
    # Gardiner-Garden & Frommer: GC >= 0.5 and o/e >= 0.6
    assert cpg_status(to_array(["CGCGCGCGAT", "GGGGCCCCAT", "ATATATATAT"])).tolist() == [
        "CpG-rich", "CpG-poor", "CpG-poor"]


def test_gc_bins_are_left_closed_percent_bins() -> None:
    got = bin_fraction(np.array([0.0, 0.3999, 0.4, 0.5, 0.59, 0.6, 1.0, np.nan]), [0.4, 0.5, 0.6]).tolist()
    assert got == ["<40%", "<40%", "40-50%", "50-60%", "50-60%", ">=60%", ">=60%", None]


def brute_force_pairs(seqs: list[str], min_shared: int) -> set[tuple[int, int]]:
    """Pairs whose longest common substring (either strand, N never matching) is >= min_shared."""
    pairs = set()
    for i in range(len(seqs)):
        for j in range(i + 1, len(seqs)):
            for other in (seqs[j], rc(seqs[j])):
                a, b = seqs[i].replace("N", "1"), other.replace("N", "2")
                m = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
                if m.size >= min_shared:
                    pairs.add((i, j))
                    break
    return pairs


def test_overlap_groups_find_exactly_the_pairs_a_brute_force_finds() -> None:
    rng = np.random.default_rng(2)
    base = random_sequences(rng, 40, 60, 120, n_rate=0.01)
    seqs = list(base)
    # planted near-duplicates: shifted windows, reverse complements, a 19-base overlap (too short)
    seqs.append(base[0][7:] + "ACGTTGCA")
    seqs.append(rc(base[1])[3:50])
    seqs.append("TTTT" + base[2][-19:] + "GGGGGGGGGGGGGGGGGGGGGGGGG")
    seqs.append(base[0][30:] + base[3][:25])  # links groups 0 and 3 through a chain
    for min_shared in (20, 25):
        result = overlap_groups(to_array(seqs), min_shared)
        got = {(int(i), int(j)) for i, j, _ in result.pairs}
        assert got == brute_force_pairs(seqs, min_shared)
        # the groups are the connected components of those pairs
        for i, j in got:
            assert result.groups[i] == result.groups[j]
        assert len(got) >= 3
    assert result.groups[0] == result.groups[40] == result.groups[43] == result.groups[3]
    assert result.groups[42] != result.groups[2]  # 19 shared bases < 25


@pytest.fixture(scope="module")
def catalog():  # noqa: ANN201
    return load_catalog()


@pytest.mark.parametrize("dataset_id, n, counts", [
    ("DS-GB-HUMAN-ENHANCERS-COHN", 6948, {"enhancer": 3474, "non-enhancer": 3474}),
    ("DS-GB-HUMAN-NONTATA-PROMOTERS", 9034, {"promoter": 4915, "non-promoter": 4119}),
])
def test_vendored_sets_load_offline_pinned_and_whole(catalog, dataset_id, n, counts) -> None:  # noqa: ANN001
    card = catalog.dataset(dataset_id)
    resource = files("fmbench").joinpath(card.params["resource"])
    raw = resource.read_bytes()
    assert hashlib.sha256(raw).hexdigest() == card.files[0].sha256
    lines = gzip.decompress(raw).decode().splitlines()
    assert lines[0] == "seq\tlabel"
    ds = load_dataset(card)
    assert ds.n == n == card.n_samples == len(lines) - 1
    assert ds.X.tolist() == [line.split("\t")[0] for line in lines[1:]]
    values, got = np.unique(ds.y, return_counts=True)
    assert dict(zip(values.tolist(), got.tolist(), strict=True)) == counts
    for column in ("gc_bin", "cpg_status", "overlap_group", "length"):
        assert column in ds.meta.columns


@pytest.mark.slow
def test_overlap_figures_stated_in_the_cards_hold(catalog) -> None:  # noqa: ANN001
    """The dataset cards say what the near-duplicate check found; a fresh computation agrees."""
    for dataset_id, pairs, sizes in (("DS-GB-HUMAN-ENHANCERS-COHN", 71, (16, 59, 12)),
                                     ("DS-GB-HUMAN-NONTATA-PROMOTERS", 6242, (928, 3807, 98))):
        card = catalog.dataset(dataset_id)
        ds = load_dataset(card)
        result = overlap_groups(ds.X, card.params["overlap_min_shared"])
        assert len(result.pairs) == pairs
        size = result.sizes()
        assert (int((size > 1).sum()), int(size[size > 1].sum()), int(size.max())) == sizes
        labels = ds.y
        assert all(labels[i] == labels[j] for i, j, _ in result.pairs)  # overlapping windows share labels
        assert (ds.meta["overlap_group"].to_numpy() == result.groups).all()
        assert str(pairs) in card.description.replace(",", "") or f"{pairs:,}" in card.description
