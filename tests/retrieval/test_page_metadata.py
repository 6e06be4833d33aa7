"""A page's outlet, title and date come from what the page says about itself, and only plausible ones.

Fixture pages in tests/fixtures/html, each written for one behaviour.
"""

from __future__ import annotations

import datetime as dt

import pytest

from retrieval.ingest.outlet_names import page_outlet_name
from retrieval.ingest.page_meta import plausible_date
from retrieval.ingest.pages import RawPage, extract_page

from tests.paths import HTML_DIR


def _extract(name: str):
    path = HTML_DIR / name
    return extract_page(RawPage(path, path.read_bytes()))


def test_a_tagline_given_as_site_name_is_no_outlet_and_the_host_as_the_page_spells_it_is() -> None:
    result = _extract("tagline-site-name.html")
    # valleyridermag.com: "mag" is the host's ending; the page writes "Valley Rider".
    assert result.source == "Valley Rider"
    assert result.title == "Four things to do in May"


def test_a_twitter_handle_is_never_the_outlet() -> None:
    result = _extract("handle-only.html")
    assert result.source == "Kestrelpost.net"  # the registrable domain, not "Kestrel_Post"


def test_the_date_of_a_quoted_statement_is_not_the_publication_date() -> None:
    result = _extract("quoted-date.html")
    assert result.published == dt.date(2024, 2, 10)
    assert result.source == "CheckDesk"


def test_implausible_dates_are_passed_over_for_the_address_date() -> None:
    result = _extract("implausible-dates.html")  # 9999-12-31, an ISO week date, 0001-01-01
    assert result.published == dt.date(2019, 11, 19)


def test_a_title_is_cut_to_the_page_headline_and_a_lowercase_host_is_no_name() -> None:
    result = _extract("headline-and-section.html")
    assert result.title == "Council approves the flood barrier"  # not "... - Local News"
    assert result.source == "Riverside Times"  # JSON-LD's publisher, not og:site_name "riversidetimes"


def test_the_title_part_that_spells_the_host_names_the_outlet() -> None:
    result = _extract("title-names-site.html")
    assert result.source == "Kestrel Cannon Entertainment"
    assert result.title == "Dare to Play 3 / October pack"


@pytest.mark.parametrize(
    ("given", "name"),
    [
        ("LinkNaija | Nigeria's popular news platform", "LinkNaija"),
        ("Sky News", "Sky News"),
        ("The Real Deal New York", "The Real Deal New York"),
        ("Bank of America Newsroom", "Bank of America Newsroom"),
        ("Copyright 2014", ""),
        ("© 2019 Kestrel Cannon Entertainment", "Kestrel Cannon Entertainment"),
        ("Hosted", ""),
        ("Connected", ""),
        ("Nj", ""),
        ("Wday_", ""),
        ("@skynews", ""),
        ("Expert how-to for English Riders", ""),
        ("RT", "RT"),
        ("Space.com", "Space.com"),
        ("https://www.hawaiinewsnow.com", ""),
    ],
)
def test_names_a_page_gives_for_its_site(given: str, name: str) -> None:
    assert page_outlet_name(given) == name


@pytest.mark.parametrize(
    ("value", "day"),
    [
        ("2019-11-19T08:57:40+01:00", dt.date(2019, 11, 19)),
        ("2019-11-19", dt.date(2019, 11, 19)),
        ("9999-12-31", None),
        ("0001-01-01T00:00:00Z", None),
        ("2019-W47-2", None),
        ("20191119", None),
        ("2019-02-30", None),
        ("November 19, 2019", None),
    ],
)
def test_only_plausible_dates_written_year_month_day(value: str, day: dt.date | None) -> None:
    assert plausible_date(value) == day


def test_a_date_after_tomorrow_is_not_plausible() -> None:
    today = dt.date(2024, 3, 5)
    assert plausible_date("2024-03-06", today=today) == dt.date(2024, 3, 6)  # time zones
    assert plausible_date("2024-03-08", today=today) is None


def test_a_utc_timestamp_past_midnight_gives_the_day_in_the_page_address() -> None:
    html = (HTML_DIR / "handle-only.html").read_text(encoding="utf-8")  # its address: /2024/03/05/
    html = html.replace('content="2024-03-05T10:00:00Z"', 'content="2024-03-06T02:59:46Z"')
    assert extract_page(RawPage("page.html", html.encode("utf-8"))).published == dt.date(2024, 3, 5)
    far = html.replace('content="2024-03-06T02:59:46Z"', 'content="2024-03-09T02:59:46Z"')
    assert extract_page(RawPage("page.html", far.encode("utf-8"))).published == dt.date(2024, 3, 9)


def test_lines_that_are_never_article_text_and_repeated_blocks_are_dropped() -> None:
    result = _extract("messy-body.html")
    paragraphs = result.body.split("\n\n")
    for junk in ("-", "2024-03-05T08:57:40+01:00", "council-chamber.jpg", "RiversideTimesDe", "Related:", "Share it", "AAPL"):
        assert not any(junk in p for p in paragraphs), junk
    assert sum(p.startswith("The flood barrier was approved") for p in paragraphs) == 1
    assert paragraphs[0].startswith("The county council met eleven times")
    assert paragraphs[-1].startswith("Bus fares will stay the same")
    assert result.doubts == ["2 repeated blocks dropped"]


def test_the_standfirst_the_extractor_leaves_out_leads_the_body_once() -> None:
    result = _extract("standfirst.html")
    paragraphs = result.body.split("\n\n")
    assert paragraphs[0].startswith("Harbour Town's council has voted to rebuild the old pier")
    assert paragraphs[1].startswith("The vote was close")
    assert sum("four million" in p for p in paragraphs) == 1
    assert result.doubts == []
