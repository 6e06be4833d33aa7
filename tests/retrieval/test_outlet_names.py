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
from retrieval.ingest.outlet_names import host_outlet, is_domain_brand, is_web_address, outlet_name

from tests.paths import HTML_DIR, ROOT

EXTRACTION_PAGES = ROOT.parent / "shared" / "eval" / "extraction-dev" / "html"
# Checked independently of the module under test: a scheme, or a dotted host with no space.
_LOOKS_LIKE_ADDRESS = re.compile(r"^(?:\w+://|//)|^(?:www\.)?[\w-]+(?:\.[\w-]+)+(?:[/:?#]\S*)?$", re.I)
# A brand written as its domain, as sites name themselves (Space.com): a capital, no www., no path.
_BRAND = re.compile(r"^(?!www\.)(?=[^.]*[A-Z])[\w-]+(?:\.[A-Za-z]{2,}){1,2}$")


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


def test_a_host_the_page_never_writes_in_words_names_the_outlet_by_its_domain() -> None:
    html = page('<meta property="og:site_name" content="https://www.riversidetimes.com">',
                footer="Visit riversidetimes.com for more.")
    result = extract_page(RawPage("page.html", html.encode("utf-8")))
    assert result.source == "Riversidetimes.com" and result.problems == []
    assert result.title == "River floods the old quarter"


def test_a_page_on_a_reserved_test_domain_has_no_outlet() -> None:
    html = page("", canonical="https://news.riverside.example/2024/05/02/flood")
    result = extract_page(RawPage("page.html", html.encode("utf-8")))
    assert result.source == "" and "no outlet found" in result.problems


def test_a_site_on_an_ip_address_is_no_outlet_name() -> None:
    assert outlet_of(page("", canonical="http://10.0.0.7:8080/news/flood")) == ""


def test_an_ordinary_word_that_spells_the_host_is_not_its_name_its_domain_is() -> None:
    html = page('<meta property="og:site_name" content="river.com">', canonical="https://river.com/a")
    assert outlet_of(html) == "River.com"  # not "River": "The river burst its banks" is no name


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
    assert {name: o for name, o in outlets.items() if _LOOKS_LIKE_ADDRESS.search(o) and not _BRAND.match(o)} == {}
    assert all(outlets.values())  # every page has an outlet


@pytest.mark.parametrize("brand", ["Space.com", "Snopes.com", "Phys.org", "PanARMENIAN.Net", "BBC.co.uk"])
def test_a_brand_written_as_its_domain_is_an_outlet_name(brand: str) -> None:
    assert is_domain_brand(brand) and outlet_name(brand) == brand
    assert outlet_of(page(f'<meta property="og:site_name" content="{brand}">')) == brand


@pytest.mark.parametrize("address", ["www.Space.com", "Space.com/", "https://Space.com", "Space.com:8080", "news.Space.com"])
def test_a_domain_with_more_than_the_brand_stays_an_address(address: str) -> None:
    assert not is_domain_brand(address) and outlet_name(address) == ""


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("https://www.space.com/nasa-picks", "Space.com"),
        ("https://news.bbc.co.uk/a", "Bbc.co.uk"),
        ("https://phys.org/news/2019-11-x.html", "Phys.org"),
        ("http://10.0.0.7:8080/news", ""),
        ("http://localhost/news", ""),
        ("https://ledger.example.org/a", ""),
        ("https://news.intranet.test/a", ""),
    ],
)
def test_the_last_resort_is_the_registrable_domain_as_a_name(url: str, name: str) -> None:
    assert host_outlet(url) == name


def test_a_domain_brand_page_is_ingested_with_its_brand_title_and_canonical_address(tmp_path: Path) -> None:
    page_ = RawPage("https://www.stargazer.com/news/lander-touches-down?utm_source=x",
                    (HTML_DIR / "domain-brand.html").read_bytes(), url="https://www.stargazer.com/news/lander-touches-down?utm_source=x")
    result = extract_page(page_)
    assert result.source == "StarGazer.com" and result.problems == []
    assert result.title == "Lander touches down near the lunar south pole"  # " | StarGazer.com" dropped
    assert result.url == "https://www.stargazer.com/news/lander-touches-down"  # rel="Canonical", relative


def test_a_page_naming_no_site_is_named_by_its_domain_and_addressed_by_its_og_url(tmp_path: Path) -> None:
    result = ingest_file(HTML_DIR / "no-site-name.html", tmp_path / "corpus")
    assert result.article.source == "Orbitharbour.net"
    assert result.article.url == "https://www.orbitharbour.net/2023/09/02/ferries-resume"


@pytest.mark.parametrize("source", ["Space.com", "space.com", "PanARMENIAN.Net"])
def test_source_option_accepts_a_brand_written_as_a_domain(tmp_path: Path, source: str) -> None:
    result = ingest_file(HTML_DIR / "bare.html", tmp_path / "corpus", source=source,
                         title="River floods", published=dt.date(2024, 5, 2))
    assert result.article.source == source
    (loaded,) = load_corpus(tmp_path / "corpus").articles
    assert loaded.source == source


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("River floods the old quarter | Riverside Times", "River floods the old quarter"),
        ("River floods the old quarter - RIVERSIDE TIMES", "River floods the old quarter"),
        ("River floods the old quarter \u2013 Riverside Times", "River floods the old quarter"),
        ("Riverside Times | River floods the old quarter", "River floods the old quarter"),
        ("River floods the old quarter - Local News | Riverside Times", "River floods the old quarter - Local News"),
        ("River floods the old quarter - riversidetimes.com", "River floods the old quarter"),
        ("Riverside Times", ""),  # only the site's name: no title
        ("Floods - a river's revenge", "Floods - a river's revenge"),  # not a site name: kept
    ],
)
def test_a_title_drops_a_site_name_suffix_or_prefix_only(title: str, expected: str) -> None:
    head = f'<meta property="og:site_name" content="Riverside Times"><meta property="og:title" content="{title}">'
    html = page(head).replace("<h1>River floods the old quarter</h1>", "")
    assert extract_page(RawPage("page.html", html.encode("utf-8"))).title == expected
