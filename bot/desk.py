"""The desk: answer a question from the archive and log it, for every interface.

Both the command line and the Discord bot go through :meth:`Desk.ask`, so a question is
logged the same way wherever it was asked. A log failure never loses the answer: it is
reported in the application log and on the returned :class:`Asked`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from sqlite_utils import Database

from bot.querylog import QueryLog, QueryLogError, QueryRecord, ReviewError, open_reader
from bot.settings import Settings
from retrieval.answer import Answer
from retrieval.archive import Archive
from retrieval.filters import Filters
from retrieval.store import load_or_build

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Asked:
    answer: Answer
    query_id: int | None
    log_error: str | None = None


class Desk:
    def __init__(self, archive: Archive, querylog: QueryLog | None, *, results: int = 3) -> None:
        self.archive = archive
        self.querylog = querylog
        self.results = results

    @classmethod
    def from_settings(cls, settings: Settings, *, open_log: bool = True) -> Desk:
        archive = load_archive(settings.corpus_dir, settings.index_path)
        querylog: QueryLog | None = None
        if open_log:
            try:
                querylog = QueryLog.open(
                    settings.db_path, user_ids=settings.log_user_ids, secret=settings.hash_secret
                )
            except QueryLogError as exc:
                # Answers still work without the log; the failure is visible in the app log.
                log.error("%s; questions will not be logged", exc)
        return cls(archive, querylog, results=settings.results)

    def ask(
        self,
        question: str,
        *,
        interface: str = "cli",
        user_id: int | str | None = None,
        guild_id: int | str | None = None,
        channel_id: int | str | None = None,
        limit: int | None = None,
        more: int = 0,
        filters: Filters | None = None,
    ) -> Asked:
        """Answer and log; raises QuestionError for a question that cannot be searched."""
        started = time.perf_counter()
        answer = self.archive.ask(question, limit or self.results, more=more, filters=filters)
        latency_ms = (time.perf_counter() - started) * 1000
        shown = answer.results
        record = QueryRecord(
            question=answer.question,
            answered=answer.answered,
            interface=interface,
            user_id=user_id,
            guild_id=guild_id,
            channel_id=channel_id,
            article_ids=[r.article_id for r in shown],
            passage_ids=[r.passage_id for r in shown],
            scores=[r.score for r in shown],
            latency_ms=latency_ms,
            filters=filters.to_json() if filters else {},
        )
        if self.querylog is None:
            return Asked(answer, None, "the query log is not open")
        try:
            query_id = self.querylog.record(record)
        except QueryLogError as exc:
            log.error("%s (question: %r)", exc, answer.question[:200])
            return Asked(answer, None, str(exc))
        return Asked(answer, query_id)

    def read_log(self, function: Callable[[Database], T]) -> T:
        """Run a review query (see bot.querylog.queries) on a read-only connection of its own.

        Blocks: call it from a worker thread in the bot.
        """
        if self.querylog is None:
            raise ReviewError("the query log is not open (check NEWSDESK_DB)")
        path = self.querylog.path
        if not path:  # an in-memory log (tests): read through the writer's connection
            return function(self.querylog.db)
        db = open_reader(path)
        try:
            return function(db)
        finally:
            db.close()


def load_archive(corpus_dir: Path, index_path: Path | None = None) -> Archive:
    """Load the corpus folder into a searchable archive, reporting malformed files.

    The saved index (``index_path``, default ``<corpus_dir>/.index``) is loaded when it
    matches the corpus, and rebuilt and saved when it does not.
    """
    archive = load_or_build(corpus_dir, index_path)
    for error in archive.errors:
        log.warning("corpus file skipped: %s", error)
    return archive
