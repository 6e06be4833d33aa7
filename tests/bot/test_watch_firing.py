"""Watches fire when articles arrive: /ask's decision over the new articles only, each article
posted once per watch (also from a new process), too many posts in a day pause the watch."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.desk import Desk, WatchError
from bot.desk.watches import WatchLimits
from bot.querylog import QueryLog
from bot.watch_firing import Paused, Post, fire
from retrieval.archive import Archive
from retrieval.corpus import load_corpus
from retrieval.index.changes import apply_changes
from tests.paths import FIXTURE_CORPUS

SERVER, OTHER = 111111111111111111, 222222222222222222
ALICE, BOB = 333333333333333333, 444444444444444444
DAMAGE = "harbour-wire-2021-03-15-storm-damage-counted"
FERRIES = "harbour-wire-2021-03-02-ferries-return-to-corvo"
COST = "How much did the storm damage in Lumen Bay cost?"
STORM = "What did the storm do in Lumen Bay?"
TRAM = "When was the airport tram line approved?"


@pytest.fixture(scope="module")
def archives() -> tuple[Archive, Archive]:
    """The fixture articles without two storm articles, and the archive once they arrived."""
    articles = load_corpus(FIXTURE_CORPUS).articles
    before = Archive.build([a for a in articles if a.id not in (DAMAGE, FERRIES)])
    return before, apply_changes(before, [a for a in articles if a.id in (DAMAGE, FERRIES)])


def _desk(archive: Archive, tmp_path: Path) -> Desk:
    return Desk(archive, QueryLog.open(tmp_path / "log.db"))


def _add(desk: Desk, question: str, user: int = ALICE, guild: int = SERVER, **options: object) -> int:
    watch, _ = desk.watch(question, interface="discord", user_id=user, guild_id=guild, channel_id=5,
                          delivery=options.pop("delivery", "channel"), limits=options.pop("limits", WatchLimits()), **options)
    return watch.id


def test_an_arrival_posts_each_answering_article_once_to_each_watch_it_answers(
    archives: tuple[Archive, Archive], tmp_path: Path
) -> None:
    before, after = archives
    desk = _desk(before, tmp_path)
    cost, tram, other = _add(desk, COST), _add(desk, TRAM), _add(desk, COST, BOB, OTHER)
    firings = fire(desk.querylog, after, [DAMAGE], WatchLimits())
    posts = [f for f in firings if isinstance(f, Post)]
    assert {(p.watch.id, p.article_id) for p in posts} == {(cost, DAMAGE), (other, DAMAGE)}
    # Each post is that article's own answer: its excerpt, cited.
    assert all(p.answer.answered and {e.article_id for e in p.answer.results} == {DAMAGE} for p in posts)
    assert "3 million crowns" in " ".join(e.excerpt for e in posts[0].answer.results)
    assert tram not in {p.watch.id for p in posts}  # the new article does not answer it (the archive does)
    assert desk.ask(TRAM).answer.answered
    assert fire(desk.querylog, after, [DAMAGE], WatchLimits()) == [], "never twice"
    again = QueryLog.open(tmp_path / "log.db")  # a restart
    assert fire(again, after, [DAMAGE], WatchLimits()) == []


def test_only_running_discord_watches_fire(archives: tuple[Archive, Archive], tmp_path: Path) -> None:
    before, after = archives
    desk = _desk(before, tmp_path)
    desk.watch(COST)  # the command line's: reported by `newsdesk watch check`, not posted
    paused, stopped = _add(desk, COST), _add(desk, COST, BOB)
    desk.pause_watch(paused, "Discord refused the DM")
    desk.stop_watch(stopped, guild_id=SERVER)
    assert fire(desk.querylog, after, [DAMAGE], WatchLimits()) == []
    assert fire(desk.querylog, after, [], WatchLimits()) == []


def test_a_watch_past_its_posts_per_day_is_paused_and_its_owner_told(archives: tuple[Archive, Archive], tmp_path: Path) -> None:
    before, after = archives
    desk = _desk(before, tmp_path)
    storm = _add(desk, STORM)
    firings = fire(desk.querylog, after, [DAMAGE, FERRIES], WatchLimits(posts_per_day=1))
    assert [type(f) for f in firings] == [Post, Paused]
    assert isinstance(firings[1], Paused) and "1 article(s) in the last 24 hours" in firings[1].reason
    [watch] = desk.watches(guild_id=SERVER)
    assert watch.id == storm and watch.state == "paused" and "24 hours" in (watch.paused_reason or "")
    # The article it did not post is met, not news: resumed, nothing is posted late.
    desk.resume_watch(storm, guild_id=SERVER, user_id=ALICE)
    assert fire(desk.querylog, after, [DAMAGE, FERRIES], WatchLimits(posts_per_day=1)) == []


def test_limits_per_member_and_per_server(archives: tuple[Archive, Archive], tmp_path: Path) -> None:
    before, _ = archives
    desk = _desk(before, tmp_path)
    limits = WatchLimits(per_member=2, per_server=3)
    _add(desk, COST, limits=limits)
    _add(desk, TRAM, limits=limits)
    with pytest.raises(WatchError, match="you have 2 watches in this server"):
        _add(desk, STORM, limits=limits)
    _add(desk, STORM, BOB, limits=limits)
    with pytest.raises(WatchError, match="there are 3 watches here already"):
        _add(desk, "Who won the final?", BOB, limits=limits)
    _add(desk, STORM, BOB, OTHER, limits=limits)  # another server counts its own


def test_a_member_reaches_only_their_own_watches_and_adding_a_paused_one_again_resumes_it(
    archives: tuple[Archive, Archive], tmp_path: Path
) -> None:
    before, _ = archives
    desk = _desk(before, tmp_path)
    mine = _add(desk, COST)
    with pytest.raises(WatchError):
        desk.stop_watch(mine, guild_id=SERVER, user_id=BOB)
    with pytest.raises(WatchError):
        desk.stop_watch(mine, guild_id=OTHER)
    assert [w.id for w in desk.watches(guild_id=SERVER, user_id=ALICE)] == [mine]
    assert desk.watches(guild_id=SERVER, user_id=BOB) == []
    desk.pause_watch(mine, "too often")
    assert desk.watch_again(COST, guild_id=SERVER, user_id=BOB, delivery="channel") is None
    assert desk.watch_again("how much did the storm damage in  Lumen Bay cost?", guild_id=SERVER, user_id=ALICE,
                            delivery="dm") is None, "another delivery is another watch"
    resumed = desk.watch_again("how much did the storm damage in  Lumen Bay cost?", guild_id=SERVER, user_id=ALICE,
                               delivery="channel")
    assert resumed is not None and resumed.id == mine and resumed.state == "running"
