"""HTML pages become plain-text articles with their title, outlet, date, author and address."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from retrieval.corpus import load_corpus
from retrieval.ingest.extract_html import looks_like_html
from retrieval.ingest.pages import IngestError, RawPage, extract_page, ingest_file

from tests.paths import HTML_DIR

ARTICLE = HTML_DIR / "article.html"
BARE = HTML_DIR / "bare.html"


def test_body_is_the_article_text_only_in_plain_paragraphs() -> None:
    result = extract_page(RawPage(ARTICLE, ARTICLE.read_bytes()))
    for chrome in ("SCRIPT-TEXT", "secret-style-rule", "NAVIGATION-LINK-TEXT", "SIDEBAR-TEASER", "FOOTER-TEXT"):
        assert chrome not in result.body
    assert "<" not in result.body and "&amp;" not in result.body and "&ldquo;" not in result.body
    assert "Fishermen & traders" in result.body and "\u201cThis is the heart of the town,\u201d" in result.body
    assert "Tom\u00e1s Ruiz" in result.body
    paragraphs = result.body.split("\n\n")
    assert len(paragraphs) == 5 and paragraphs[0].startswith("The Harbour Town council voted")
    assert result.problems == []


def test_metadata_comes_from_the_page_markup() -> None:
    result = extract_page(RawPage(ARTICLE, ARTICLE.read_bytes()))
    assert result.title == "Harbour Town council votes to rebuild the old pier"
    assert result.source == "The Coastal Ledger"
    assert result.author == "Maria Jensen"
    assert result.published == dt.date(2024, 3, 5)
    assert result.url == "https://ledger.example.org/news/2024/03/05/pier-rebuild"


def test_a_site_name_is_not_taken_as_the_title_and_a_missing_date_is_named() -> None:
    result = extract_page(RawPage(BARE, BARE.read_bytes()))
    assert result.source == "Riverside Times"
    assert result.title == ""
    assert result.published is None
    assert result.problems == ["no title found", "no publication date found"]
    assert result.body.startswith("The river burst its banks")


def test_a_web_address_is_not_an_outlet_name() -> None:
    html = ARTICLE.read_text(encoding="utf-8")
    html = html.replace('<meta property="og:site_name" content="The Coastal Ledger">', "")
    html = html.replace(" | The Coastal Ledger</title>", "</title>").replace("&copy; 2024 The Coastal Ledger.", "")
    result = extract_page(RawPage("page.html", html.encode("utf-8")))
    assert result.source == "" and "no outlet found" in result.problems
    assert result.title == "Harbour Town council votes to rebuild the old pier"


def test_declared_charset_is_honoured() -> None:
    html = ARTICLE.read_text(encoding="utf-8").replace('<meta charset="utf-8">', '<meta charset="iso-8859-1">')
    html = html.replace("&aacute;", "\u00e1")
    result = extract_page(RawPage("page.html", html.encode("iso-8859-1", "xmlcharrefreplace")))
    assert "Tom\u00e1s Ruiz" in result.body


@pytest.mark.parametrize(
    ("content", "is_html"),
    [
        (b"<!DOCTYPE html><html><body><p>x</p></body></html>", True),
        (b"\xef\xbb\xbf  <html lang='en'><head><title>x</title></head></html>", True),
        (b"<div><p>One</p><p>Two</p><meta name='a'></div>", True),
        (b"Iran offers help to Iraq\n\nJanuary 6, 2014\n\nTehran <sources> said...", False),
    ],
)
def test_html_is_recognised_by_its_content(content: bytes, is_html: bool) -> None:
    assert looks_like_html(content) is is_html


def test_html_saved_as_txt_is_still_extracted(tmp_path: Path) -> None:
    raw = tmp_path / "saved-page.txt"
    raw.write_bytes(ARTICLE.read_bytes())
    result = ingest_file(raw, tmp_path / "corpus")
    assert result.article.title == "Harbour Town council votes to rebuild the old pier"
    assert "<" not in result.article.body


def test_ingested_html_page_reads_back_with_its_url(tmp_path: Path) -> None:
    result = ingest_file(ARTICLE, tmp_path / "corpus")
    (article,) = load_corpus(tmp_path / "corpus").articles
    assert article == result.article
    assert article.url == "https://ledger.example.org/news/2024/03/05/pier-rebuild"
    assert article.source == "The Coastal Ledger" and article.author == "Maria Jensen"


def test_missing_fields_name_the_options_that_supply_them(tmp_path: Path) -> None:
    with pytest.raises(IngestError) as info:
        ingest_file(BARE, tmp_path / "corpus")
    message = str(info.value)
    assert "no title found" in message and '--title "Article title"' in message
    assert "--source" not in message and "--published" not in message  # the outlet was found; a date is not needed
    result = ingest_file(BARE, tmp_path / "corpus", title="River floods the old quarter", published=dt.date(2024, 5, 2))
    assert result.article.source == "Riverside Times"
    assert result.warnings == ["no publication date found; used --published 2024-05-02", "no title found; used --title River floods the old quarter"]
    undated = ingest_file(BARE, tmp_path / "other", title="River floods the old quarter")
    assert undated.article.published is None and "--published YYYY-MM-DD" in undated.warnings[-1]


@pytest.mark.parametrize(
    ("canonical", "stored"),
    [
        ("https://news.example.org/wiki/Pier_(Harbour_Town)", "https://news.example.org/wiki/Pier_%28Harbour_Town%29"),
        ("javascript:alert(1)", ""),
    ],
)
def test_canonical_address_is_stored_as_a_safe_link(canonical: str, stored: str) -> None:
    html = ARTICLE.read_text(encoding="utf-8").replace("https://ledger.example.org/news/2024/03/05/pier-rebuild", canonical)
    assert extract_page(RawPage("page.html", html.encode("utf-8"))).url == stored
