"""Years and months in a question are matched by the articles' publication dates."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from retrieval.archive import Archive
from retrieval.corpus import Article
from retrieval.answer.metadata import Period, dated_terms, outlet_terms, published_in
from retrieval.answer.answerer import ask


def _pairs(text: str) -> list[tuple[str, str]]:
    return [(word, word) for word in text.split()]


def test_a_year_names_the_whole_year() -> None:
    assert dated_terms(_pairs("who held the city in 2015")) == {"2015": Period.year(2015)}


@pytest.mark.parametrize("text", ["talks in jan 2014", "talks in january 2014", "talks 2014 jan"])
def test_a_month_beside_its_year_names_that_month_through_both_words(text: str) -> None:
    found = dated_terms(_pairs(text))
    assert set(found.values()) == {Period(dt.date(2014, 1, 1), dt.date(2014, 1, 31))}
    assert len(found) == 2


@pytest.mark.parametrize("text", ["what may happen next", "who is june smith", "how many of 300 troops", "in 1850"])
def test_a_month_without_a_year_and_numbers_that_are_not_years_name_no_period(text: str) -> None:
    assert dated_terms(_pairs(text)) == {}


def test_december_ends_on_the_last_day_of_the_year() -> None:
    assert Period.month(2014, 12) == Period(dt.date(2014, 12, 1), dt.date(2014, 12, 31))
    assert Period.month(2016, 2).last == dt.date(2016, 2, 29)


def test_a_passage_of_unknown_date_is_in_no_period() -> None:
    published = np.array([0, dt.date(2015, 7, 28).toordinal(), dt.date(2014, 7, 28).toordinal()])
    assert published_in(published, Period.year(2015)).tolist() == [False, True, False]


def _archive() -> Archive:
    def article(year: int, body: str) -> Article:
        return Article(id=f"a{year}", title=f"Report {year}", source="Daily", published=dt.date(year, 7, 1), body=body)

    return Archive.build(
        [
            article(2014, "Militants seized the northern city of Mosul after government troops fled."),
            article(2015, "The northern city of Mosul remains under the control of the militants."),
            article(2013, "Farmers near the river harvested wheat as prices rose at the market."),
        ]
    )


def test_a_year_in_the_question_prefers_the_article_published_that_year() -> None:
    archive = _archive()
    for year in (2014, 2015):
        assert ask(archive, f"news from the city of mosul in {year}").results[0].published.year == year


def test_a_year_the_archive_has_articles_from_is_never_named_as_unknown() -> None:
    answer = ask(_archive(), "who won the cricket world cup in 2015")
    assert not answer.answered
    assert "2015" not in answer.reason
    assert "cricket" in answer.reason


def test_a_year_no_article_was_published_in_is_still_named_as_unknown() -> None:
    answer = ask(_archive(), "who won the cricket world cup in 2019")
    assert not answer.answered
    assert "2019" in answer.reason


def test_an_outlet_counts_only_when_its_whole_name_is_asked_in_order() -> None:
    outlets = [("the", "independent"), ("middle", "east", "eye")]
    terms = [("independ",), ("middl", "east", "eye")]
    assert outlet_terms("what did the independent say".split(), outlets, terms) == {"independ": [0]}
    assert outlet_terms("is kurdistan independent".split(), outlets, terms) == {}
    assert outlet_terms("what does the east eye say".split(), outlets, terms) == {}
    assert set(outlet_terms("middle east eye on iran".split(), outlets, terms)) == {"middl", "east", "eye"}


def _two_outlets() -> Archive:
    def article(source: str, body: str) -> Article:
        return Article(id=source.lower().replace(" ", "-"), title="Dam", source=source, published=dt.date(2014, 8, 18), body=body)

    return Archive.build(
        [
            article("Valley Courier", "Engineers inspected the Mosul dam on Sunday after the fighting."),
            article("Harbour Post", "Engineers inspected the Mosul dam on Monday after the battle."),
            article("Farm Weekly", "Farmers near the river harvested wheat as prices rose at the market."),
        ]
    )


def test_an_outlet_named_in_the_question_puts_its_articles_first() -> None:
    archive = _two_outlets()
    for outlet in ("Valley Courier", "Harbour Post"):
        answer = ask(archive, f"what did the {outlet.lower()} say about the mosul dam engineers")
        assert answer.results[0].source == outlet


def test_an_outlet_named_in_the_question_is_never_named_as_unknown() -> None:
    answer = ask(_two_outlets(), "what did the harbour post say about the cricket world cup")
    assert not answer.answered
    assert "harbour" not in answer.reason and "post" not in answer.reason
    assert "cricket" in answer.reason
