"""The query log's schema and how to open it: migrations, the writable and the read-only opener.

Guarantees:
- Schema changes are migrations, applied in order and recorded in table ``_migrations``; a
  migration's name, once released, never changes meaning.
- :func:`open_database` is the one writable opener (WAL, busy timeout, migrated);
  :func:`open_reader` is the one read-only opener, used by ``/querylog``, ``newsdesk logs``
  and (to check the file before serving) ``newsdesk dashboard``. A reader never writes,
  except to bring an older log up to the current schema first.
- Every connection either opener returns has the log's SQL functions (see
  :mod:`bot.querylog.functions`), so shared queries run the same everywhere.
- Times in the log are UTC ISO strings with milliseconds and a ``Z``, so they sort as text.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path

from sqlite_utils import Database

from bot.querylog.functions import register_functions

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000


class QueryLogError(RuntimeError):
    """The log could not be opened or written; the message says what to check."""


def _migration_1_queries(db: Database) -> None:
    db["queries"].create(
        {
            "id": int,
            "asked_at": str,
            "interface": str,
            "user_id": str,
            "guild_id": str,
            "channel_id": str,
            "question": str,
            "answered": int,
            "result_count": int,
            "article_ids": str,
            "passage_ids": str,
            "scores": str,
            "top_score": float,
            "latency_ms": float,
        },
        pk="id",
        not_null={"asked_at", "interface", "question", "answered"},
    )
    db["queries"].create_index(["asked_at"])
    db["queries"].create_index(["answered", "asked_at"])


def _migration_2_feedback(db: Database) -> None:
    db["feedback"].create(
        {"query_id": int, "user_id": str, "value": int, "given_at": str},
        pk=("query_id", "user_id"),
        foreign_keys=[("query_id", "queries", "id")],
        not_null={"value", "given_at"},
    )


def _migration_3_filters(db: Database) -> None:
    # The /ask filters (outlet, since, until) as JSON, so "More" pages the same search.
    db["queries"].add_column("filters", str)


def _migration_4_reason(db: Database) -> None:
    # Why a question went unanswered, as a code ("not_english", "not_covered", "no_terms").
    db["queries"].add_column("reason", str)


# (name, function) in order; a name, once released, never changes meaning.
MIGRATIONS: list[tuple[str, Callable[[Database], None]]] = [
    ("0001_queries", _migration_1_queries),
    ("0002_feedback", _migration_2_feedback),
    ("0003_filters", _migration_3_filters),
    ("0004_reason", _migration_4_reason),
]


def utc_text(moment: dt.datetime) -> str:
    """``moment`` in the log's time format (naive values are taken as UTC)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return moment.isoformat(timespec="milliseconds") + "Z"


def utc_now() -> str:
    return utc_text(dt.datetime.now(dt.timezone.utc))


def pending(db: Database) -> list[str]:
    """The names of the migrations this database has not seen."""
    if "_migrations" not in db.table_names():
        return [name for name, _ in MIGRATIONS]
    done = {row[0] for row in db.execute("SELECT name FROM _migrations")}
    return [name for name, _ in MIGRATIONS if name not in done]


def migrate(db: Database) -> list[str]:
    """Apply the migrations this database has not seen; return their names."""
    if "_migrations" not in db.table_names():
        db["_migrations"].create({"name": str, "applied_at": str}, pk="name")
    todo = set(pending(db))
    applied = []
    for name, apply in MIGRATIONS:
        if name not in todo:
            continue
        with db.conn:
            apply(db)
            db["_migrations"].insert({"name": name, "applied_at": utc_now()})
        log.info("query log: applied migration %s", name)
        applied.append(name)
    return applied


def open_database(path: Path | str) -> Database:
    """Open (creating if needed) the log database in WAL mode, migrated to the latest schema."""
    path = Path(path)
    if path.parent and not path.parent.exists():
        raise QueryLogError(f"cannot create query log {path}: folder {path.parent} does not exist (check NEWSDESK_DB)")
    try:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
        db = Database(conn)
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db.enable_wal()
        # In WAL mode NORMAL keeps every committed transaction across a process crash.
        db.execute("PRAGMA synchronous = NORMAL")
        migrate(db)
        register_functions(conn)
    except sqlite3.DatabaseError as exc:
        raise QueryLogError(f"cannot open query log {path}: {exc} (check NEWSDESK_DB)") from exc
    return db


def missing_message(path: Path) -> str:
    return (
        f"NEWSDESK_DB points to {path}, which does not exist yet: ask a question first "
        "(newsdesk ask ...), or set NEWSDESK_DB to the bot's log"
    )


def open_reader(path: Path | str) -> Database:
    """A read-only connection (``mode=ro``) to an existing log: reviews never block writers.

    A log written by an older newsdesk is migrated first (through a short-lived writable
    connection), so every query sees the current schema. Raises QueryLogError when the file
    does not exist (it is never created here) or cannot be read.
    """
    path = Path(path)
    if not path.is_file():
        raise QueryLogError(missing_message(path))
    try:
        conn = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
        db = Database(conn)
        if pending(db):
            conn.close()
            open_database(path).close()
            conn = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
            db = Database(conn)
        register_functions(conn)
    except sqlite3.DatabaseError as exc:
        raise QueryLogError(f"cannot read query log {path}: {exc} (check NEWSDESK_DB)") from exc
    return db
