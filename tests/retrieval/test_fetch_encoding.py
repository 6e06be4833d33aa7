"""Compressed pages: read as the plain page; a gzip bomb is refused while it is inflated a piece at a time."""

from __future__ import annotations

import gzip
import tracemalloc
import zlib
from collections.abc import Iterator

import pytest

from retrieval.ingest.fetch import FetchError, FetchLimits, fetch
from retrieval.ingest.fetch_body import PIECE
from retrieval.ingest.pages import extract_page

from tests.local_web import LocalWeb, serve
from tests.paths import HTML_DIR

ARTICLE = (HTML_DIR / "article.html").read_bytes()
LIMITS = FetchLimits(timeout=5.0, deadline=30.0, max_bytes=1_000_000, allow_private=True)  # a local site


@pytest.fixture
def web() -> Iterator[LocalWeb]:
    with serve() as server:
        yield server


@pytest.mark.parametrize(
    "encoding, body",
    [("gzip", gzip.compress(ARTICLE)), ("deflate", zlib.compress(ARTICLE)), ("identity", ARTICLE)],
)
def test_a_compressed_page_reads_as_the_page_itself(web: LocalWeb, encoding: str, body: bytes) -> None:
    url = web.add("/news/pier", body, Content_Encoding=encoding)
    page = fetch(url, limits=LIMITS)
    assert page.data == ARTICLE
    assert extract_page(page).title == "Harbour Town council votes to rebuild the old pier"
    assert web.requests[-1][1]["Accept-Encoding"] == "gzip, deflate"  # only what newsdesk decodes


def test_a_gzip_bomb_is_refused_without_inflating_a_whole_chunk(web: LocalWeb) -> None:
    # 200 MB of zeros in about 200 KB: each 64 KB network chunk inflates to some 64 MB.
    bomb = gzip.compress(b"\0" * 200_000_000, compresslevel=9)
    url = web.add("/news/bomb", bomb, Content_Encoding="gzip")
    tracemalloc.start()
    try:
        with pytest.raises(FetchError) as info:
            fetch(url, limits=LIMITS)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert str(info.value) == f"{url} is over the 1 MB limit for one article"
    assert info.value.reason == "too large"
    # What was held: the page up to the limit, a piece past it, the bomb the local server sends.
    assert peak < LIMITS.max_bytes + len(bomb) + 8 * PIECE + 4_000_000, f"{peak / 1e6:.1f} MB held"


def test_an_encoding_newsdesk_does_not_decode_is_one_line(web: LocalWeb) -> None:
    url = web.add("/news/pier", b"\x1b\x00\x00", Content_Encoding="br")
    with pytest.raises(FetchError) as info:
        fetch(url, limits=LIMITS)
    assert str(info.value) == f"{url}: the page is sent as 'br', which newsdesk does not decode"
    assert info.value.reason == "unreadable encoding"


def test_a_damaged_gzip_page_is_one_line(web: LocalWeb) -> None:
    url = web.add("/news/pier", b"\x1f\x8b not gzip at all", Content_Encoding="gzip")
    with pytest.raises(FetchError, match=r"^http://127\.0\.0\.1:\d+/news/pier: the page's gzip data is damaged \(") as info:
        fetch(url, limits=LIMITS)
    assert "\n" not in str(info.value)
