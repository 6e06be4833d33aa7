"""The query log: every question asked, in SQLite (sqlite-utils), for moderators to review.

Schema changes are migrations, applied in order and recorded in table ``_migrations``.
Writes are serialised by a lock (one connection shared by threads and the event loop) and
committed before they return, so an answered question survives the process being killed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import sqlite3
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlite_utils import Database

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


# (name, function) in order; a name, once released, never changes meaning.
MIGRATIONS: list[tuple[str, Callable[[Database], None]]] = [
    ("0001_queries", _migration_1_queries),
    ("0002_feedback", _migration_2_feedback),
    ("0003_filters", _migration_3_filters),
]


def migrate(db: Database) -> list[str]:
    """Apply the migrations this database has not seen; return their names."""
    if "_migrations" not in db.table_names():
        db["_migrations"].create({"name": str, "applied_at": str}, pk="name")
    done = {row["name"] for row in db["_migrations"].rows}
    applied = []
    for name, apply in MIGRATIONS:
        if name in done:
            continue
        with db.conn:
            apply(db)
            db["_migrations"].insert({"name": name, "applied_at": utc_now()})
        log.info("query log: applied migration %s", name)
        applied.append(name)
    return applied


def utc_now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


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
    except sqlite3.DatabaseError as exc:
        raise QueryLogError(f"cannot open query log {path}: {exc} (check NEWSDESK_DB)") from exc
    return db


@dataclass(frozen=True)
class QueryRecord:
    """One question and what was answered, ready to log."""

    question: str
    answered: bool
    interface: str = "cli"
    user_id: int | str | None = None
    guild_id: int | str | None = None
    channel_id: int | str | None = None
    article_ids: Sequence[str] = ()
    passage_ids: Sequence[str] = ()
    scores: Sequence[float] = ()
    latency_ms: float | None = None
    filters: Mapping[str, str] | None = None
    asked_at: str = field(default_factory=utc_now)


class QueryLog:
    """Writes questions and feedback to the log; safe to share between threads."""

    def __init__(self, db: Database, *, user_ids: str = "plain", secret: str | None = None) -> None:
        if user_ids not in ("plain", "hashed", "none"):
            raise ValueError(f"user_ids must be plain, hashed or none, not {user_ids!r}")
        if user_ids == "hashed" and not secret:
            raise ValueError("hashed user ids need a secret")
        self.db = db
        self.user_ids = user_ids
        self._secret = (secret or "").encode()
        self._lock = threading.Lock()
        migrate(db)

    @classmethod
    def open(cls, path: Path | str, **kwargs: object) -> QueryLog:
        return cls(open_database(path), **kwargs)  # type: ignore[arg-type]

    @property
    def path(self) -> str:
        """The database file ('' for an in-memory log)."""
        with self._lock:
            rows = self.db.execute("PRAGMA database_list").fetchall()
        return next((row[2] for row in rows if row[1] == "main"), "") or ""

    def user_key(self, user_id: int | str | None) -> str | None:
        """What is stored for a user id under the privacy setting."""
        if user_id is None or self.user_ids == "none":
            return None
        if self.user_ids == "hashed":
            digest = hmac.new(self._secret, str(user_id).encode(), hashlib.sha256).hexdigest()
            return "h:" + digest[:32]
        return str(user_id)

    def record(self, entry: QueryRecord) -> int:
        """Insert one question and commit; returns its id. Raises QueryLogError on failure."""
        scores = [round(float(s), 6) for s in entry.scores]
        row = {
            "asked_at": entry.asked_at,
            "interface": entry.interface,
            "user_id": self.user_key(entry.user_id),
            "guild_id": None if entry.guild_id is None else str(entry.guild_id),
            "channel_id": None if entry.channel_id is None else str(entry.channel_id),
            "question": entry.question,
            "answered": int(entry.answered),
            "result_count": len(entry.passage_ids),
            "article_ids": json.dumps(list(entry.article_ids)),
            "passage_ids": json.dumps(list(entry.passage_ids)),
            "scores": json.dumps(scores),
            "top_score": scores[0] if scores else None,
            "latency_ms": None if entry.latency_ms is None else round(entry.latency_ms, 3),
            "filters": json.dumps(dict(entry.filters)) if entry.filters else None,
        }
        try:
            with self._lock, self.db.conn:
                cursor = self.db.conn.execute(
                    f"INSERT INTO queries ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
                    list(row.values()),
                )
                return int(cursor.lastrowid or 0)
        except sqlite3.Error as exc:
            raise QueryLogError(f"could not write the query log: {exc}") from exc

    def record_feedback(self, query_id: int, user_id: int | str, value: int) -> None:
        """Record 👍 (+1) or 👎 (-1) from a user on a logged query; a later vote replaces theirs."""
        if value not in (1, -1):
            raise ValueError("feedback value must be 1 or -1")
        key = self.user_key(user_id)
        if key is None:
            # Not storing who voted, but one vote per person: a digest tied to this question
            # alone, so votes cannot be linked across questions.
            key = "anon:" + hashlib.sha256(f"{query_id}:{user_id}".encode()).hexdigest()[:24]
        try:
            with self._lock, self.db.conn:
                self.db.conn.execute(
                    "INSERT INTO feedback (query_id, user_id, value, given_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (query_id, user_id) DO UPDATE SET value = excluded.value, "
                    "given_at = excluded.given_at",
                    (query_id, key, value, utc_now()),
                )
        except sqlite3.Error as exc:
            raise QueryLogError(f"could not record feedback: {exc}") from exc

    def get(self, query_id: int) -> dict | None:
        with self._lock:
            rows = list(self.db.query("SELECT * FROM queries WHERE id = ?", [query_id]))
        return rows[0] if rows else None
