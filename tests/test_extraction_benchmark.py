"""The extraction benchmark's measure: shingles of 4 tokens, with multiplicity, summed over pages."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from tests.paths import ROOT

spec = importlib.util.spec_from_file_location("extraction_benchmark", ROOT / "benchmarks" / "extraction.py")
extraction = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = extraction  # its dataclass looks itself up there
spec.loader.exec_module(extraction)  # type: ignore[union-attr]


def test_tokens_are_words_and_single_punctuation_marks() -> None:
    assert list(extraction.shingles("Iran's aid, said Rouhani.")) == [
        ("Iran", "'", "s", "aid"), ("'", "s", "aid", ","), ("s", "aid", ",", "said"),
        ("aid", ",", "said", "Rouhani"), (",", "said", "Rouhani", "."),
    ]


def test_scores_are_summed_over_pages_with_multiplicity() -> None:
    score = extraction.Score()
    score.add("a b c d e", "a b c d")  # 1 of 2 extracted shingles is marked
    score.add("w x y z w x y z", "w x y z")  # (w x y z) twice extracted, once marked
    assert (score.true_positive, score.extracted, score.marked) == (2, 7, 2)
    assert score.precision == pytest.approx(2 / 7) and score.recall == 1.0
    assert score.f1 == pytest.approx(2 * (2 / 7) / (2 / 7 + 1))
