"""The one door for changes to an archive: :class:`Library` (see :mod:`retrieval.library.core`).

``newsdesk ingest``, the bot's ``/archive`` commands (through the desk) and the bot's live
archive change the corpus and the saved index only through a Library, and learn what happened
from its results (:mod:`retrieval.library.results`). What they need to name (the page options,
the errors a single change raises) is importable from here, so no caller reaches into
``retrieval.ingest`` or ``retrieval.store``.
"""

from __future__ import annotations

from retrieval.ingest.admin import ArchiveAdminError
from retrieval.ingest.fetch_pool import FetchBusy, FetchPool
from retrieval.ingest.pages import IngestError, IngestResult, Overrides
from retrieval.library.core import Library, Snapshot
from retrieval.library.results import (
    Batch, FeedRun, FeedStateNotSaved, IndexNotSaved, IndexState, PageOutcome, Polled, Preview, Refreshed, Removed,
)
from retrieval.library.sources import RAW_SUFFIXES, NoSuchPage, PageGetter, is_web_address
from retrieval.store.places import Places

__all__ = [
    "RAW_SUFFIXES",
    "ArchiveAdminError",
    "Batch",
    "FeedRun",
    "FeedStateNotSaved",
    "FetchBusy",
    "FetchPool",
    "IndexNotSaved",
    "IndexState",
    "IngestError",
    "IngestResult",
    "Library",
    "NoSuchPage",
    "Overrides",
    "PageGetter",
    "PageOutcome",
    "Places",
    "Polled",
    "Preview",
    "Refreshed",
    "Removed",
    "Snapshot",
    "is_web_address",
]
