"""Answering from the articles that just arrived: /ask's decision over their passages alone."""

from __future__ import annotations

import pytest

from retrieval.answer.answerer import ask
from retrieval.answer.filters import Filters
from retrieval.answer.within import ask_within
from retrieval.archive import Archive
from retrieval.corpus import load_corpus
from retrieval.index.changes import apply_changes
from retrieval.store.saved import load_or_build
from tests.paths import FIXTURE_CORPUS

DAMAGE = "harbour-wire-2021-03-15-storm-damage-counted"
MARKET = "harbour-wire-2021-05-10-fish-market-moves"
COST = "How much did the storm damage in Lumen Bay cost?"
TRAM = "When was the airport tram line approved?"


@pytest.fixture(scope="module", params=["lexical", "semantic"])
def archive(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Archive:
    return load_or_build(FIXTURE_CORPUS, tmp_path_factory.mktemp("index"), semantic=request.param == "semantic")


def test_an_answer_within_new_articles_cites_only_them(archive: Archive) -> None:
    assert ask(archive, COST).answered
    found = ask_within(archive, COST, [DAMAGE, MARKET], limit=5)
    assert found.answered and found.results[0].article_id == DAMAGE
    assert {e.article_id for e in found.results} <= {DAMAGE, MARKET}
    assert "3 million crowns" in " ".join(e.excerpt for e in found.results)


def test_new_articles_that_do_not_answer_are_refused_as_the_answer_refuses(archive: Archive) -> None:
    assert ask(archive, TRAM).answered  # the archive answers it, but not from these
    refused = ask_within(archive, TRAM, [DAMAGE, MARKET])
    assert not refused.answered and refused.results == () and refused.reason_code == "not_covered"
    assert refused.passages_searched < archive.passage_count


def test_articles_the_archive_no_longer_holds_add_nothing(archive: Archive) -> None:
    gone = ask_within(archive, COST, ["no-such-article"])
    assert not gone.answered and gone.passages_searched == 0


def test_the_user_filters_still_apply_and_are_what_the_answer_shows(archive: Archive) -> None:
    shown = ask_within(archive, COST, [DAMAGE], filters=Filters.parse("harbour", None, None))
    assert shown.answered and shown.filters is not None and shown.filters.to_json() == {"outlet": "harbour"}
    assert not ask_within(archive, COST, [DAMAGE], filters=Filters.parse("valley", None, None)).answered
    assert not ask_within(archive, COST, [DAMAGE], filters=Filters.parse(None, "2021-04-01", None)).answered


def test_an_article_added_as_a_delta_is_answered_from() -> None:
    articles = load_corpus(FIXTURE_CORPUS).articles
    base = Archive.build([a for a in articles if a.id != DAMAGE])
    grown = apply_changes(base, [a for a in articles if a.id == DAMAGE])
    found = ask_within(grown, COST, [DAMAGE])
    assert found.answered and [e.article_id for e in found.results][0] == DAMAGE
    assert not ask_within(base, COST, [DAMAGE]).answered  # the old archive does not hold it
