"""The archive's data: passages in article order, which of them a filter admits, and the
answering rules made once per archive."""

from __future__ import annotations

import datetime as dt
import gc
import weakref
from concurrent.futures import ThreadPoolExecutor

import pytest

from retrieval.archive import Archive
from retrieval.corpus import Article
from retrieval.answer.filters import Filters
from retrieval.index.bm25 import BM25Index
from retrieval.answer.answerer import Answerer, answerer_for, ask, passage_mask

ARTICLES = [
    Article(id="dw-1", title="One", source="DW", published=dt.date(2014, 6, 1), body="Iran pledged help to Iraq."),
    Article(
        id="trt-1", title="Two", source="TRT World", published=dt.date(2015, 2, 1), body="Iraq asked Iran for help."
    ),
    Article(id="undated", title="Three", source="Deutsche Welle", published=None, body="Iran and Iraq met again."),
]


@pytest.fixture(scope="module")
def archive() -> Archive:
    return Archive.build(ARTICLES)


def admitted(archive: Archive, filters: Filters | None) -> list[str]:
    mask = passage_mask(archive, filters)
    return [p.article.id for i, p in enumerate(archive.passages) if mask is None or mask[i]]


def test_no_filter_admits_every_passage(archive: Archive) -> None:
    assert passage_mask(archive, None) is None and passage_mask(archive, Filters()) is None
    assert admitted(archive, None) == ["dw-1", "trt-1", "undated"]


def test_outlet_matches_part_of_the_name_in_any_case(archive: Archive) -> None:
    assert admitted(archive, Filters(outlet="dw")) == ["dw-1"]
    assert admitted(archive, Filters(outlet="WELLE")) == ["undated"]
    assert admitted(archive, Filters(outlet="Reuters")) == []


def test_dates_are_inclusive_and_an_unknown_date_matches_no_date_filter(archive: Archive) -> None:
    assert admitted(archive, Filters(since=dt.date(2014, 6, 1))) == ["dw-1", "trt-1"]
    assert admitted(archive, Filters(until=dt.date(2014, 6, 1))) == ["dw-1"]
    assert admitted(archive, Filters(outlet="d", until=dt.date(2015, 12, 31))) == ["dw-1", "trt-1"]


def test_ask_answers_only_from_admitted_passages(archive: Archive) -> None:
    answer = ask(archive, "Iran help Iraq", 5, filters=Filters.parse("TRT", "2015-01-01", None))
    assert answer.answered and [r.article_id for r in answer.results] == ["trt-1"]


def test_parts_that_do_not_fit_together_are_refused() -> None:
    built = Archive.build(ARTICLES)
    with pytest.raises(ValueError, match="covers 2 passages, not 3"):
        Archive(built.articles, built.passages, BM25Index.build(["a", "b"]), analyzer=built.analyzer)


def test_an_archive_has_one_answerer_shared_by_threads_and_freed_with_it() -> None:
    archive = Archive.build(ARTICLES)
    with ThreadPoolExecutor(8) as pool:
        made = set(map(id, pool.map(lambda _: answerer_for(archive), range(32))))
    assert len(made) == 1 and answerer_for(archive) is answerer_for(archive)
    assert ask(archive, "Did Iran help Iraq?") == Answerer(archive).ask("Did Iran help Iraq?")
    gone = weakref.ref(archive)
    del archive
    gc.collect()
    assert gone() is None  # the cache of answerers keeps no archive alive
