"""Timelines: the best excerpt of each article on a question, oldest first, under the answer's rules."""

from __future__ import annotations

import datetime as dt

import pytest

from retrieval.answer.answerer import QuestionError, answerer_for, ask
from retrieval.answer.filters import Filters
from retrieval.answer.timeline import Timeline, timeline
from retrieval.archive import Archive
from retrieval.corpus import Article, load_corpus
from retrieval.store.saved import load_or_build
from tests.paths import FIXTURE_CORPUS, ROOT

STORM = "What did the storm do in Lumen Bay?"
STORM_ARTICLES = {
    "harbour-wire-2021-02-22-storm-closes-lumen-bay-port",
    "valley-post-2021-02-24-storm-reaches-valley",
    "harbour-wire-2021-03-02-ferries-return-to-corvo",
    "harbour-wire-2021-03-15-storm-damage-counted",
}
TRAM = "tram line to the airport"


@pytest.fixture(scope="module", params=["lexical", "semantic"])
def archive(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Archive:
    """The fixture articles, searched by words alone and with meaning."""
    return load_or_build(FIXTURE_CORPUS, tmp_path_factory.mktemp("index"), semantic=request.param == "semantic")


def _dates(found: Timeline) -> list[dt.date | None]:
    return [e.published for e in found.entries]


def test_one_excerpt_per_article_oldest_first_each_cited(archive: Archive) -> None:
    found = timeline(archive, STORM)
    assert found.answered and found.left_out == 0
    ids = [e.article_id for e in found.entries]
    assert len(ids) == len(set(ids)), "an article is listed once"
    assert STORM_ARTICLES <= set(ids)
    dates = _dates(found)
    assert None not in dates and dates == sorted(dates)
    assert dates[0] == dt.date(2021, 2, 22)
    for entry in found.entries:
        assert entry.source and entry.title and entry.excerpt
        assert "storm" in entry.excerpt.casefold() or "lumen bay" in entry.excerpt.casefold()


def test_an_article_is_listed_only_when_the_answer_decision_would_show_it(archive: Archive) -> None:
    # The storm article shares "line" (power lines) with the question; it is not on the tram.
    found = timeline(archive, TRAM)
    assert [e.article_id for e in found.entries] == ["city-ledger-2022-01-20-airport-tram-approved"]
    # Any other candidate (the storm article, by words) is one the decision turns down.
    hits = answerer_for(archive).articles(TRAM)
    assert [h.excerpt.article_id for h in hits if h.answers] == ["city-ledger-2022-01-20-airport-tram-approved"]


def test_the_answers_first_excerpt_is_in_the_timeline(archive: Archive) -> None:
    for question in (STORM, TRAM, "Why did engineers open the spillway of the Orin dam?"):
        first = ask(archive, question).results[0]
        assert first.article_id in {e.article_id for e in timeline(archive, question).entries}


@pytest.mark.parametrize(
    "question",
    ["Who won the football cup final last night?", "Qui a gagné la finale de la coupe hier soir ?", "the of and"],
)
def test_a_question_the_answer_refuses_is_refused_with_the_same_reason(archive: Archive, question: str) -> None:
    found = timeline(archive, question)
    refused = ask(archive, question)
    assert not refused.answered and not found.answered
    assert found.entries == () and found.left_out == 0
    assert (found.answer.reason, found.answer.reason_code) == (refused.reason, refused.reason_code)


def test_filters_narrow_the_timeline(archive: Archive) -> None:
    valley = timeline(archive, STORM, filters=Filters(outlet="valley post"))
    assert {e.source for e in valley.entries} == {"Valley Post"}
    march = timeline(archive, STORM, filters=Filters(since=dt.date(2021, 3, 1), until=dt.date(2021, 3, 31)))
    assert march.entries and all(dt.date(2021, 3, 1) <= d <= dt.date(2021, 3, 31) for d in _dates(march))
    assert {e.article_id for e in march.entries} >= {
        "harbour-wire-2021-03-02-ferries-return-to-corvo",
        "harbour-wire-2021-03-15-storm-damage-counted",
    }
    # Filters that leave nothing on the question refuse it, as the answer does.
    tram_outlet = timeline(archive, STORM, filters=Filters(outlet="City Ledger"))
    assert not tram_outlet.answered and tram_outlet.entries == ()


def test_a_limit_keeps_the_most_relevant_in_date_order_and_counts_the_rest(archive: Archive) -> None:
    everything = timeline(archive, STORM)
    two = timeline(archive, STORM, limit=2)
    assert len(two.entries) == 2 and two.left_out == len(everything.entries) - 2
    assert _dates(two) == sorted(_dates(two))
    by_relevance = [h.excerpt.article_id for h in answerer_for(archive).articles(STORM) if h.answers]
    assert {e.article_id for e in two.entries} == set(by_relevance[:2])
    with pytest.raises(ValueError):
        timeline(archive, STORM, limit=0)


def test_the_same_question_gives_the_same_timeline_and_bad_questions_raise(archive: Archive) -> None:
    assert timeline(archive, STORM) == timeline(archive, "  What did the storm   do in Lumen Bay? ")
    with pytest.raises(QuestionError):
        timeline(archive, "   ")
    assert timeline(archive, STORM).to_json()["results"][0]["published"] == "2021-02-22"


def test_the_bundled_corpus_shows_how_a_story_developed() -> None:
    corpus = load_corpus(ROOT / "corpus")
    found = timeline(Archive.build(corpus.articles), "what did iran offer iraq")
    dates = _dates(found)
    assert len(dates) >= 3 and dates == sorted(dates)
    assert (dates[0].year, dates[0].month) == (2014, 1) and (dates[-1].year, dates[-1].month) == (2015, 7)


def test_undated_articles_come_last() -> None:
    texts = {
        "a": (dt.date(2020, 5, 1), "The Kessel bridge was closed again in May after cracks were found in a pillar."),
        "b": (None, "Drivers complained that the Kessel bridge stayed closed through the whole summer season."),
        "c": (dt.date(2019, 1, 1), "Engineers closed the Kessel bridge on New Year's Day because of ice on the deck."),
    }
    articles = [
        Article(id=name, title=f"Bridge {name}", source="Test Wire", published=published, body=text)
        for name, (published, text) in texts.items()
    ]
    found = timeline(Archive.build(articles), "Why was the Kessel bridge closed?")
    assert [e.article_id for e in found.entries] == ["c", "a", "b"]
