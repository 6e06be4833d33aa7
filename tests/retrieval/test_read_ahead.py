"""A folder's pages read by worker processes: the same corpus files as read one by one, in order."""

from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path

import pytest

from retrieval.ingest import pages as pages_module
from retrieval.ingest import read_ahead
from retrieval.ingest.fetch import FetchError
from retrieval.ingest.pages import DuplicateArticleError, Overrides, ingest_many
from retrieval.ingest.raw_page import IngestError
from tests.paths import HTML_DIR


def _ingested(folder: Path, corpus: Path, workers: int, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """What ``newsdesk ingest`` of the folder reports and writes, with ``workers`` reading it."""
    monkeypatch.setattr(pages_module, "workers_for", lambda count: workers)
    outcomes = list(ingest_many(sorted(folder.iterdir()), corpus))
    reported = [(str(o.raw_path), o.result.path.name if o.result else f"{o.error.reason}") for o in outcomes]
    written = [(p.name, p.read_text(encoding="utf-8")) for p in sorted(corpus.glob("*.md"))]
    return reported + written


def test_a_folder_read_by_workers_gives_the_same_files_and_outcomes_in_the_same_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    for page in sorted(HTML_DIR.glob("*.html")):
        shutil.copy(page, folder / page.name)
        shutil.copy(page, folder / f"again-{page.name}")  # a duplicate of each: skipped in its turn
    (folder / "broken.html").write_bytes(b"\xff\xfe<html>")  # fails in its turn
    assert len(list(folder.iterdir())) >= read_ahead.MIN_PAGES

    alone = _ingested(folder, tmp_path / "alone", 1, monkeypatch)
    pooled = _ingested(folder, tmp_path / "pooled", read_ahead.WORKERS, monkeypatch)

    assert pooled == alone
    outcomes = [why for _, why in alone[: len(list(folder.iterdir()))]]
    assert sum(why.endswith(".md") for why in outcomes) >= 5  # written
    assert sum(not why.endswith(".md") for why in outcomes) >= len(outcomes) // 2  # every copy: not written again
    assert "no article text found" in outcomes


def _pid(page: int) -> tuple[int, int]:
    return page, os.getpid()


def _refuse_odd(page: int) -> int:
    if page % 2:
        raise IngestError(f"page-{page}", f"page {page} is odd", reason="odd")
    return page


def test_pages_are_read_in_other_processes_and_come_back_in_order_errors_in_their_turn() -> None:
    def getter(n: int):
        def get() -> int:
            if n == 5:
                raise FetchError(f"page-{n}", "could not fetch page 5", reason="timeout")
            return n

        return get

    taken = []
    for take in read_ahead.read_in_order([getter(n) for n in range(12)], _pid, workers=2):
        try:
            taken.append(take())
        except IngestError as exc:
            taken.append(exc.reason)
    assert [t[0] if isinstance(t, tuple) else t for t in taken] == [0, 1, 2, 3, 4, "timeout", 6, 7, 8, 9, 10, 11]
    assert {pid for _, (_, pid) in (t for t in taken if isinstance(t, tuple))} - {os.getpid()}  # workers read

    results = []
    for take in read_ahead.read_in_order([getter(n) for n in range(8) if n != 5], _refuse_odd, workers=2):
        try:
            results.append(take()[1])
        except IngestError as exc:
            results.append(exc.reason)
    assert results == [0, "odd", 2, "odd", 4, 6, "odd"]


def test_ingest_errors_cross_processes_whole() -> None:
    error = DuplicateArticleError("page.html", "page.html duplicates x.md", Path("x.md"), reason="same text")
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is DuplicateArticleError
    assert (str(back), back.raw_path, back.reason, back.existing) == (str(error), "page.html", "same text", Path("x.md"))


def test_a_batch_reads_here_unless_it_is_large_and_the_process_has_no_other_thread() -> None:
    assert read_ahead.workers_for(read_ahead.MIN_PAGES - 1) == 1
    # pytest may run threads of its own; with one running, forking is never chosen.
    import threading

    if threading.active_count() > 1:
        assert read_ahead.workers_for(1000) == 1
