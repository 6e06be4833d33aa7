"""Where a page's head names its site or headline more than once, the names that fit the page win.

Built from one fixture page (orbitharbour.net, no site name of its own) by adding what
real pages carry: a section's name as ``og:site_name``, a JSON-LD publisher given by
reference, a site name after "The" in the ``<title>``, a template's placeholder headline.
"""

from __future__ import annotations

import json

from retrieval.ingest.cleaning import CleanResult
from retrieval.ingest.pages import RawPage, extract_page

from tests.paths import HTML_DIR

HEADLINE = "Ferry service to the islands resumes after the storm"


def _with_head(*tags: str, title: str = HEADLINE) -> CleanResult:
    html = (HTML_DIR / "no-site-name.html").read_text(encoding="utf-8")
    html = html.replace(f"<title>{HEADLINE}</title>", f"<title>{title}</title>" + "".join(tags))
    return extract_page(RawPage("page.html", html.encode("utf-8")))


def _ld(data: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def _article(publisher: dict, headline: str = HEADLINE) -> dict:
    return {"@context": "http://schema.org", "@type": "NewsArticle", "headline": headline, "publisher": publisher}


def test_a_section_given_as_site_name_gives_way_to_the_publisher_naming_the_site() -> None:
    result = _with_head(
        '<meta property="og:site_name" content="Islands and Coast">',
        _ld(_article({"@type": "Organization", "name": "Orbit Harbour"})),
    )
    assert result.source == "Orbit Harbour"


def test_a_site_name_is_kept_over_a_publisher_that_names_another_site() -> None:
    result = _with_head(
        '<meta property="og:site_name" content="Island Gazette">',
        _ld(_article({"@type": "Organization", "name": "Coastal Wire Service"})),
    )
    assert result.source == "Island Gazette"  # a wire service's story on the paper's own site


def test_a_publisher_given_by_reference_takes_the_name_of_the_object_it_points_to() -> None:
    graph = {
        "@graph": [
            {"@type": "NewsMediaOrganization", "@id": "https://www.orbitharbour.net/#publisher", "name": "Harbour Daily"},
            _article({"@id": "https://www.orbitharbour.net/#publisher"}),
        ]
    }
    assert _with_head(_ld(graph)).source == "Harbour Daily"


def test_a_site_name_after_the_in_the_title_names_the_outlet() -> None:
    result = _with_head(title=f"{HEADLINE} | The Orbit Harbour")
    assert result.source == "The Orbit Harbour"
    assert result.title == HEADLINE


def test_a_one_word_placeholder_headline_gives_way_to_the_pages_title() -> None:
    result = _with_head(_ld(_article({"@type": "Organization", "name": "Orbit Harbour"}, headline="cmsname")))
    assert result.title == HEADLINE
