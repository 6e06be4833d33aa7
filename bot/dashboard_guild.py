"""``newsdesk dashboard --guild ID``: a private copy of the query log holding one server's rows,
kept current while the dashboard runs.

Datasette serves the copy, never the real log, so no page, table or SQL can reach another
server's rows. A background thread of the dashboard process refreshes it every few seconds
(``--refresh``, default :data:`DEFAULT_REFRESH_SECONDS`).

Guarantees:
- Only server ``guild``'s questions, the votes on them and the migration records (which
  migrations made the schema; nothing about anyone) are ever written into the copy. It
  starts as an empty file given the log's tables and indexes, so another server's rows are
  never in it, not even in free pages. Tables that are not per server (``archive_actions``:
  who changed the shared archive) exist but stay empty.
- The real log is read through :func:`bot.querylog.open_reader` (``mode=ro``), in one read
  transaction per refresh (so the votes match the questions) that ends before the copy is
  written: the log is in WAL mode, so the bot's writers never wait for it.
- The copy is updated in place, in one transaction, not replaced by a renamed file:
  Datasette opens a connection per worker thread and keeps it for the life of the server
  (``datasette.database.Database.execute_fn`` keeps them in a thread-local), and an open
  connection keeps reading the old file after a rename. The copy is in WAL mode, so
  Datasette's read-only connections keep reading the previous state until the transaction
  commits and then see the new one whole: never half a refresh, and never a wait for one.
- A question purged or forgotten in the real log leaves the copy at the next refresh:
  ``secure_delete`` overwrites its pages, and a checkpoint after the refresh empties the
  copy's write-ahead file (tried again at each tick until no reader holds it).
- A column a migration adds to a copied table of the log while the dashboard runs is added
  to the copy (name and declared type) by the next refresh, in the same transaction as the
  rows that fill it: the copy's pages never show the column without its values.
- A refresh that fails (the log briefly locked, moved or unreadable) is logged and tried
  again at the next tick; the copy keeps its last state meanwhile. Nothing changes in the
  copy when the server's rows have not changed.
- A refresh writes only what came or went since the last one: new questions, removed ones
  (known by id and time asked, so a question whose id SQLite gave again after a forget is
  never mistaken for the forgotten one) and new, changed or removed votes. After a change of
  schema (a column, a migration record) every row is copied again, as a migration may have
  filled a column (in the transaction that changed the schema: :func:`bot.querylog.migrate`
  runs each migration in one). Questions are never changed once logged otherwise.
- The copy lives in a folder named ``COPY_PREFIX...`` holding its owner's pid: a dashboard
  killed outright (SIGKILL, a crash) cannot remove it, so the next one removes every such
  folder whose owner is gone (:func:`remove_stale_copies`); purge and forget never reach it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.querylog import BUSY_TIMEOUT_MS, QueryLogError, open_reader
from bot.querylog.retention import checkpoint
from bot.querylog.schema import problem_message

log = logging.getLogger(__name__)

DEFAULT_REFRESH_SECONDS = 30
COPY_PREFIX = "newsdesk-dashboard-"  # the dashboard's temporary folder
OWNER_FILE = "owner.pid"
CHECKPOINT_WAIT_SECONDS = 2.0  # then the next tick tries again
# Copied in this order (questions before the votes that refer to them), each WHERE its
# clause holds; the parameter is the server id. Every other table is left empty.
COPIED: tuple[tuple[str, str], ...] = (
    ("_migrations", "1"),
    ("queries", "guild_id = ?"),
    ("feedback", "query_id IN (SELECT id FROM queries WHERE guild_id = ?)"),
)

_VOTES_WHERE = dict(COPIED)["feedback"]
IDS_PER_READ = 500  # question ids per "id IN (...)": well under SQLite's limit of bound values

Row = tuple[object, ...]
# Per copied table, its columns in the log as (name, declared type), in order.
Columns = dict[str, tuple[tuple[str, str], ...]]
# The copied tables' columns and the migration records: when they change, everything is copied again.
Schema = tuple[tuple[tuple[str, tuple[tuple[str, str], ...]], ...], tuple[Row, ...]]


@dataclass(frozen=True)
class _Seen:
    """One snapshot of this server's part of the log (see :meth:`GuildCopy._read`)."""

    columns: Columns
    schema: Schema
    keys: frozenset[Row]
    votes: frozenset[Row]
    rows: list[Row]  # whole rows of the questions to add
    whole: bool  # the schema changed: copy everything again


