"""Feed state is saved in batches: a run writes feeds.json a few times, an interrupted or
crashed run fetches nothing twice (or skips it as known), two runs at once keep each other's."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from retrieval.ingest import feeds
from retrieval.ingest.fetch import Outages
from retrieval.corpus import load_corpus
from retrieval.ingest.feeds import FeedState, ingest_feed, state_file
from retrieval.ingest.pages import Overrides, summarise

from tests.local_web import LocalWeb, serve
from tests.retrieval.test_feeds import QUICK, article, rss, run


@pytest.fixture
def web() -> Iterator[LocalWeb]:
    with serve() as server:
        yield server


@pytest.fixture
def writes(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every write of the state file, in order."""
    done: list[Path] = []
    real = feeds.write_text_atomically

    def counted(path: Path, text: str, **kwargs: bool) -> None:
        done.append(Path(path))
        real(path, text, **kwargs)

    monkeypatch.setattr(feeds, "write_text_atomically", counted)
    return done


def ctrl_c_at(patch: pytest.MonkeyPatch, outages: type[Outages], path: str) -> None:
    """Ctrl-C (KeyboardInterrupt) in the main thread when the page at ``path`` is fetched: raised
    where the fetch is called, so it lands there whatever the machine's load (a signal sent
    from the server's thread is handled whenever the main thread next runs Python code)."""
    fetch = outages.fetch

    def interrupted(self: Outages, url: str, **options: object):  # type: ignore[no-untyped-def]
        if url.endswith(path):
            raise KeyboardInterrupt
        return fetch(self, url, **options)

    patch.setattr(outages, "fetch", interrupted)


def a_feed(web: LocalWeb, name: str, count: int) -> tuple[str, list[str]]:
    links = [
        web.add(f"/{name}/{n}", article(f"Pier story {name} {n}", f"https://ledger.example.org/{name}/{n}"))
        for n in range(count)
    ]
    feed = web.add(f"/{name}.xml", rss([(f"Pier story {name} {n}", link, "") for n, link in enumerate(links)]), Content_Type="application/rss+xml")
    return feed, links


def fetched_entries(web: LocalWeb, since: int) -> list[str]:
    return [path for path in web.pages()[since:] if not path.endswith(".xml")]


def test_a_feed_run_writes_the_state_once_not_once_per_entry(web: LocalWeb, tmp_path: Path, writes: list[Path]) -> None:
    corpus = tmp_path / "corpus"
    feed, links = a_feed(web, "a", 6)
    state = FeedState(state_file(corpus), clock=lambda: 0.0)  # a run quicker than the save interval
    assert summarise(run(feed, corpus, state)) == "6 added, 0 skipped, 0 failed"
    assert writes == [state_file(corpus)]  # one write for 6 entries (was 6)
    assert json.loads(state_file(corpus).read_text())["seen"][feed] == links
    assert run(feed, corpus, FeedState(state_file(corpus))) == [] and len(writes) == 1  # nothing new: not written


def test_a_long_run_is_saved_in_batches(tmp_path: Path, writes: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feeds, "SAVE_EVERY_ENTRIES", 100)
    path = tmp_path / "feeds.json"
    state = FeedState(path, clock=lambda: 0.0)
    for n in range(1000):
        state.mark("https://feed.example/rss", f"https://feed.example/{n}")
    assert len(writes) == 10  # every 100 entries (was 1000)
    assert len(FeedState(path).seen["https://feed.example/rss"]) == 1000  # what a crash now would keep
    state.flush()
    assert len(writes) == 10  # nothing left to save


def test_a_slow_run_is_saved_every_few_seconds(tmp_path: Path, writes: list[Path]) -> None:
    now = [0.0]
    state = FeedState(tmp_path / "feeds.json", clock=lambda: now[0])
    for n in range(10):
        now[0] += feeds.SAVE_EVERY_SECONDS / 2  # two entries per interval
        state.mark("https://feed.example/rss", f"https://feed.example/{n}")
    assert len(writes) == 5
    assert len(FeedState(tmp_path / "feeds.json").seen["https://feed.example/rss"]) == 10


