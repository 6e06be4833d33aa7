"""Feeds: new entries' pages are ingested once, and what was seen is remembered on disk."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from retrieval.ingest import feeds
from retrieval.corpus import load_corpus
from retrieval.ingest.feeds import FeedState, ingest_feed, state_file
from retrieval.ingest.fetch import FetchLimits
from retrieval.ingest.pages import Overrides, summarise

from tests.local_web import LocalWeb, serve
from tests.pages import article_page
from tests.paths import HTML_DIR

QUICK = FetchLimits(timeout=1.0, deadline=3.0, allow_private=True)  # the test site is on 127.0.0.1


def rss(items: list[tuple[str, str, str]]) -> bytes:
    body = "".join(
        f"<item><title>{title}</title><link>{link}</link><pubDate>{date}</pubDate></item>" for title, link, date in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Ledger</title>{body}</channel></rss>'.encode()


def article(title: str, canonical: str) -> bytes:
    return article_page(title, canonical).encode("utf-8")


@pytest.fixture
def web() -> Iterator[LocalWeb]:
    with serve() as server:
        yield server


def run(feed: str, corpus: Path, state: FeedState) -> list:
    return list(ingest_feed(feed, corpus, state, Overrides(), limits=QUICK))


def test_new_entries_are_ingested_once_and_remembered(web: LocalWeb, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    one = web.add("/a", article("Pier plan approved", "https://ledger.example.org/a"))
    two = web.add("/b", article("Pier work begins", "https://ledger.example.org/b"))
    items = [("Pier plan approved", one, "Tue, 05 Mar 2024 09:30:00 GMT"), ("Pier work begins", two, "Wed, 06 Mar 2024 08:00:00 GMT")]
    feed = web.add("/feed.xml", rss(items), Content_Type="application/rss+xml")
    path = state_file(corpus)
    first = run(feed, corpus, FeedState(path))
    assert summarise(first) == "2 added, 0 skipped, 0 failed"
    assert sorted(a.url for a in load_corpus(corpus).articles) == ["https://ledger.example.org/a", "https://ledger.example.org/b"]
    assert json.loads(path.read_text())["seen"][feed] == [one, two]

    fetched = len(web.requests)
    again = run(feed, corpus, FeedState(path))  # a new process: the state comes from disk
    assert again == [] and len(web.requests) == fetched + 1  # only the feed itself


def test_a_passing_failure_is_retried_and_a_lasting_one_is_not(web: LocalWeb, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    flaky = web.add("/flaky", b"busy", status=503)
    gone = web.add("/gone", b"gone", status=404)
    feed = web.add("/feed.xml", rss([("Flaky", flaky, ""), ("Gone", gone, "")]), Content_Type="application/rss+xml")
    state = FeedState(state_file(corpus))
    assert summarise(run(feed, corpus, state)) == "0 added, 0 skipped, 2 failed (1 HTTP 503, 1 HTTP 404)"
    assert state.seen[feed] == [gone]
    web.add("/flaky", article("Pier reopens", "https://ledger.example.org/flaky"))
    assert summarise(run(feed, corpus, state)) == "1 added, 0 skipped, 0 failed"


def test_the_feed_date_fills_a_page_without_one(web: LocalWeb, tmp_path: Path) -> None:
    page = (HTML_DIR / "bare.html").read_bytes().replace(b"<title>Riverside Times</title>", b"")
    link = web.add("/flood", page)
    feed = web.add("/feed.xml", rss([("River floods the old quarter", link, "Thu, 02 May 2024 07:00:00 GMT")]), Content_Type="application/rss+xml")
    (outcome,) = run(feed, tmp_path / "corpus", FeedState(tmp_path / "feeds.json"))
    assert outcome.ok, outcome.error
    assert outcome.result.article.published == dt.date(2024, 5, 2)
    assert outcome.result.article.title == "River floods the old quarter"
    assert any("used the feed's 2024-05-02" in note for note in outcome.result.warnings)


def test_the_feed_s_name_fills_a_page_that_names_no_outlet(web: LocalWeb, tmp_path: Path) -> None:
    # No option can be given per entry (and none at all to the bot's feeds): without this the
    # entry would fail for good.
    page = (HTML_DIR / "bare.html").read_bytes()
    page = page.replace(b"<title>Riverside Times</title>", b"").replace(b'<meta property="og:site_name" content="Riverside Times">', b"")
    link = web.add("/flood", page)
    body = rss([("River floods the old quarter", link, "Thu, 02 May 2024 07:00:00 GMT")])
    feed = web.add("/feed.xml", body.replace(b"<title>Ledger</title>", b"<title>Riverside Times - Local news</title>"), Content_Type="application/rss+xml")
    (outcome,) = run(feed, tmp_path / "corpus", FeedState(tmp_path / "feeds.json"))
    assert outcome.ok, outcome.error
    assert outcome.result.article.source == "Riverside Times"
    assert "no outlet on the page; used the feed's Riverside Times" in outcome.result.warnings


def test_something_that_is_not_a_feed_is_one_failure(web: LocalWeb, tmp_path: Path) -> None:
    feed = web.add("/page.html", (HTML_DIR / "article.html").read_bytes())
    (outcome,) = run(feed, tmp_path / "corpus", FeedState(tmp_path / "feeds.json"))
    assert str(outcome.error) == f"{feed} is text/html, not an RSS or Atom feed"
    broken = web.add("/broken.xml", b"<rss><channel><item>", Content_Type="application/rss+xml")
    (outcome,) = run(broken, tmp_path / "corpus", FeedState(tmp_path / "feeds.json"))
    assert outcome.error.reason == "not a feed" and "is not an RSS or Atom feed" in str(outcome.error)


def test_an_unreadable_state_file_starts_afresh(tmp_path: Path) -> None:
    path = tmp_path / "feeds.json"
    path.write_text("{not json", encoding="utf-8")
    state = FeedState(path)
    state.mark("https://feed.example/rss", "https://feed.example/a")
    state.flush()
    assert json.loads(path.read_text())["seen"] == {"https://feed.example/rss": ["https://feed.example/a"]}


def test_two_runs_at_once_keep_each_other_s_seen_entries(tmp_path: Path) -> None:
    # The bot polling its feeds while `newsdesk ingest --feed` runs: both load, then both save.
    path = tmp_path / "feeds.json"
    bot, command = FeedState(path), FeedState(path)
    bot.mark("https://a.example/rss", "https://a.example/1")
    bot.flush()
    command.mark("https://b.example/rss", "https://b.example/1")
    bot.mark("https://a.example/rss", "https://a.example/2")
    command.flush()
    bot.flush()
    assert FeedState(path).seen == {
        "https://a.example/rss": ["https://a.example/1", "https://a.example/2"],
        "https://b.example/rss": ["https://b.example/1"],
    }


def test_an_atom_feed_is_read_too(web: LocalWeb, tmp_path: Path) -> None:
    link = web.add("/story", article("Pier plan approved", "https://ledger.example.org/a"))
    atom = (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Ledger</title>'
        f'<entry><title>Pier plan approved</title><link href="{link}"/><id>urn:1</id>'
        "<updated>2024-03-05T09:30:00Z</updated></entry></feed>"
    )
    feed = web.add("/atom.xml", atom.encode(), Content_Type="application/atom+xml")
    (outcome,) = run(feed, tmp_path / "corpus", FeedState(tmp_path / "feeds.json"))
    assert outcome.ok and outcome.result.article.url == "https://ledger.example.org/a"


def test_a_feed_date_in_the_future_is_called_the_feed_entry_s_date(web: LocalWeb, tmp_path: Path) -> None:
    page = (HTML_DIR / "bare.html").read_bytes().replace(b"<title>Riverside Times</title>", b"")
    link = web.add("/flood", page)
    feed = web.add("/feed.xml", rss([("River floods", link, "Thu, 02 May 2999 07:00:00 GMT")]), Content_Type="application/rss+xml")
    (outcome,) = run(feed, tmp_path / "corpus", FeedState(tmp_path / "feeds.json"))
    assert outcome.error.reason == "date in the future"
    assert "the feed entry's date 2999-05-02 is in the future" in str(outcome.error)
    assert "page's" not in str(outcome.error)


def test_a_feed_with_no_entries_yet_is_read_not_refused(web: LocalWeb, tmp_path: Path) -> None:
    feed = web.add("/feed.xml", rss([]), Content_Type="text/xml")
    assert run(feed, tmp_path / "corpus", FeedState(tmp_path / "feeds.json")) == []


def test_a_feed_whose_entries_link_to_no_page_says_so(web: LocalWeb, tmp_path: Path) -> None:
    items = "<item><title>Pier</title><description>Only a summary</description></item>" * 2
    body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Ledger</title>{items}</channel></rss>'
    feed = web.add("/feed.xml", body.encode(), Content_Type="application/rss+xml")
    (outcome,) = run(feed, tmp_path / "corpus", FeedState(tmp_path / "feeds.json"))
    assert str(outcome.error) == f"{feed} lists 2 entries but none links to a page; newsdesk ingests the pages a feed links to"
    assert outcome.error.reason == "no links in the feed"


def test_a_feed_longer_than_the_seen_list_s_cap_is_not_fetched_again_and_again(
    web: LocalWeb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(feeds, "MAX_SEEN_PER_FEED", 2)  # a feed that lists more entries than are kept
    corpus = tmp_path / "corpus"
    links = [web.add(f"/{n}", article(f"Pier story {n}", f"https://ledger.example.org/{n}")) for n in range(3)]
    feed = web.add("/feed.xml", rss([(f"Pier story {n}", link, "") for n, link in enumerate(links)]), Content_Type="application/rss+xml")
    assert summarise(run(feed, corpus, FeedState(state_file(corpus)))) == "3 added, 0 skipped, 0 failed"
    for _ in range(2):
        before = len(web.pages())
        assert run(feed, corpus, FeedState(state_file(corpus))) == []
        assert web.pages()[before:] == ["/feed.xml"]  # only the feed, never an entry it still lists


def test_an_entry_listed_twice_is_fetched_once(web: LocalWeb, tmp_path: Path) -> None:
    link = web.add("/a", article("Pier plan approved", "https://ledger.example.org/a"))
    feed = web.add("/feed.xml", rss([("Pier plan approved", link, "")] * 2), Content_Type="application/rss+xml")
    assert summarise(run(feed, tmp_path / "corpus", FeedState(tmp_path / "feeds.json"))) == "1 added, 0 skipped, 0 failed"
    assert web.pages() == ["/feed.xml", "/a"]


@pytest.mark.parametrize("length", [None, ""])  # announced by Content-Length, or (none announced) found while reading
def test_a_feed_over_the_size_cap_is_called_a_feed(web: LocalWeb, tmp_path: Path, length: str | None) -> None:
    feed = web.add("/feed.xml", rss([("Pier", web.url("/a"), "")] * 50), Content_Type="application/rss+xml")
    if length is not None:
        web.routes["/feed.xml"].headers["Content-Length"] = length
    small = FetchLimits(timeout=1.0, deadline=3.0, max_bytes=2_000, allow_private=True)
    (outcome,) = ingest_feed(feed, tmp_path / "corpus", FeedState(tmp_path / "feeds.json"), Overrides(), limits=small)
    assert outcome.error.reason == "too large"
    assert str(outcome.error).startswith(feed) and str(outcome.error).endswith("over the 0.002 MB limit for one feed")


def test_a_site_that_does_not_answer_is_waited_for_once_per_run(web: LocalWeb, tmp_path: Path) -> None:
    waits: list[str] = []

    def hang() -> bytes:
        waits.append("robots.txt")
        time.sleep(1.0)
        return b""

    with serve() as down:  # the feed answers; the site its entries are on does not
        down.add("/robots.txt", hang)
        items = [(f"Story {n}", down.url(f"/{n}"), "") for n in range(3)]
        feed = web.add("/feed.xml", rss(items), Content_Type="application/rss+xml")
        state = FeedState(tmp_path / "feeds.json")
        quick = FetchLimits(timeout=0.2, deadline=1.0, allow_private=True)
        outcomes = list(ingest_feed(feed, tmp_path / "corpus", state, Overrides(), limits=quick))
    assert waits == ["robots.txt"]  # not once per entry
    assert [o.error.reason for o in outcomes] == ["timeout"] * 3
    assert str(outcomes[2].error) == (
        f"{down.url('/2')}: not fetched: {down.base} could not be reached for {down.url('/0')} earlier in this run "
        "(timeout); try again later"
    )
    assert state.seen.get(feed, []) == []  # all tried again next run


def test_relative_entry_links_are_resolved_against_where_the_feed_came_from(web: LocalWeb, tmp_path: Path) -> None:
    web.add("/news/pier", article("Pier plan approved", "https://ledger.example.org/a"))
    moved = web.add("/v2/feed.xml", rss([("Pier plan approved", "../news/pier", "")]), Content_Type="application/rss+xml")
    feed = web.add("/feed.xml", status=301, Location=moved)  # relative to the feed's final address
    (outcome,) = run(feed, tmp_path / "corpus", FeedState(tmp_path / "feeds.json"))
    assert outcome.ok, outcome.error
    assert web.pages() == ["/feed.xml", "/v2/feed.xml", "/news/pier"]


def test_an_entry_whose_site_trickles_its_headers_costs_that_entry_not_the_poll(web: LocalWeb, tmp_path: Path) -> None:
    from tests.trickle_web import trickling

    corpus = tmp_path / "corpus"
    before = web.add("/a", article("Pier plan approved", "https://ledger.example.org/a"))
    after = web.add("/b", article("Pier work begins", "https://ledger.example.org/b"))
    slow_limits = FetchLimits(timeout=5.0, deadline=1.0, allow_private=True)  # bytes come in time; the deadline ends it
    with trickling() as slow:
        hung = slow.url("/hung")
        items = [("Pier plan approved", before, ""), ("Hung", hung, ""), ("Pier work begins", after, "")]
        feed = web.add("/feed.xml", rss(items), Content_Type="application/rss+xml")
        state = FeedState(state_file(corpus))
        outcomes = list(ingest_feed(feed, corpus, state, Overrides(published=dt.date(2024, 3, 5)), limits=slow_limits))
    assert summarise(outcomes) == "2 added, 0 skipped, 1 failed (1 timeout)"
    (failed,) = [o for o in outcomes if o.error is not None]
    assert str(failed.error).startswith(f"{hung} did not finish within the 1 s deadline")
    assert sorted(a.url for a in load_corpus(corpus).articles) == ["https://ledger.example.org/a", "https://ledger.example.org/b"]
    assert not state.is_seen(feed, hung)  # a passing failure: tried again at the next poll
