"""Lazy sequences behave as the lists they stand for; a loaded archive makes only what is read."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from retrieval.index.lazy import Chain, LazySequence, utf8_lines
from retrieval.store.saved import load_or_build
from tests.paths import ROOT


def test_a_lazy_sequence_is_its_list() -> None:
    made: list[int] = []
    squares = LazySequence(5, lambda i: made.append(i) or i * i)
    assert made == []
    assert squares[-1] == 16 and squares[1:4] == [1, 4, 9] and list(squares) == [0, 1, 4, 9, 16]
    assert squares == [0, 1, 4, 9, 16] and squares != [0, 1, 4]
    assert sorted(made) == [0, 1, 2, 3, 4]  # each made once, kept
    with pytest.raises(IndexError):
        squares[5]
    chained = squares + [25, 36]
    assert isinstance(chained, Chain) and chained[5] == 25 and chained[-1] == 36 and len(chained + [49]) == 8
    assert chained[3:6] == [9, 16, 25]


def test_utf8_lines_decode_each_line_on_demand() -> None:
    text = "Straße\nنص\n\nlast".encode()
    ends = np.array([i for i, b in enumerate(text) if b == 10] + [len(text)])
    assert list(utf8_lines(np.frombuffer(text, dtype=np.uint8), ends)) == ["Straße", "نص", "", "last"]


def test_slices_of_lines_and_of_chains_are_the_list_slices() -> None:
    text = "Straße\nنص\n\nlast".encode()
    ends = np.array([i for i, b in enumerate(text) if b == 10] + [len(text)])
    lines = utf8_lines(np.frombuffer(text, dtype=np.uint8), ends)
    chained = lines + [] + ["x", "y"] + lines
    for sequence in (lines, chained):
        items = list(sequence)
        for start in range(-len(items) - 1, len(items) + 2):
            for stop in range(-len(items) - 1, len(items) + 2):
                for step in (None, 2, -1):
                    assert sequence[start:stop:step] == items[start:stop:step]


def test_a_loaded_archive_equals_the_built_one(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", corpus, ignore=shutil.ignore_patterns(".index"))
    built = load_or_build(corpus, semantic=False)
    loaded = load_or_build(corpus, semantic=False)
    assert isinstance(loaded.passages, LazySequence) and loaded.passages == built.passages
    assert loaded.articles == built.articles and [a.path for a in loaded.articles] == [a.path for a in built.articles]
    assert list(loaded.all_sentences) == list(built.all_sentences)
    assert np.array_equal(loaded.outlet_codes, built.outlet_codes) and loaded.outlet_names == built.outlet_names
    assert np.array_equal(loaded.published, built.published)
    assert loaded.tables.article_sentences == built.tables.article_sentences
    assert loaded.tables.sentence_chars.tolist() == [len(s) for s in built.all_sentences]
    assert np.array_equal(loaded.tables.sentence_headings, built.tables.sentence_headings)
    assert loaded.spelling_words() == built.spelling_words()
