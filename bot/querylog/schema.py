"""The query log's schema and how to open it for writing: applying the migrations (:mod:`bot.querylog.migrations`) and the writable opener.

Guarantees:
- Schema changes are migrations, applied in order and recorded in table ``_migrations``; a
  migration's name, once released, never changes meaning.
- :func:`open_database` is the one writable opener (WAL, busy timeout, foreign keys
  enforced, migrated); a log it creates is readable by its owner only (0600, and so are
  its -wal and -shm files);
  :func:`bot.querylog.reader.open_reader` is the one read-only opener, used by
  ``/querylog``, ``newsdesk logs`` and (to check the file before serving) ``newsdesk
  dashboard``. A reader never writes, except to bring an older log up to the current schema.
- Every connection either opener returns has the log's SQL functions (see
  :mod:`bot.querylog.functions`), so shared queries run the same everywhere.
- Times in the log are UTC ISO strings with milliseconds and a ``Z``, so they sort as text.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sqlite3
import stat
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from sqlite_utils import Database

from bot.querylog.functions import register_functions
from bot.querylog.migrations import MIGRATIONS, table_columns  # noqa: F401  (re-exported)
from retrieval.errors import NewsdeskError

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
# Opening a brand-new log races other processes on the WAL switch and the migrations; on a
# starved machine one open can outwait the busy timeout. Opening is retried this long.
OPEN_RETRY_SECONDS = 30.0


class QueryLogError(NewsdeskError, RuntimeError):
    """The log could not be opened or written; the message says what to check."""


class UnknownQuery(QueryLogError):
    """The logged question a vote or page refers to is no longer in the log (purged or forgotten)."""




def utc_text(moment: dt.datetime) -> str:
    """``moment`` in the log's time format (naive values are taken as UTC)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return moment.isoformat(timespec="milliseconds") + "Z"


def utc_now() -> str:
    return utc_text(dt.datetime.now(dt.timezone.utc))


def newsdesk_version() -> str:
    try:
        return metadata.version("newsdesk")
    except metadata.PackageNotFoundError:
        return "unknown"


def _applied(conn: sqlite3.Connection) -> dict[str, str | None]:
    """The migrations recorded in this log, with the newsdesk version that applied each."""
    columns = table_columns(conn, "_migrations")
    if not columns:
        return {}
    version = '"newsdesk_version"' if "newsdesk_version" in columns else "NULL"
    return dict(conn.execute(f"SELECT name, {version} FROM _migrations").fetchall())


def check_known(conn: sqlite3.Connection, path: object = "") -> None:
    """Raise QueryLogError when the log holds migrations this newsdesk does not know."""
    known = {name for name, _ in MIGRATIONS}
    unknown = {name: version for name, version in _applied(conn).items() if name not in known}
    if not unknown:
        return
    needed = max((v for v in unknown.values() if v), default=None)
    wanted = f"newsdesk {needed} or later" if needed else "a newer newsdesk"
    raise QueryLogError(
        f"{f'query log {path}' if path else 'the query log'} was written by a newer newsdesk (migration {', '.join(sorted(unknown))}); "
        f"this is newsdesk {newsdesk_version()}: install {wanted}, or set NEWSDESK_DB to another file"
    )


def pending(db: Database) -> list[str]:
    """The names of the migrations this database has not seen."""
    done = _applied(db.conn)
    return [name for name, _ in MIGRATIONS if name not in done]


def migrate(db: Database) -> list[str]:
    """Apply the migrations this database has not seen; return their names.

    Each migration and its record are one ``BEGIN IMMEDIATE`` transaction (waiting on the
    busy timeout for other writers), and what is pending is read again inside it: processes
    opening a new log together apply each migration once, and a process killed mid-way
    leaves the log as it was before that migration. Raises QueryLogError for a log written
    by a newer newsdesk.
    """
    conn = db.conn
    check_known(conn)
    if not pending(db):
        return []
    if conn.in_transaction:
        conn.commit()
    # Python's sqlite3 (3.11) neither opens a transaction before DDL nor lets us choose
    # IMMEDIATE: manage transactions explicitly for the migration's duration.
    saved, conn.isolation_level = conn.isolation_level, None
    try:
        return [name for name, apply in MIGRATIONS if _apply_one(db, name, apply)]
    finally:
        conn.isolation_level = saved