def _chunks(ids: list[object]) -> Iterator[list[object]]:
    for start in range(0, len(ids), IDS_PER_READ):
        yield ids[start : start + IDS_PER_READ]


def _ids_in(chunk: list[object]) -> str:
    return f"id IN ({', '.join('?' for _ in chunk)})"


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _table_columns(conn: sqlite3.Connection, table: str) -> tuple[tuple[str, str], ...]:
    return tuple((row[1], row[2]) for row in conn.execute(f"PRAGMA table_info({_quoted(table)})"))


class GuildCopy:
    """The served copy of ``source`` at ``path`` with server ``guild``'s rows only."""

    def __init__(self, source: Path, path: Path, guild: int, conn: sqlite3.Connection) -> None:
        self.source = source
        self.path = path
        self.guild = guild
        self._conn = conn  # used by one thread at a time: create(), then the refresher
        # What the copy holds now: the schema read, this server's questions (id, asked_at), its votes.
        self._schema: Schema | None = None
        self._keys: frozenset[tuple[object, ...]] = frozenset()
        self._votes: frozenset[tuple[object, ...]] = frozenset()
        self._wal_empty = True

    @classmethod
    def create(cls, source: Path, folder: Path, guild: int) -> GuildCopy:
        """A new copy in ``folder`` (same file name as ``source``, readable by its owner only),
        filled once. Raises QueryLogError when the log cannot be read."""
        path = folder / source.name
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
        copy = cls(source, path, guild, conn)
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA secure_delete = ON")
            reader = open_reader(source)
            try:
                for (sql,) in reader.conn.execute(
                    "SELECT sql FROM sqlite_master WHERE type IN ('table', 'index') AND sql IS NOT NULL "
                    "AND name NOT LIKE 'sqlite%' ORDER BY type = 'index', rowid"
                ):
                    conn.execute(sql)
            finally:
                reader.close()
            copy.refresh()
        except sqlite3.Error as exc:
            conn.close()
            raise QueryLogError(problem_message(exc, path, "create the dashboard's copy of")) from exc
        except QueryLogError:
            conn.close()
            raise
        return copy

    def refresh(self) -> bool:
        """Bring the copy up to date with the log; True when anything changed.

        Raises QueryLogError when the log cannot be read or the copy cannot be written."""
        seen = self._read()
        if seen.schema == self._schema and seen.keys == self._keys and seen.votes == self._votes:
            if not self._wal_empty:
                self._wal_empty = checkpoint(self._conn, CHECKPOINT_WAIT_SECONDS)
            return False
        try:
            self._write(seen)
        except sqlite3.Error as exc:
            raise QueryLogError(problem_message(exc, self.path, "write")) from exc
        self._schema, self._keys, self._votes = seen.schema, seen.keys, seen.votes
        # Empties the write-ahead file (old pages of removed rows) unless a reader still
        # needs it; then the next tick tries again. Readers are not held up by it.
        self._wal_empty = checkpoint(self._conn, CHECKPOINT_WAIT_SECONDS)
        log.debug("guild copy refreshed: %d questions, %d votes", len(seen.keys), len(seen.votes))
        return True

    def _read(self) -> _Seen:
        """What the log holds for this server, all from one snapshot (a read transaction): the
        schema, the questions' keys, the votes, and the whole rows of the questions the copy
        lacks (all of them when the schema changed: a migration may have filled a column)."""
        reader = open_reader(self.source)
        conn = reader.conn
        try:
            conn.execute("BEGIN")
            # A table read opens the snapshot now (a PRAGMA alone would not keep one open).
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            columns = {table: _table_columns(conn, table) for table, _ in COPIED}
            schema = (tuple(columns.items()), tuple(self._select(conn, columns, "_migrations", "1")))
            guild = (str(self.guild),)
            keys = frozenset(conn.execute("SELECT id, asked_at FROM queries WHERE guild_id = ?", guild))
            votes = frozenset(self._select(conn, columns, "feedback", _VOTES_WHERE, guild))
            whole = schema != self._schema
            wanted = sorted(key[0] for key in (keys if whole else keys - self._keys))
            rows = [row for chunk in _chunks(wanted) for row in self._select(conn, columns, "queries", _ids_in(chunk), chunk)]
            return _Seen(columns, schema, keys, votes, rows, whole)
        except sqlite3.Error as exc:
            raise QueryLogError(problem_message(exc, self.source, "read")) from exc
        finally:
            conn.rollback()  # ends the read transaction
            reader.close()

    @staticmethod
    def _select(
        conn: sqlite3.Connection, columns: Columns, table: str, where: str, params: Sequence[object] = ()
    ) -> list[Row]:
        names = ", ".join(_quoted(name) for name, _ in columns[table])
        return conn.execute(f"SELECT {names} FROM {_quoted(table)} WHERE {where}", tuple(params)).fetchall()

    def _add_new_columns(self, columns: Columns) -> None:
        """Give the copy's tables the columns the log gained since (inside the caller's transaction).

        Name and declared type only: constraints and defaults guard the log's writes, and the
        copy is only ever written with the log's values."""
        for table, wanted in columns.items():
            present = {name for name, _ in _table_columns(self._conn, table)}
            for name, declared in wanted:
                if name not in present:
                    self._conn.execute(f"ALTER TABLE {_quoted(table)} ADD COLUMN {_quoted(name)} {declared}")
                    log.info("the dashboard's copy gained the column %s.%s the log has now", table, name)

    def _write(self, seen: _Seen) -> None:
        """Make the copy hold what ``seen`` holds, in one transaction: everything again after a
        schema change, else only the questions and votes that came or went."""
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            self._add_new_columns(seen.columns)
            if seen.whole:
                for table, _ in reversed(COPIED):  # votes before the questions they refer to
                    conn.execute(f"DELETE FROM {_quoted(table)}")
                self._insert(seen.columns, "_migrations", list(seen.schema[1]))
                new_votes = seen.votes
            else:
                # A changed vote is gone under its old value and new under the new one.
                gone = [vote[:2] for vote in self._votes - seen.votes]  # (query_id, user_id): its key
                conn.executemany("DELETE FROM feedback WHERE query_id = ? AND user_id IS ?", gone)
                conn.executemany("DELETE FROM queries WHERE id = ? AND asked_at = ?", list(self._keys - seen.keys))
                new_votes = seen.votes - self._votes
            self._insert(seen.columns, "queries", seen.rows)
            self._insert(seen.columns, "feedback", list(new_votes))
            conn.execute("COMMIT")
        except sqlite3.Error:
            if conn.in_transaction:  # SQLite may have rolled back already
                conn.execute("ROLLBACK")
            raise

    def _insert(self, columns: Columns, table: str, rows: list[Row]) -> None:
        names = ", ".join(_quoted(name) for name, _ in columns[table])
        marks = ", ".join("?" for _ in columns[table])
        self._conn.executemany(f"INSERT INTO {_quoted(table)} ({names}) VALUES ({marks})", rows)

    def keep_current(self, every: float, stop: threading.Event) -> None:
        """Refresh every ``every`` seconds until ``stop`` is set (run in a thread)."""
        while not stop.wait(every):
            try:
                self.refresh()
            except QueryLogError as exc:
                log.warning("the dashboard's copy of server %d was not refreshed (trying again in %g s): %s", self.guild, every, exc)

    def close(self) -> None:
        self._conn.close()