def test_ctrl_c_during_a_run_fetches_nothing_twice(web: LocalWeb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = tmp_path / "corpus"
    feed, links = a_feed(web, "a", 5)
    done: list = []
    with monkeypatch.context() as patch, pytest.raises(KeyboardInterrupt):
        ctrl_c_at(patch, Outages, "/a/3")  # Ctrl-C while the 4th entry is fetched
        for outcome in ingest_feed(feed, corpus, FeedState(state_file(corpus), clock=lambda: 0.0), Overrides(), limits=QUICK):
            done.append(outcome)
    assert summarise(done) == "3 added, 0 skipped, 0 failed"
    before = len(web.pages())
    assert summarise(run(feed, corpus, FeedState(state_file(corpus)))) == "2 added, 0 skipped, 0 failed"
    assert fetched_entries(web, before) == ["/a/3", "/a/4"]  # the 3 ingested before Ctrl-C are not fetched again
    assert len(load_corpus(corpus).articles) == 5


def test_after_a_crash_only_the_last_batch_is_fetched_again_and_skipped_as_known(
    web: LocalWeb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(feeds, "SAVE_EVERY_ENTRIES", 2)
    corpus = tmp_path / "corpus"
    feed, links = a_feed(web, "a", 5)
    crashed = ingest_feed(feed, corpus, FeedState(state_file(corpus), clock=lambda: 0.0), Overrides(), limits=QUICK)
    assert summarise([next(crashed) for _ in range(3)]) == "3 added, 0 skipped, 0 failed"
    # Killed here: the run never ends (the generator is left open, its last mark never saved).
    before = len(web.pages())
    again = run(feed, corpus, FeedState(state_file(corpus)))
    assert fetched_entries(web, before) == ["/a/2", "/a/3", "/a/4"]  # the first batch of 2 is not fetched again
    assert summarise(again) == "2 added, 1 skipped (1 already in the corpus), 0 failed"
    assert sorted(a.url for a in load_corpus(corpus).articles) == sorted(f"https://ledger.example.org/a/{n}" for n in range(5))
    crashed.close()


def test_two_runs_at_once_keep_each_other_s_entries(web: LocalWeb, tmp_path: Path) -> None:
    # The bot polling feed A while `newsdesk ingest --feed B` runs: both loaded the file before either saved.
    corpus = tmp_path / "corpus"
    (feed_a, links_a), (feed_b, links_b) = a_feed(web, "a", 3), a_feed(web, "b", 3)
    path = state_file(corpus)
    bot = ingest_feed(feed_a, corpus, FeedState(path), Overrides(), limits=QUICK)
    command = ingest_feed(feed_b, corpus, FeedState(path), Overrides(), limits=QUICK)
    for _ in range(3):  # entries taken in turn
        next(bot), next(command)
    for run_ in (command, bot):
        assert list(run_) == []  # ends: saved
    assert json.loads(path.read_text())["seen"] == {feed_a: links_a, feed_b: links_b}
    before = len(web.pages())
    assert run(feed_a, corpus, FeedState(path)) == [] and run(feed_b, corpus, FeedState(path)) == []
    assert fetched_entries(web, before) == []


def test_a_run_started_before_another_saved_does_not_fetch_what_that_one_ingested(web: LocalWeb, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    feed, _ = a_feed(web, "a", 3)
    command = FeedState(state_file(corpus))  # loaded, then busy with another feed
    assert summarise(run(feed, corpus, FeedState(state_file(corpus)))) == "3 added, 0 skipped, 0 failed"  # the bot's poll
    before = len(web.pages())
    assert run(feed, corpus, command) == []
    assert fetched_entries(web, before) == []
