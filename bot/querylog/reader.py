"""The read-only opener of the query log, for ``/querylog``, ``newsdesk logs`` and the dashboard.

Guarantees:
- :func:`open_reader` never creates a log and never writes one, except to bring a log of an
  older newsdesk up to the current schema first (through a short-lived writable connection).
- A log this user cannot write (a read-only file or folder: a backup, a log owned by the
  bot's account) can still be reviewed. In a read-only folder, with no ``-wal``/``-shm`` file
  beside it (nobody has it open), it is read as it is on disk: SQLite cannot make its
  ``-shm`` file there, and the log file holds every question. With one of them there, the
  error says to make the folder writable or copy the log. A log of an older newsdesk that cannot be migrated here is read through
  temporary views, in the connection's own memory, that give it the current schema under the
  same names (SQLite looks up ``temp`` before ``main``): a column a later migration added reads
  as NULL, a table it added is empty. So every review query runs unchanged.
- Every connection has the log's SQL functions (:mod:`bot.querylog.functions`).
"""

from __future__ import annotations

import functools
import logging
import os
import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path

from sqlite_utils import Database

from bot.querylog.functions import register_functions
from bot.querylog.schema import (
    BUSY_TIMEOUT_MS,
    MIGRATIONS,
    MIGRATIONS_TABLE,
    QueryLogError,
    check_known,
    check_path,
    open_database,
    pending,
    problem_message,
    table_columns,
)

log = logging.getLogger(__name__)


def _in_use(path: Path) -> bool:
    """Whether a ``-wal`` or ``-shm`` file is beside the log: SQLite removes both when the last
    connection closes cleanly, so either means a writer may have it open (or questions may be
    waiting in the write-ahead file)."""
    return any(path.with_name(path.name + suffix).exists() for suffix in ("-wal", "-shm"))


def _read_only_folder_message(path: Path) -> str:
    return (
        f"cannot read query log {path}: its folder is read-only for this user, and SQLite must create "
        f"{path.name}-shm there to read a log that is open elsewhere or has questions waiting in "
        f"{path.name}-wal; make the folder writable, or copy the log with its -wal file to a writable folder"
    )


def _connect_reader(path: Path) -> Database:
    """``mode=ro``; in a folder this user cannot write, ``immutable`` when nobody has the log open.

    A reader of a WAL log needs its ``-shm`` file, which SQLite cannot create in a read-only
    folder. With neither ``-wal`` nor ``-shm`` beside it the log is closed and its file holds
    every question, so reading it as it is on disk loses nothing.
    """
    uri = path.resolve().as_uri()  # percent-encoded: a '#' or '?' in a folder name is kept
    conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError as exc:
        conn.close()
        # READONLY_DIRECTORY: no -shm could be made; CANTOPEN: nor opened beside a -wal file.
        if exc.sqlite_errorname not in ("SQLITE_READONLY_DIRECTORY", "SQLITE_CANTOPEN") or os.access(path.parent, os.W_OK):
            raise
        if _in_use(path):
            raise QueryLogError(_read_only_folder_message(path)) from exc
        log.info("query log %s is in a read-only folder: reading it as it is on disk", path)
        conn = sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True)
    return Database(conn)


def _cannot_write(exc: QueryLogError) -> bool:
    """Whether opening to migrate failed because this user may not write the log or its folder."""
    name = getattr(exc.__cause__, "sqlite_errorname", "")
    return name.startswith("SQLITE_READONLY") or name.startswith("SQLITE_CANTOPEN")


@functools.cache
def current_columns() -> dict[str, tuple[str, ...]]:
    """Every table of a log with all the migrations, and its columns, in order."""
    db = Database(sqlite3.connect(":memory:"))
    db.conn.execute(MIGRATIONS_TABLE)
    for _name, apply in MIGRATIONS:
        apply(db)
    tables = [name for (name,) in db.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    columns = {table: tuple(table_columns(db.conn, table)) for table in tables}
    db.close()
    return columns


def _bring_up_to_date(db: Database, path: Path) -> Database:
    """A reader of the log at the current schema: migrated first (through a short-lived
    writable connection) or, when this user cannot write it, read as it is through views."""
    db.close()
    try:
        open_database(path).close()
    except QueryLogError as exc:
        if not _cannot_write(exc):
            raise
        db = _connect_reader(path)
        covered = cover_missing(db.conn, current_columns())
        log.warning(
            "query log %s is from an older newsdesk and cannot be brought up to date here (%s): "
            "read as it is; what that version did not record shows as empty", path, exc
        )
        log.debug("temporary views for %s", ", ".join(covered))
        return db
    return _connect_reader(path)


def open_reader(path: Path | str) -> Database:
    """A read-only connection (``mode=ro``) to an existing log: reviews never block writers.

    A log written by an older newsdesk is migrated first (through a short-lived writable
    connection), so every query sees the current schema; when this user cannot write it, it
    is read as it is (see the module's guarantees). Raises QueryLogError when the file
    does not exist (it is never created here), cannot be read, or was written by a newer
    newsdesk.
    """
    path = Path(path)
    check_path(path, must_exist=True)
    try:
        db = _connect_reader(path)
        check_known(db.conn, path)
        if pending(db):
            db = _bring_up_to_date(db, path)
        register_functions(db.conn)
    except sqlite3.Error as exc:
        raise QueryLogError(problem_message(exc, path)) from exc
    return db


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _present(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f"PRAGMA main.table_info({_quoted(table)})")}


def cover_missing(conn: sqlite3.Connection, current: Mapping[str, Sequence[str]]) -> list[str]:
    """Give ``conn`` a temporary view for each table of ``current`` (name -> its columns now)
    that the log lacks or holds with fewer columns; returns those tables' names."""
    covered = []
    for table, columns in current.items():
        present = _present(conn, table)
        if present.issuperset(columns):
            continue
        select = ", ".join(_quoted(c) if c in present else f"NULL AS {_quoted(c)}" for c in columns)
        source = f"FROM main.{_quoted(table)}" if present else "WHERE 0"
        conn.execute(f"CREATE TEMP VIEW {_quoted(table)} AS SELECT {select} {source}")
        covered.append(table)
    return covered
