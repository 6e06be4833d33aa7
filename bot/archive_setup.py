"""The archive the settings describe, and the door for changes to it (kept apart from the desk).

Guarantees: the bot, ``ask`` and ``ingest`` make their :class:`~retrieval.library.Library`
here, from the same settings (folders, analyzer, semantic stage, fetch limits), so they load
and save one saved index and never rebuild it for one another.
"""

from __future__ import annotations

import logging
from pathlib import Path

from bot.settings import Settings
from retrieval.answer.filters import parse_date
from retrieval.archive import Archive
from retrieval.library import Library, Overrides
from retrieval.text.analyzer import Analyzer

log = logging.getLogger(__name__)


def load_archive(
    corpus_dir: Path,
    index_path: Path | None = None,
    *,
    semantic: bool = True,
    analyzer: Analyzer | None = None,
    merge: bool = False,
) -> Archive:
    """Load the corpus folder into a searchable archive, reporting malformed files.

    The saved index (``index_path``, default ``<corpus_dir>/.index``) is loaded when it
    matches the corpus, and rebuilt and saved when it does not. ``semantic`` (the
    NEWSDESK_SEMANTIC setting) adds meaning-aware re-ranking; ``analyzer`` (see
    ``Settings.analyzer``) carries a team's own aliases file. ``merge`` rebuilds a saved
    archive the corpus changed since, rather than applying the changed files as a delta.
    """
    return Library(Path(corpus_dir), index_path, semantic=semantic, analyzer=analyzer).load(merge=merge)


def library_for(settings: Settings) -> Library:
    """The door for changes to the archive the settings describe (its folders, how it is indexed and fetched)."""
    return Library(
        settings.corpus_dir, settings.index_path, semantic=settings.semantic, analyzer=settings.analyzer(),
        contact=settings.contact, limits=settings.fetch_limits(),
    )


def archive_options(
    published: str | None = None, source: str | None = None, title: str | None = None, overwrite: bool = False
) -> Overrides:
    """What a moderator said about a page to add; raises FilterError for a date that is not YYYY-MM-DD."""
    return Overrides(parse_date(published, "published"), source, title, overwrite)
