"""An outlet name is never a web address: in extracted pages, the cleaner's hint, --source and corpus files."""

from __future__ import annotations

import datetime as dt
import gzip
import logging
import re
from pathlib import Path

import pytest

from retrieval.ingest.cleaning import clean_raw_article
from retrieval.corpus import load_corpus
from retrieval.ingest.pages import IngestError, RawPage, extract_page, ingest_file
from retrieval.ingest.outlet_names import is_web_address, outlet_name

from tests.paths import HTML_DIR, ROOT

EXTRACTION_PAGES = ROOT.parent / "shared" / "eval" / "extraction-dev" / "html"
# Checked independently of the module under test: a scheme, or a dotted host with no space.
_LOOKS_LIKE_ADDRESS = re.compile(r"^(?:\w+://|//)|^(?:www\.)?[\w-]+(?:\.[\w-]+)+(?:[/:?#]\S*)?$", re.I)


def page(head: str, footer: str = "", canonical: str = "https://www.riversidetimes.com/2024/05/02/flood") -> str:
    return f"""<!doctype html><html><head><meta charset="utf-8">
<title>River floods the old quarter</title>
<link rel="canonical" href="{canonical}">
<meta property="article:published_time" content="2024-05-02T08:00:00Z">
{head}</head><body><article><h1>River floods the old quarter</h1>
<p>The river burst its banks on Thursday night and water filled the streets of the old quarter.</p>
<p>Shopkeepers moved their goods upstairs while the fire brigade pumped out the cellars.</p>
<p>The council said the clean-up would take a week and asked residents to keep away from the quay.</p>
</article><footer><p>{footer}</p></footer></body></html>"""


def outlet_of(html: str) -> str:
    return extract_page(RawPage("page.html", html.encode("utf-8"))).source


@pytest.mark.parametrize(
    "address",
    [
        "https://www.riversidetimes.com",
        "HTTP://WWW.RiversideTimes.COM/",
        "www.riversidetimes.com",
        "riversidetimes.com",
        "RiversideTimes.com/",
        "https://www.facebook.com/RiversideTimes",
        "//cdn.riverside.co.uk/news?id=3",
        "riversidetimes.com:8080",
        "10.0.0.7",  # an intranet site by its address (NEWSDESK_FETCH_PRIVATE)
        "http://10.0.0.7/news",
        "127.0.0.1:38191",
        "[::1]:8080",
        "http://[fd00::7]/news",
    ],
)
def test_urls_and_bare_hosts_are_web_addresses_in_any_form(address: str) -> None:
    assert is_web_address(address) and outlet_name(address) == ""


@pytest.mark.parametrize("name", ["Riverside Times", "USA TODAY", "Wday_", "Yahoo! News", "St. Louis Post-Dispatch"])
def test_names_are_not_web_addresses(name: str) -> None:
    assert outlet_name(f"  {name} ") == name


def test_a_url_site_name_gives_way_to_the_page_s_other_site_name() -> None:
    head = ('<meta property="og:site_name" content="https://www.riversidetimes.com">'
            '<meta name="application-name" content="Riverside Times">')
    assert outlet_of(page(head)) == "Riverside Times"


@pytest.mark.parametrize(
    "site_name", ["https://www.riversidetimes.com", "WWW.RIVERSIDETIMES.COM/", "riversidetimes.com", ""]
)
def test_with_no_other_name_the_host_is_named_as_the_page_writes_it(site_name: str) -> None:
    head = f'<meta property="og:site_name" content="{site_name}">' if site_name else ""
    html = page(head, footer="Copyright 2024 Riverside Times. All rights reserved.")
    assert outlet_of(html) == "Riverside Times"


def test_a_host_the_page_never_writes_in_words_leaves_the_outlet_missing() -> None:
    html = page('<meta property="og:site_name" content="https://www.riversidetimes.com">',
                footer="Visit riversidetimes.com for more.")
    result = extract_page(RawPage("page.html", html.encode("utf-8")))
    assert result.source == "" and "no outlet found" in result.problems
    assert result.title == "River floods the old quarter"


def test_a_site_on_an_ip_address_is_no_outlet_name() -> None:
    assert outlet_of(page("", canonical="http://10.0.0.7:8080/news/flood")) == ""


def test_an_ordinary_word_that_spells_the_host_is_not_its_name() -> None:
    html = page('<meta property="og:site_name" content="river.com">', canonical="https://river.com/a")
    assert outlet_of(html) == ""  # "The river burst its banks" is not the site's name


def test_the_cleaner_s_web_address_hint_gives_way_to_detection() -> None:
    text = "A title\n\nJanuary 6, 2014\n\nSome text of the article."
    result = clean_raw_article(text, source_hint="https://www.reuters.com/")
    assert result.source == "" and "no outlet found" in result.problems


def test_source_option_refuses_a_web_address_and_writes_nothing(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    with pytest.raises(IngestError) as info:
        ingest_file(HTML_DIR / "bare.html", corpus, source="https://www.riversidetimes.com",
                    title="River floods", published=dt.date(2024, 5, 2))
    assert "--source https://www.riversidetimes.com is a web address" in str(info.value)
    assert '--source "Outlet Name"' in str(info.value)
    assert not corpus.exists() or not list(corpus.glob("*.md"))


def test_a_corpus_file_with_an_address_as_source_loads_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "a.md").write_text(
        "---\nid: a\ntitle: T\nsource: https://www.riversidetimes.com\npublished: 2024-05-02\n---\nBody.\n",
        encoding="utf-8",
    )
    with caplog.at_level(logging.WARNING, logger="retrieval.corpus"):
        loaded = load_corpus(tmp_path)
    assert [a.id for a in loaded.articles] == ["a"]
    assert any("a.md" in r.getMessage() and "web address" in r.getMessage() for r in caplog.records)


@pytest.mark.skipif(not EXTRACTION_PAGES.is_dir(), reason=f"{EXTRACTION_PAGES} is not beside this checkout")
def test_no_extraction_dev_page_gets_a_web_address_as_outlet() -> None:
    outlets = {
        path.name: extract_page(RawPage(path.name.removesuffix(".gz"), gzip.decompress(path.read_bytes()))).source
        for path in sorted(EXTRACTION_PAGES.glob("*.html.gz"))
    }
    assert outlets
    assert {name: o for name, o in outlets.items() if _LOOKS_LIKE_ADDRESS.search(o)} == {}
