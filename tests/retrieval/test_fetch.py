"""Fetching pages over HTTP, against a local server: limits, redirects, types and clear failures."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from retrieval.ingest.fetch import FetchError, FetchLimits, fetch, user_agent
from retrieval.ingest.pages import extract_page

from tests.local_web import LocalWeb, serve
from tests.paths import HTML_DIR

ARTICLE = (HTML_DIR / "article.html").read_bytes()
QUICK = FetchLimits(timeout=0.5, deadline=2.0, max_bytes=50_000, max_redirects=3, allow_private=True)  # a local site


@pytest.fixture
def web() -> Iterator[LocalWeb]:
    with serve() as server:
        yield server


def test_a_page_is_fetched_with_an_honest_user_agent_and_extracted(web: LocalWeb) -> None:
    url = web.add("/news/pier", ARTICLE)
    page = fetch(url, contact="https://example.org/newsdesk-bot", limits=QUICK)
    agent = web.requests[0][1]["User-Agent"]
    assert agent.startswith("newsdesk/") and agent.endswith("(+https://example.org/newsdesk-bot)")
    assert page.url == url and page.is_html and page.charset == "utf-8"
    result = extract_page(page)
    assert result.title == "Harbour Town council votes to rebuild the old pier"
    assert result.url == "https://ledger.example.org/news/2024/03/05/pier-rebuild"  # the page's canonical address


def test_redirects_are_followed_a_bounded_number_of_times(web: LocalWeb) -> None:
    final = web.add("/final", ARTICLE)
    web.add("/moved", status=301, Location=final)
    assert fetch(web.url("/moved"), limits=QUICK).url == final
    web.add("/loop", status=302, Location=web.url("/loop"))
    with pytest.raises(FetchError, match="redirected more than 3 times") as info:
        fetch(web.url("/loop"), limits=QUICK)
    assert len(web.pages()) == 2 + 4


def test_an_article_that_redirects_to_the_site_s_home_page_is_refused(web: LocalWeb) -> None:
    # A removed article often sends its readers to the home page, which is no article.
    web.add("/", b"<html><head><title>The Coastal Ledger</title></head><body><p>Latest news</p></body></html>")
    url = web.add("/news/2019/old-story", status=301, Location="/")
    with pytest.raises(FetchError) as info:
        fetch(url, limits=QUICK)
    assert str(info.value) == f"{url} redirects to the site's home page {web.url('/')}; the article may have been removed"
    assert info.value.reason == "redirects to the home page"
    assert fetch(web.url("/"), limits=QUICK).url == web.url("/")  # asked for, the home page is fetched


def test_a_redirect_without_a_location_is_one_clear_line(web: LocalWeb) -> None:
    url = web.add("/moved", b"<html><body><p>Moved somewhere</p></body></html>", status=302)
    with pytest.raises(FetchError) as info:
        fetch(url, limits=QUICK)
    assert str(info.value) == f"{url} answered HTTP 302 Found without saying where to (no Location header)"
    assert info.value.reason == "HTTP 302"


@pytest.mark.parametrize(
    ("status", "message"),
    [(404, r"answered HTTP 404 Not Found"), (500, r"answered HTTP 500 Internal Server Error")],
)
def test_an_http_error_is_one_clear_line(web: LocalWeb, status: int, message: str) -> None:
    url = web.add("/gone", b"<html>gone</html>", status=status)
    with pytest.raises(FetchError, match=message) as info:
        fetch(url, limits=QUICK)
    assert str(info.value).startswith(url) and "\n" not in str(info.value)
    assert info.value.reason == f"HTTP {status}"


def test_a_page_over_the_size_cap_is_refused_by_its_length(web: LocalWeb) -> None:
    url = web.add("/big", b"<html>" + b"x" * 60_000 + b"</html>")
    with pytest.raises(FetchError, match="over the 0 MB limit|MB, over the") as info:
        fetch(url, limits=QUICK)
    assert info.value.reason == "too large"


def test_a_page_over_the_size_cap_without_a_length_is_cut_off(web: LocalWeb) -> None:
    route_url = web.add("/stream", b"<html>" + b"x" * 200_000 + b"</html>")
    web.routes["/stream"].headers["Content-Length"] = ""  # no length announced
    with pytest.raises(FetchError) as info:
        fetch(route_url, limits=QUICK)
    assert info.value.reason == "too large"


def test_something_that_is_not_a_page_is_refused(web: LocalWeb) -> None:
    url = web.add("/report.pdf", b"%PDF-1.4", Content_Type="application/pdf")
    with pytest.raises(FetchError, match=r"report.pdf is application/pdf, not an HTML page"):
        fetch(url, limits=QUICK)


def test_a_slow_server_times_out(web: LocalWeb) -> None:
    def slow() -> bytes:
        time.sleep(1.5)
        return ARTICLE

    url = web.add("/slow", slow)
    with pytest.raises(FetchError, match=r"did not answer within 0.5 s") as info:
        fetch(url, limits=QUICK)
    assert info.value.reason == "timeout"


def test_a_refused_connection_is_named() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(FetchError, match=r"127.0.0.1 refused the connection") as info:
        fetch(f"http://127.0.0.1:{port}/page", limits=QUICK)
    assert info.value.reason == "refused"


def test_an_unknown_host_is_a_dns_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_such_host(*args: object, **kwargs: object) -> list:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)  # no lookup leaves the machine
    with pytest.raises(FetchError, match=r"no such host news.invalid \(DNS lookup failed\)") as info:
        fetch("https://news.invalid/article", limits=QUICK)
    assert info.value.reason == "DNS"


@pytest.mark.parametrize("address", ["ftp://example.org/page", "file:///etc/passwd", "news.example.org/page"])
def test_only_web_addresses_are_fetched(address: str) -> None:
    with pytest.raises(FetchError, match="not a web address"):
        fetch(address, limits=QUICK)


def test_user_agent_names_newsdesk_and_its_version() -> None:
    assert user_agent().startswith("newsdesk/") and "news archive bot" in user_agent()


def test_a_page_without_a_canonical_link_keeps_the_address_it_came_from(web: LocalWeb) -> None:
    final = web.add("/stories/flood", (HTML_DIR / "bare.html").read_bytes())
    web.add("/s/1", status=302, Location=final)
    assert extract_page(fetch(web.url("/s/1"), limits=QUICK)).url == final


def test_a_plain_text_page_is_read_in_the_charset_its_server_declares(web: LocalWeb) -> None:
    text = "Caf\u00e9 owners welcome the Vienna talks\n\nAugust 20, 2014\n\nThe caf\u00e9 owners of Vienna said the talks were good for trade.\n"
    url = web.add("/story", text.encode("latin-1"), Content_Type="text/plain; charset=iso-8859-1")
    result = extract_page(fetch(url, limits=QUICK))
    assert result.title == "Caf\u00e9 owners welcome the Vienna talks"
    assert "The caf\u00e9 owners of Vienna" in result.body
