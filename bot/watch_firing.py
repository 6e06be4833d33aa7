"""Watches fire when articles arrive: which running watch each new article answers, decided
once, posted once. Free of discord.py: the Watch cog posts what :func:`fire` returns.

Guarantees:

- Answer: an article is posted to a watch when ``/ask``'s answer decision, over the passages of
  the articles that just arrived alone (:func:`~retrieval.answer.within.ask_within`), answers the
  watch's question (with its filters) from that article: the batch is decided first, then each
  article the answer cites is decided on its own, so each post is one article's excerpt.
- Once: an article is recorded for a watch (:meth:`~bot.querylog.watch_store.WatchStore.report_watch`)
  before it is returned for posting: it is never posted to that watch twice, also after a
  restart or when it arrives again changed. A post Discord refuses is not retried.
- Too often: a watch that has posted ``posts_per_day`` articles in the last 24 hours is paused
  instead of posting more (:class:`Paused`, with the message for its owner); the articles it
  did not post are recorded as met, not news when it resumes.
- Only running watches made in Discord fire (not stopped, not paused; the command line's are
  reported by ``newsdesk watch check``). A watch that fails (a damaged filter, a log error) is
  logged and the others still fire.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from typing import TYPE_CHECKING

from bot.desk.watches import Watch, WatchLimits
from bot.querylog import QueryLog, QueryLogError
from bot.querylog.schema import utc_text
from retrieval.answer.answerer import Question
from retrieval.answer.kinds import Answer
from retrieval.answer.within import ask_within
from retrieval.archive import Archive

if TYPE_CHECKING:
    from bot.desk.arrivals import Arrival
    from bot.desk.base import DeskBase
    from bot.settings import Settings

log = logging.getLogger(__name__)

# The most articles of one arrival decided one by one per watch (the most relevant first).
ARTICLES_PER_ARRIVAL = 10
# The excerpts of one article a post shows (as /ask shows them by default).
POST_EXCERPTS = 3
DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Post:
    """An article that answers a watch: post ``answer``'s excerpts (all of that article) where the watch posts."""

    watch: Watch
    answer: Answer

    @property
    def article_id(self) -> str:
        return self.answer.results[0].article_id


@dataclass(frozen=True)
class Paused:
    """A watch paused for posting too often; ``reason`` is what its owner is told."""

    watch: Watch
    reason: str


Firing = Post | Paused


def limits_of(settings: Settings) -> WatchLimits:
    """The watch limits ``settings`` set."""
    return WatchLimits(settings.watches_per_member, settings.watches_per_server, settings.watch_posts_per_day)


class WatchCheck:
    """The watches' check of the hook "new articles arrived" (:mod:`bot.desk.arrivals`,
    registered with ``desk.on_arrival`` by the Watch cog): what to post."""

    name = "watch"

    def __init__(self, limits: WatchLimits) -> None:
        self.limits = limits

    def __call__(self, desk: DeskBase, arrival: Arrival) -> list[Firing]:
        if desk.querylog is None:
            return []
        return fire(desk.querylog, arrival.archive, arrival.article_ids, self.limits)


def too_often(limit: int) -> str:
    return (f"it posted {limit} article(s) in the last 24 hours, the most a watch may; "
            "narrow it (an outlet, a since date) or resume it later")


def fire(querylog: QueryLog, archive: Archive, article_ids: Sequence[str], limits: WatchLimits) -> list[Firing]:
    """What the arrival of ``article_ids`` (held by ``archive``) posts, in order (blocking)."""
    ids = list(dict.fromkeys(article_ids))
    if not ids:
        return []
    try:
        rows = querylog.delivering_watches()
    except QueryLogError as exc:
        log.error("watches not checked for %d new article(s): %s", len(ids), exc)
        return []
    firings: list[Firing] = []
    for row in rows:
        watch = Watch.from_row(row)
        try:
            firings.extend(_fire_one(querylog, archive, watch, ids, limits))
        except (QueryLogError, ValueError) as exc:  # ValueError: a question saved by hand that is not one
            log.error("watch %s not checked: %s", watch.id, exc)
    log.info("%d new article(s) checked against %d watch(es): %d post(s)", len(ids), len(rows),
             sum(isinstance(f, Post) for f in firings))
    return firings


def _fire_one(querylog: QueryLog, archive: Archive, watch: Watch, ids: list[str], limits: WatchLimits) -> list[Firing]:
    question = Question(watch.question)
    filters = watch.filters or None
    batch = ask_within(archive, question, ids, filters=filters, limit=ARTICLES_PER_ARRIVAL)
    if not batch.answered:
        return []
    cited = list(dict.fromkeys(e.article_id for e in (*batch.results, *batch.more)))
    answers = {article: ask_within(archive, question, [article], filters=filters, limit=POST_EXCERPTS) for article in cited}
    answering = [article for article in cited if answers[article].answered]
    if not answering:
        return []
    room = max(limits.posts_per_day - querylog.reported_since(watch.id, utc_text(_now() - DAY)), 0)
    # Recorded before they are posted: never twice. Past the day's room, met but not posted.
    new = querylog.report_watch(watch.id, answering, most=room)
    posts: list[Firing] = [Post(watch, answers[article]) for article in new[:room]]
    if len(new) > room:
        reason = too_often(limits.posts_per_day)
        if querylog.pause_watch(watch.id, reason):
            log.warning("watch %s paused: %s", watch.id, reason)
            posts.append(Paused(watch, reason))
    return posts


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)