@contextlib.contextmanager
def served_copy(source: Path, folder: Path, guild: int, every: float) -> Iterator[Path]:
    """The path of a :class:`GuildCopy` of ``source`` in ``folder``, refreshed every
    ``every`` seconds by a background thread until the block ends."""
    copy = GuildCopy.create(source, folder, guild)
    stop = threading.Event()
    thread = threading.Thread(target=copy.keep_current, args=(every, stop), name="newsdesk-guild-copy", daemon=True)
    thread.start()
    try:
        yield copy.path
    finally:
        stop.set()
        thread.join()
        copy.close()


def mark_owner(folder: Path, pid: int | None = None) -> None:
    """Record in ``folder`` which process owns it (this one by default)."""
    (folder / OWNER_FILE).write_text(f"{os.getpid() if pid is None else pid}\n", encoding="ascii")


def _owner_alive(folder: Path) -> bool:
    try:
        pid = int((folder / OWNER_FILE).read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return True  # not marked (yet, or not ours): leave it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # alive, another user's
        return True
    return True


def remove_stale_copies(parent: Path | str | None = None) -> int:
    """Remove the folders of dashboards that died without cleaning up (their copies of
    one server's questions); returns how many. Failures are logged, never raised."""
    removed = 0
    for folder in Path(parent or tempfile.gettempdir()).glob(f"{COPY_PREFIX}*"):
        if not folder.is_dir() or folder.is_symlink() or _owner_alive(folder):
            continue
        try:
            shutil.rmtree(folder)
        except OSError as exc:
            log.warning("could not remove a dead dashboard's folder %s: %s", folder, exc)
            continue
        removed += 1
        log.info("removed %s, left by a dashboard that was stopped without cleaning up", folder)
    return removed