def _apply_one(db: Database, name: str, apply: Callable[[Database], None]) -> bool:
    """Apply one migration with its record, unless another process did; True if applied here."""
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(MIGRATIONS_TABLE)
        check_known(conn)
        if name in _applied(conn):
            conn.execute("COMMIT")
            return False
        apply(db)
        record = {"name": name, "applied_at": utc_now()}
        if "newsdesk_version" in table_columns(conn, "_migrations"):
            record["newsdesk_version"] = newsdesk_version()
        conn.execute(
            f"INSERT INTO _migrations ({', '.join(record)}) VALUES ({', '.join('?' for _ in record)})",
            list(record.values()),
        )
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    log.info("query log: applied migration %s", name)
    return True


MIGRATIONS_TABLE = (
    'CREATE TABLE IF NOT EXISTS "_migrations" ("name" TEXT PRIMARY KEY, "applied_at" TEXT, "newsdesk_version" TEXT)'
)


def problem_message(exc: sqlite3.Error, path: Path | str, doing: str = "open") -> str:
    """A one-line message for an SQLite failure on the log at ``path``, saying what to check."""
    text = str(exc)
    if "readonly" in text.lower().replace("-", "").replace(" ", ""):
        return (
            f"cannot write query log {path}: it is read-only ({text}); make it, its folder and any "
            "-wal/-shm file beside it writable, or set NEWSDESK_DB to another file"
        )
    if "locked" in text.lower() or "busy" in text.lower():
        return f"query log {path} is locked by another process ({text}); try again in a moment"
    if "disk is full" in text.lower():  # SQLITE_FULL: nothing is wrong with the setting
        return f"cannot {doing} query log {path}: the disk holding it is full ({text}); free some space on it"
    return f"cannot {doing} query log {path}: {text} (check NEWSDESK_DB)"


def check_path(path: Path, *, must_exist: bool) -> None:
    if path.is_dir():
        raise QueryLogError(
            f"NEWSDESK_DB points to {path}, which is a folder: set it to a file, e.g. {path / 'newsdesk.db'}"
        )
    if must_exist and not path.is_file():
        raise QueryLogError(missing_message(path))
    if not path.parent.is_dir():
        raise QueryLogError(f"cannot create query log {path}: folder {path.parent} does not exist (check NEWSDESK_DB)")


def _unblock_shared_memory(path: Path) -> None:
    """Make a stale read-only ``-shm`` file writable again, when the log itself is writable.

    A read-only period (a copied or re-permissioned log) can leave the shared-memory file
    0444; SQLite then refuses every write although the log is writable. Only its owner can
    change it; otherwise opening reports the read-only file.
    """
    shm = path.with_name(path.name + "-shm")
    try:
        if shm.is_file() and not os.access(shm, os.W_OK) and os.access(path, os.W_OK):
            os.chmod(shm, stat.S_IMODE(shm.stat().st_mode) | stat.S_IRUSR | stat.S_IWUSR)
            log.warning("made the query log's shared-memory file %s writable again", shm)
    except OSError as exc:
        log.info("could not make %s writable (%s)", shm, exc)


def _create_private(path: Path) -> None:
    """Create a new log readable by its owner only; SQLite gives its -wal and -shm the same mode."""
    if str(path) == ":memory:":
        return
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except OSError as exc:  # an unwritable folder: connecting reports it in the usual words
        log.debug("could not create %s first: %s", path, exc)


def open_database(path: Path | str) -> Database:
    """Open (creating if needed) the log database in WAL mode, migrated to the latest schema."""
    path = Path(path)
    check_path(path, must_exist=False)
    _unblock_shared_memory(path)
    _create_private(path)
    deadline = time.monotonic() + OPEN_RETRY_SECONDS
    while True:
        try:
            return _open_writable(path)
        except sqlite3.OperationalError as exc:
            # Only contention is worth waiting out; every other problem is reported at once.
            if "locked" not in str(exc).lower() or time.monotonic() > deadline:
                raise QueryLogError(problem_message(exc, path)) from exc
            log.info("query log %s is busy (%s); retrying the open", path, exc)
            time.sleep(0.1)
        except sqlite3.Error as exc:
            raise QueryLogError(problem_message(exc, path)) from exc


def _open_writable(path: Path) -> Database:
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    try:
        db = Database(conn)
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # A vote for a question that is gone (purged, forgotten) is refused, not stored orphaned.
        db.execute("PRAGMA foreign_keys = ON")
        db.enable_wal()
        # In WAL mode NORMAL keeps every committed transaction across a process crash.
        db.execute("PRAGMA synchronous = NORMAL")
        check_known(conn, path)
        migrate(db)
        register_functions(conn)
    except BaseException:
        conn.close()
        raise
    return db


def missing_message(path: Path) -> str:
    return (
        f"NEWSDESK_DB points to {path}, which does not exist yet: ask a question first "
        "(newsdesk ask ...), or set NEWSDESK_DB to the bot's log"
    )
