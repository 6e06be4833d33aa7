"""The query log: every question asked, in SQLite (sqlite-utils), for moderators to review.

One home for everything that knows the log's tables:

- ``schema.py``: applying the migrations (``migrations.py``) and the writable opener (:func:`open_database`);
  ``reader.py``: the read-only one (:func:`open_reader`), to review.
- ``writer.py``: :class:`QueryLog`, which records questions and feedback; ``watch_store.py``:
  its watches (saved questions, the articles each met, pauses).
- ``queries.py``: the review queries and the dashboard's canned SQL (one "top questions").
- ``retention.py``: purge and forget. ``records.py``: the typed rows, JSON and CSV.
- ``functions.py``: the SQL functions every connection gets (Unicode case folding, the
  question key that groups rephrasings).
"""

from bot.querylog.queries import ReviewError
from bot.querylog.records import LoggedQuery, Removed, Stats
from bot.querylog.schema import (
    BUSY_TIMEOUT_MS,
    MIGRATIONS,
    QueryLogError,
    UnknownQuery,
    migrate,
    open_database,
    utc_now,
)
from bot.querylog.reader import open_reader
from bot.querylog.watch_store import WatchRecord
from bot.querylog.writer import Named, QueryLog, QueryRecord

__all__ = [
    "BUSY_TIMEOUT_MS",
    "MIGRATIONS",
    "LoggedQuery",
    "Named",
    "QueryLog",
    "QueryLogError",
    "QueryRecord",
    "Removed",
    "ReviewError",
    "Stats",
    "UnknownQuery",
    "WatchRecord",
    "migrate",
    "open_database",
    "open_reader",
    "utc_now",
]
