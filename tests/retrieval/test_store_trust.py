"""The saved archive is checked, not just trusted: damaged arrays, fixed files, killed builds."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import numpy as np
import pytest

from retrieval.store.arrays import read_npz, save_npz
from retrieval.store.saved import STALE_TEMPORARY_SECONDS, archive_file, default_index_path, load_or_build
from retrieval.answer.answerer import ask

ARTICLE = """---
id: wire-2021-03-0{n}-harbour
title: Harbour report {n}
source: Test Wire
published: 2021-03-0{n}
---
The harbour authority of Lumen Bay reopened the northern pier after the storm of week {n}.

Fishermen in Lumen Bay said the new breakwater held, and ferries to Corvo Island resumed.
"""
QUESTION = "Did the ferries to Corvo Island resume?"


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for n in range(1, 4):
        (folder / f"harbour-{n}.md").write_text(ARTICLE.format(n=n), encoding="utf-8")
    return folder


def _answers(corpus: Path) -> list[str]:
    answer = ask(load_or_build(corpus, semantic=False), QUESTION, 3)
    return [result.passage_id for result in answer.results]


def _tamper(corpus: Path, name: str, change) -> None:  # type: ignore[no-untyped-def]
    path = archive_file(default_index_path(corpus))
    arrays = {key: np.array(value) for key, value in read_npz(path).items()}
    arrays[name] = change(arrays[name])
    save_npz(path, arrays)


@pytest.mark.parametrize(
    ("name", "change"),
    [
        ("index_doc_ids", lambda ids: ids + 1),  # shifted past the last passage
        ("index_doc_ids", lambda ids: np.roll(ids, 1)),  # shifted, still in range
        ("index_weights", lambda weights: np.where(np.arange(weights.size) % 2, np.nan, weights)),
        ("sentence_terms_ids", lambda ids: ids + 10_000),
    ],
    ids=["ids-out-of-range", "ids-rolled", "nan-weights", "sentence-terms"],
)
def test_an_inconsistent_cache_is_rebuilt_with_a_warning(
    corpus: Path, caplog: pytest.LogCaptureFixture, name: str, change  # type: ignore[no-untyped-def]
) -> None:
    expected = _answers(corpus)
    assert expected
    _tamper(corpus, name, change)
    with caplog.at_level(logging.WARNING, logger="retrieval.store.saved"):
        assert _answers(corpus) == expected
    assert any("inconsistent" in record.getMessage() for record in caplog.records)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="retrieval.store.saved"):
        assert _answers(corpus) == expected  # the rebuilt cache was saved and is trusted again
    assert not caplog.records


@pytest.mark.parametrize(
    ("good", "bad"),
    [
        (b"published: 2021-03-09", b"published: 2021-13-09"),  # malformed date
        (b"harbour authority", b"harbour authorit\xff"),  # not UTF-8
    ],
    ids=["bad-date", "not-utf8"],
)
def test_a_file_in_error_that_is_fixed_loads_again_with_the_same_size_and_time(
    corpus: Path, good: bytes, bad: bytes
) -> None:
    path = corpus / "harbour-9.md"
    text = ARTICLE.format(n=9).encode()
    assert text.count(good) == 1 and len(good) == len(bad)
    path.write_bytes(text.replace(good, bad))
    archive = load_or_build(corpus, semantic=False)
    assert [error.path.name for error in archive.errors] == ["harbour-9.md"]
    stat = path.stat()
    path.write_bytes(text)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same size, same time: only the content changed
    archive = load_or_build(corpus, semantic=False)
    assert archive.errors == []
    assert "wire-2021-03-09-harbour" in {article.id for article in archive.articles}


def test_a_killed_rebuild_leaves_no_temporary_file_after_the_next_build(corpus: Path) -> None:
    load_or_build(corpus, semantic=False)
    folder = default_index_path(corpus)
    # What a build killed while writing leaves: atomic_writer's temporary beside the archive.
    stale = folder / ".archive.npz.k1ll3d.tmp"
    stale.write_bytes(b"half an archive")
    old = time.time() - STALE_TEMPORARY_SECONDS - 60
    os.utime(stale, (old, old))
    live = folder / ".archive.npz.l1ve.tmp"  # another process writing right now: left alone
    live.write_bytes(b"being written")
    (corpus / "harbour-1.md").write_text(ARTICLE.format(n=1) + "\nMore news.\n", encoding="utf-8")
    load_or_build(corpus, semantic=False)
    assert sorted(p.name for p in folder.iterdir()) == [".archive.npz.l1ve.tmp", "archive.npz", "corpus-catalog.json"]
