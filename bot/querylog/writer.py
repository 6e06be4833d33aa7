"""The query log's writer: every question asked, the 👍/👎 on its answer, and moderators' archive changes.

Writes are serialised by a lock (one connection shared by threads and the event loop) and
committed before they return, so an answered question survives the process being killed.
What is stored about who asked follows the privacy setting (``plain``, ``hashed``, ``none``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import sqlite3
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlite_utils import Database

from bot.querylog.schema import QueryLogError, migrate, open_database, utc_now

log = logging.getLogger(__name__)


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
    # Why nothing was answered (Answer.reason_code), None when answered.
    reason: str | None = None
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
            "reason": entry.reason,
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

    def record_archive_action(self, user_id: int | str | None, action: str, article_id: str, title: str = "", url: str = "") -> None:
        """Record a moderator's change to the archive (``add``, ``replace``, ``remove``) and who made it."""
        row = (utc_now(), self.user_key(user_id), action, article_id, title or None, url or None)
        try:
            with self._lock, self.db.conn:
                self.db.conn.execute(
                    "INSERT INTO archive_actions (done_at, user_id, action, article_id, title, url) VALUES (?, ?, ?, ?, ?, ?)",
                    row,
                )
        except sqlite3.Error as exc:
            raise QueryLogError(f"could not record the archive change: {exc}") from exc

    def get(self, query_id: int) -> dict | None:
        with self._lock:
            rows = list(self.db.query("SELECT * FROM queries WHERE id = ?", [query_id]))
        return rows[0] if rows else None
