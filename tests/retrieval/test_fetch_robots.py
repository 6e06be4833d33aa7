"""robots.txt is honoured for pages and feeds: read once per site, 404 allows, 5xx holds off."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from retrieval.ingest.feeds import FeedState, ingest_feed, state_file
from retrieval.ingest.fetch import FetchLimits, RobotsError, fetch
from retrieval.ingest.pages import Overrides
from retrieval.ingest import robots
from retrieval.ingest.robots import RETRY_SECONDS, RobotsCache

from tests.local_web import LocalWeb, serve
from tests.paths import HTML_DIR

ARTICLE = (HTML_DIR / "article.html").read_bytes()
LOCAL = FetchLimits(timeout=1.0, deadline=3.0, allow_private=True)  # the test site is on 127.0.0.1
ROBOTS = b"User-agent: *\nDisallow: /drafts/\n\nUser-agent: newsdesk\nDisallow: /members/\n"


@pytest.fixture
def web() -> Iterator[LocalWeb]:
    with serve() as server:
        server.add("/robots.txt", ROBOTS, Content_Type="text/plain")
        yield server


def test_a_disallowed_page_is_refused_naming_robots_txt(web: LocalWeb) -> None:
    url = web.add("/members/pier", ARTICLE)
    with pytest.raises(RobotsError, match=r"^\S+/members/pier: \S+/robots.txt asks robots not to fetch it$") as info:
        fetch(url, limits=LOCAL)
    assert info.value.reason == "robots.txt"
    assert web.pages() == []  # the page itself was never asked for


def test_an_allowed_page_is_fetched_and_robots_txt_is_read_once(web: LocalWeb) -> None:
    url = web.add("/news/pier", ARTICLE)
    assert fetch(url, limits=LOCAL).data == ARTICLE
    assert fetch(url, limits=LOCAL).data == ARTICLE
    assert [path for path, _ in web.requests] == ["/robots.txt", "/news/pier", "/news/pier"]
    assert web.requests[0][1]["User-Agent"].startswith("newsdesk/")


def test_the_group_for_newsdesk_replaces_the_general_one(web: LocalWeb) -> None:
    # newsdesk has its own group (no /drafts/ rule), so /drafts/ is open to it.
    assert fetch(web.add("/drafts/pier", ARTICLE), limits=LOCAL).data == ARTICLE


def test_a_redirect_to_a_disallowed_page_is_refused(web: LocalWeb) -> None:
    members = web.add("/members/pier", ARTICLE)
    short = web.add("/s/1", status=302, Location=members)
    with pytest.raises(RobotsError, match=f"{short} redirects to {members}: .*asks robots not to fetch it"):
        fetch(short, limits=LOCAL)
    assert web.pages() == ["/s/1"]


def test_no_robots_txt_allows_everything() -> None:
    with serve() as web:  # no robots.txt: 404
        url = web.add("/members/pier", ARTICLE)
        assert fetch(url, limits=LOCAL).data == ARTICLE
        assert [path for path, _ in web.requests] == ["/robots.txt", "/members/pier"]


def test_a_failing_robots_txt_holds_off_the_site_for_now(web: LocalWeb) -> None:
    web.add("/robots.txt", b"oops", status=503, Content_Type="text/plain")
    url = web.add("/news/pier", ARTICLE)
    with pytest.raises(RobotsError, match=r"robots.txt answered HTTP 503, so the site is not fetched from for now; try again") as info:
        fetch(url, limits=LOCAL)
    assert info.value.reason == "robots.txt failing" and web.pages() == []


def test_a_failing_robots_txt_is_asked_again_after_a_minute_and_a_good_one_later() -> None:
    now = [0.0]
    cache = RobotsCache(clock=lambda: now[0])
    answers = iter([(503, b""), (200, b"User-agent: *\nDisallow: /x\n")])
    asked: list[str] = []

    def load(where: str) -> tuple[int, bytes]:
        asked.append(where)
        return next(answers)

    first = cache.refusal("https://news.example/a", load)
    assert first is not None and first.temporary
    now[0] = RETRY_SECONDS - 1
    assert cache.refusal("https://news.example/a", load) is not None and len(asked) == 1  # remembered
    now[0] = RETRY_SECONDS + 1
    assert cache.refusal("https://news.example/a", load) is None and len(asked) == 2
    assert cache.refusal("https://news.example/x", load) is not None and len(asked) == 2
    assert asked == ["https://news.example/robots.txt"] * 2


def test_a_feed_entry_robots_txt_disallows_is_not_tried_again(web: LocalWeb, tmp_path: Path) -> None:
    members = web.add("/members/pier", ARTICLE)
    item = f"<item><title>Pier</title><link>{members}</link></item>"
    feed = web.add("/rss", f'<rss version="2.0"><channel><title>L</title>{item}</channel></rss>'.encode(), Content_Type="application/rss+xml")
    state = FeedState(state_file(tmp_path / "corpus"))
    (outcome,) = ingest_feed(feed, tmp_path / "corpus", state, Overrides(), limits=LOCAL)
    assert outcome.error is not None and outcome.error.reason == "robots.txt"
    assert state.is_seen(feed, members) and web.pages() == ["/rss"]


def test_the_cache_keeps_a_bounded_number_of_sites(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(robots, "MAX_SITES", 3)
    cache = RobotsCache(clock=lambda: 0.0)
    asked: list[str] = []

    def load(where: str) -> tuple[int, bytes]:
        asked.append(where)
        return 404, b""

    for site in ["a", "b", "c", "d", "a"]:
        cache.refusal(f"https://{site}.example/page", load)
    assert [u.split("//")[1].split(".")[0] for u in asked] == ["a", "b", "c", "d", "a"]  # a was let go to make room
    cache.refusal("https://d.example/page", load)
    assert len(asked) == 5  # d is still remembered
