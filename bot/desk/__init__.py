"""The desk: the only door between an interface and the archive or the query log.

Every action goes through :class:`Desk`, made of one part per kind of work, each in its module:
questions (:mod:`bot.desk.questions`: validate, ask, reject, more, vote, read_log), timelines
(:mod:`bot.desk.timelines`), watches (:mod:`bot.desk.watches`), changes to the archive
(:mod:`bot.desk.changes`), the hook "new articles arrived" (:mod:`bot.desk.arrivals`) and late
answers (:mod:`bot.desk.late`), over what they share (:mod:`bot.desk.base`: the archive, loaded on first
use, and the query log). So a question is logged the same way wherever it was asked, and the cogs
and the CLI never reach into the archive or the log themselves. The archive may be given as a
loader, run on first use, so that ``newsdesk sync`` can publish the commands without loading it.
"""

from __future__ import annotations

from typing import Any

from bot.archive_setup import archive_options, library_for, load_archive
from bot.desk.base import EMPTY_MESSAGE, MAX_CHOICES, NO_LOG, EmptyArchive, LogNotOpen, UnknownOutlet
from bot.desk.arrivals import FROM_CORPUS, FROM_INGEST, Arrival, ArrivalCheck, ArrivalsDesk
from bot.desk.changes import ChangesDesk
from bot.desk.late import LateAnswer, LateCheck, LateDesk
from bot.desk.questions import MAX_RESULTS, OPTION_NAMES, Asked, Checked, Page, QuestionDesk, rejection_code
from bot.desk.timelines import Charted, TimelineDesk
from bot.desk.watches import MAX_WATCHES, Watch, Watched, WatchDesk, WatchError
from bot.place import Place
from bot.querylog import UnknownQuery
from retrieval.answer.answerer import QuestionError
from retrieval.answer.filters import FilterError, Filters
from retrieval.corpus import Article
from retrieval.index.reader import ReaderUnavailable  # re-exported: the bot says it in one line at start
# The door for changes to the archive: the cogs reach it, and what it raises and returns, only through here.
from retrieval.library import ArchiveAdminError, FetchPool, IngestError, Library, Overrides, Preview, Removed


class Desk(QuestionDesk, TimelineDesk, WatchDesk, ChangesDesk, ArrivalsDesk, LateDesk):
    """The desk: questions, timelines, watches, changes to the archive and what runs when articles
    arrive (late answers), over one archive and one log."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.on_arrival(LateCheck())


__all__ = [
    "FROM_CORPUS", "FROM_INGEST", "Arrival", "ArrivalCheck", "LateAnswer", "LateCheck",
    "EMPTY_MESSAGE", "MAX_CHOICES", "MAX_RESULTS", "MAX_WATCHES", "NO_LOG", "OPTION_NAMES",
    "ArchiveAdminError", "Article", "Asked", "Charted", "Checked", "Desk", "EmptyArchive", "FetchPool", "FilterError",
    "Filters", "IngestError", "Library", "LogNotOpen", "Overrides", "Page", "Place", "Preview", "QuestionError",
    "ReaderUnavailable", "Removed", "UnknownOutlet", "UnknownQuery", "Watch", "WatchError", "Watched",
    "archive_options", "library_for", "load_archive", "rejection_code",
]
