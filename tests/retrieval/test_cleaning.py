"""Cleaning raw news pages: what a reader of the resulting article would notice."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from retrieval.ingest.cleaning import clean_raw_article, make_article_id, parse_dateline

# The raw sample pages (copies of ../shared/seeds).
from tests.paths import SEEDS_DIR
needs_seeds = pytest.mark.skipif(not SEEDS_DIR.is_dir(), reason=f"raw seed pages not found at {SEEDS_DIR}")


def seed_text(prefix: str) -> str:
    (path,) = SEEDS_DIR.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


def cleaned(prefix: str):
    return clean_raw_article(seed_text(prefix))


@needs_seeds
@pytest.mark.parametrize(
    ("prefix", "title", "source", "published"),
    [
        ("000", "Iran pledges to help Iraq against 'IS' militants", "DW", dt.date(2014, 10, 21)),
        (
            "001",
            "Iraq crisis: Iran could join forces with US to half neighbour's jihadi threat",
            "The Independent",
            dt.date(2014, 6, 14),
        ),
        ("002", "Calls for Iran to join West in fight against Islamic State", "Middle East Eye", None),
        ("003", "Iran offers more military support to Iraq", "TRT World", dt.date(2015, 7, 28)),
        ("004", "Iran offers help to Iraq", "DW", dt.date(2014, 1, 6)),
    ],
)
def test_seed_title_outlet_and_date(prefix: str, title: str, source: str, published: dt.date | None) -> None:
    result = cleaned(prefix)
    assert result.title == title
    assert result.source == source
    assert result.published == published


@needs_seeds
def test_page_without_dateline_has_no_date_and_says_so() -> None:
    # The MEE page mentions "Tuesday" and "Wednesday" in its text but has no dateline.
    result = cleaned("002")
    assert result.published is None
    assert result.problems == ["no publication date found"]


@needs_seeds
@pytest.mark.parametrize("prefix", ["000", "001", "003", "004"])
def test_complete_pages_report_no_problems(prefix: str) -> None:
    assert cleaned(prefix).problems == []


@needs_seeds
@pytest.mark.parametrize(
    ("prefix", "phrase"),
    [
        ("000", "Skip to"),
        ("000", "Explore more"),
        ("000", "Haider al-Abadi und Hassan Rohani"),  # caption above the image credit
        ("000", "Image:"),
        ("000", "mg/kms"),
        ("000", "October 21, 2014"),
        ("001", "Rouhani says that it was willing to help its neighbour"),  # repeated caption
        ("001", "Jack Simpson"),
        ("001", "17:00 BST"),
        ("001", "Join our commenting forum"),
        ("001", "Join thought-provoking conversations"),
        ("001", "Thank you for registering"),
        ("001", "Please refresh"),
        ("002", "Skip to main content"),
        ("002", "(AFP)"),
        ("002", "Stay informed with MEE's newsletters"),
        ("002", "Sign up to get the latest alerts"),
        ("002", "delivers independent and unrivalled coverage"),
        ("002", "More about MEE can be found here"),
        ("003", "Photo by"),
        ("003", "Updated Jul 28, 2015"),
        ("003", "TRTWorld and agencies"),
        ("004", "Skip to"),
        ("004", "Al Qaeda militants on the streets of Falluja"),
        ("004", "Image: Reuters"),
        ("004", "Refugees flee battle for Anbar"),  # teaser heading after the image credit
        ("004", "jm/tj"),
        ("004", "January 6, 2014"),
    ],
)
def test_boilerplate_is_removed(prefix: str, phrase: str) -> None:
    result = cleaned(prefix)
    assert phrase not in result.body
    assert phrase not in result.title


@needs_seeds
@pytest.mark.parametrize(
    ("prefix", "min_paragraphs", "standfirst", "kept"),
    [
        (
            "000",
            13,
            "Iran has assured its neighbor Iraq of assistance in fighting against militants",
            '"We stand beside you and will seriously defend your government like the previous government,"'
            " Iran's state television quoted Khamenei as saying.",
        ),
        (
            "001",
            19,
            "The Iranian President did not rule out a potential alliance with America",
            "Both are seen as infidels by the Sunni group Isis.",
        ),
        (
            "002",
            26,
            "Iran follows US suit in providing Iraq with military advisors",
            "IS and its Sunni allies have overrun large chunks of Iraq.",
        ),
        (
            "003",
            12,
            "Iranian Defence Minister says Iran ready to give more military support to Iraq",
            "US officials say they believe Iran, one of Iraq's main allies, has carried out air strikes against"
            " ISIS in Iraq.",
        ),
        (
            "004",
            11,
            "Security forces in Iraq are preparing for a major attack to retake Fallujah",
            "Iran is an ally of Iraqi Prime Minister Nuri al-Maliki's Shiite-led government.",
        ),
    ],
)
def test_paragraphs_are_kept(prefix: str, min_paragraphs: int, standfirst: str, kept: str) -> None:
    # min_paragraphs is every real paragraph of the page, counted by hand.
    result = cleaned(prefix)
    assert len(result.paragraphs) >= min_paragraphs
    assert result.paragraphs[0].startswith(standfirst)  # the standfirst opens the body
    assert kept in result.body  # a known sentence survives intact


@needs_seeds
@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_paragraphs_are_whole_lines_of_the_page(prefix: str) -> None:
    # Nothing merged, split or rewritten: every paragraph is a line of the raw page.
    raw_lines = {" ".join(line.split()) for line in seed_text(prefix).splitlines()}
    assert all(paragraph in raw_lines for paragraph in cleaned(prefix).paragraphs)


@needs_seeds
@pytest.mark.parametrize(
    ("prefix", "subheading"),
    [
        ("000", "A new alliance?"),
        ("002", "US may expand anti-IS offensive after journalist's execution"),
        ("004", "Prime minister's appeal"),
    ],
)
def test_subheadings_inside_the_text_are_kept(prefix: str, subheading: str) -> None:
    assert subheading in cleaned(prefix).paragraphs


@needs_seeds
def test_author_is_the_byline_above_the_dateline() -> None:
    assert cleaned("001").author == "Jack Simpson"
    assert cleaned("000").author == ""


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("October 21, 2014", dt.date(2014, 10, 21)),
        ("Oct. 21, 2014", dt.date(2014, 10, 21)),
        ("Sept. 3, 2014", dt.date(2014, 9, 3)),
        ("21 October 2014", dt.date(2014, 10, 21)),
        ("2014-10-21", dt.date(2014, 10, 21)),
        ("2014-10-21T09:30:00Z", dt.date(2014, 10, 21)),
        ("21.10.2014", dt.date(2014, 10, 21)),
        ("January 6, 2014", dt.date(2014, 1, 6)),
        ("Saturday 14 June 2014 17:00 BST", dt.date(2014, 6, 14)),
        ("Wednesday, 20 August 2014", dt.date(2014, 8, 20)),
        ("Updated Jul 28, 2015", dt.date(2015, 7, 28)),
        ("Published: 14th June 2014, 5:00 pm", dt.date(2014, 6, 14)),
        ("Last updated 5 May 2015 10:15 GMT", dt.date(2015, 5, 5)),
        # Not datelines: sentences that mention a date, partial or impossible dates.
        ("On Tuesday, October 21, 2014, Rouhani met al-Abadi.", None),
        ("The two countries were at war from 1980 to 1988.", None),
        ("June 2014", None),
        ("February 30, 2014", None),
        ("2014-13-45", None),
        ("", None),
    ],
)
def test_dateline_formats(line: str, expected: dt.date | None) -> None:
    assert parse_dateline(line) == expected


def test_dateline_is_taken_out_of_the_body() -> None:
    result = clean_raw_article("Skip to main content\n\nA title here\n\n2014-10-21\n\nFirst paragraph.\n\nSecond.")
    assert result.title == "A title here"
    assert result.published == dt.date(2014, 10, 21)
    assert result.paragraphs == ["First paragraph.", "Second."]


def test_dates_in_the_text_are_not_taken_for_the_publication_date() -> None:
    result = clean_raw_article("A title\n\nOn October 21, 2014 the minister spoke.\n\nHe left on 22 October 2014.")
    assert result.published is None
    assert "no publication date found" in result.problems
    assert len(result.paragraphs) == 2


def test_unknown_outlet_is_a_problem_unless_hinted() -> None:
    text = "A title\n\nJanuary 6, 2014\n\nSome text of the article."
    assert "no outlet found" in clean_raw_article(text).problems
    hinted = clean_raw_article(text, source_hint="Reuters")
    assert hinted.source == "Reuters"
    assert hinted.problems == []


def test_outlet_named_in_the_text_is_not_the_outlet() -> None:
    # Cues count only in site boilerplate; an article quoting MEE is not from MEE.
    text = "A title\n\nJanuary 6, 2014\n\nThe minister told Middle East Eye and DW that he would stay."
    assert clean_raw_article(text).source == ""


def test_url_line_is_metadata_not_text() -> None:
    text = "A title\n\nhttps://www.dw.com/en/a-title/a-1234\n\nJanuary 6, 2014\n\nBody text."
    result = clean_raw_article(text)
    assert result.url == "https://www.dw.com/en/a-title/a-1234"
    assert result.source == "DW"
    assert result.paragraphs == ["Body text."]


@pytest.mark.parametrize(
    ("source", "published", "title", "expected"),
    [
        (
            "DW",
            dt.date(2014, 10, 21),
            "Iran pledges to help Iraq against 'IS' militants",
            "dw-2014-10-21-iran-pledges-to-help-iraq-against-is-militants",
        ),
        ("The Independent", dt.date(2014, 6, 14), "Rouhani’s Iraq offer", "independent-2014-06-14-rouhanis-iraq-offer"),
        ("TRT World", dt.date(2015, 7, 28), "Café — Ümit's story", "trt-world-2015-07-28-cafe-umits-story"),
    ],
)
def test_article_id(source: str, published: dt.date, title: str, expected: str) -> None:
    assert make_article_id(source, published, title) == expected


def test_long_title_id_is_cut_at_a_word_boundary() -> None:
    title = "Iraq crisis: Iran could join forces with US to half neighbour's jihadi threat"
    article_id = make_article_id("The Independent", dt.date(2014, 6, 14), title)
    assert len(article_id) <= 60
    assert re.fullmatch(r"[a-z0-9-]+", article_id)
    slug_of_title = "iraq-crisis-iran-could-join-forces-with-us-to-half-neighbours-jihadi-threat"
    assert (slug_of_title + "-").startswith(article_id.removeprefix("independent-2014-06-14-") + "-")


def test_section_label_above_the_title_is_dropped() -> None:
    result = clean_raw_article("Politics\n\nIran offers help to Iraq\n\nJanuary 6, 2014\n\nIran has offered help.")
    assert result.title == "Iran offers help to Iraq"
    assert result.paragraphs == ["Iran has offered help."]


@pytest.mark.parametrize(
    "line",
    [
        "The ministry worked with agencies",
        "Skip to the end of this story and the minister still said nothing new about the talks.",
        "He said the talks would continue (Reuters reported this first).",
    ],
)
def test_sentences_resembling_boilerplate_are_kept(line: str) -> None:
    result = clean_raw_article(f"A title\n\nJanuary 6, 2014\n\nFirst paragraph.\n\n{line}")
    assert result.paragraphs == ["First paragraph.", line]


def test_repeated_long_paragraph_keeps_one_copy() -> None:
    paragraph = " ".join(["word"] * 40) + "."
    result = clean_raw_article(f"A title\n\nJanuary 6, 2014\n{paragraph}\n{paragraph}")
    assert result.paragraphs == [paragraph]
