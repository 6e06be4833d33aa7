"""An HTML page's body loses lines made wholly of links to other stories and the author's bio at
its end, and keeps sentences with links in them and last paragraphs that merely name a person.

Fixture pages in tests/fixtures/html, each written for one behaviour.
"""

from __future__ import annotations

import pytest

from retrieval.ingest.author_bio import bio_reason, name_forms
from retrieval.ingest.body_check import PageCues, clean_body
from retrieval.ingest.link_lines import is_link_line
from retrieval.ingest.pages import RawPage, extract_page

from tests.paths import HTML_DIR


def _extract(name: str):
    path = HTML_DIR / name
    return extract_page(RawPage(path, path.read_bytes()))


def _reasons(removed: list[str]) -> dict[str, str]:
    return {line.partition(": ")[2]: line.partition(": ")[0] for line in removed}


def test_headlines_of_other_stories_above_the_article_are_dropped() -> None:
    result = _extract("link-lines.html")
    paragraphs = result.paragraphs
    assert paragraphs[0].startswith("The Valley public library opened its doors again")
    for headline in ("Bridge on Route 9", "School board picks", "Harvest fair moves"):
        assert not any(headline in p for p in paragraphs), headline
        assert any(line.startswith(f"link line: {headline}") for line in result.removed), headline


def test_a_link_list_at_the_end_and_a_labelled_link_are_dropped() -> None:
    result = _extract("link-lines.html")
    assert result.paragraphs[-1].startswith("The library is open every day except Sunday")
    assert not any("Town museum plans" in p or "Background:" in p for p in result.paragraphs)
    reasons = _reasons(result.removed)
    assert reasons["Background: How the flood ruined a century of local records"] == "link line"
    assert any(line.startswith("Town museum plans") and reason == "link line" for line, reason in reasons.items())


def test_a_sentence_with_an_inline_link_and_a_lone_linked_subheading_stay() -> None:
    paragraphs = _extract("link-lines.html").paragraphs
    assert any(p.startswith("The repairs cost the town 1.2 million, according to the budget") for p in paragraphs)
    assert "New reading rooms on the first floor" in paragraphs
    assert len(paragraphs) == 6
    assert _extract("link-lines.html").doubts == []


def test_the_authors_bio_and_contact_line_at_the_end_are_dropped_and_named() -> None:
    result = _extract("author-bio.html")
    assert result.author == "Jane Doe"
    assert result.paragraphs[-1].startswith("Smith is expected to testify before the committee")
    assert not any("staff writer" in p or "@janedoe" in p for p in result.body.split("\n\n"))
    reasons = _reasons(result.removed)
    assert [reason for line, reason in reasons.items() if "Jane" in line] == ["author bio", "contact line"]


def test_a_last_paragraph_naming_a_person_who_is_a_writer_but_not_the_author_stays() -> None:
    result = _extract("named-last-paragraph.html")
    assert result.paragraphs[-1].startswith("Mary Jones is a writer whose novels have been translated")
    assert len(result.paragraphs) == 4
    assert result.removed == []


@pytest.mark.parametrize(
    ("paragraph", "reason"),
    [
        ("Jane Doe is a staff writer at the Post covering courts.", "author bio"),
        ("Doe has been a reporter for the Post since 2010.", "author bio"),
        ("About the author: Jane Doe is a freelance journalist based in Lisbon.", "author bio"),
        ("Ana Lima is a senior correspondent for Harbour Post in Brazil.", "author bio"),  # the outlet named
        ("Email the author at jane.doe@harbourpost.net", "contact line"),
        ("Follow us @harbourpost, Facebook and Google+", "contact line"),
        ("Jane Doe can be reached at jane.doe@harbourpost.net.", "contact line"),
        ("Smith is expected to testify before the committee next week.", ""),
        ("Doe is expected to announce her decision on Monday, her spokesman said.", ""),  # the author's name, no bio
        ("Ana Lima is a senior correspondent for a Brazilian daily.", ""),  # not the author, outlet not named
        ("Contact tracing at the school will continue, officials said on Twitter.", ""),
        ("The report can be found at the council's offices.", ""),
    ],
)
def test_what_is_an_authors_bio_or_contact_line(paragraph: str, reason: str) -> None:
    assert bio_reason(paragraph, name_forms(["Jane Doe"]), "Harbour Post") == reason


def test_a_bio_in_the_middle_of_the_body_stays() -> None:
    body = "\n\n".join(
        [
            "The council met on Monday to vote on the harbour contract, which has divided the town.",
            "Jane Doe is a staff writer at the Post covering the council and the courts.",
            "The vote was delayed to next month after two members asked for more time to read the bids.",
        ]
    )
    cleaned = clean_body(body, PageCues(authors=("Jane Doe",), outlet="Harbour Post"))
    assert cleaned.body == body
    assert cleaned.removed == ()


@pytest.mark.parametrize(
    ("line", "link_only"),
    [
        ("Bridge on Route 9 to close for a month of repairs", True),
        ("Read more: Bridge on Route 9 to close for a month of repairs", True),
        ("Politics | Sport", True),  # several links in one line
        ("Politics", False),  # one short link alone: may be a subheading that is also a tag
        ("The council said the Bridge on Route 9 to close for a month of repairs was a surprise to everyone.", False),
    ],
)
def test_what_is_a_line_wholly_of_links(line: str, link_only: bool) -> None:
    texts = frozenset({"bridge on route 9 to close for a month of repairs", "politics", "sport"})
    assert is_link_line(line, texts) is link_only


def test_link_lines_would_not_empty_the_body() -> None:
    body = "Bridge on Route 9 to close for a month of repairs\n\nSchool board picks a new superintendent"
    texts = frozenset({"bridge on route 9 to close for a month of repairs", "school board picks a new superintendent"})
    assert clean_body(body, PageCues(links=texts)).body == body
