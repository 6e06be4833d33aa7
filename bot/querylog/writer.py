"""The query log's writer: every question asked, the 👍/👎 on its answer, and moderators' archive changes.

Writes are serialised by a lock (one connection shared by threads and the event loop) and
committed before they return, so an answered question survives the process being killed.
What is stored about who asked follows the privacy setting (``plain``, ``hashed``, ``none``).

Under ``none`` nothing stored names a user: no user id, no DM channel id (one DM channel
is one user), and a vote is kept once per person under a keyed hash of question and user
(HMAC-SHA256). Its key is random, made once, and kept outside the log in ``<log>.key``
(readable by its owner only), so a copy of the log and a member list are not enough to
tell who voted.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import sqlite3
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlite_utils import Database

from bot.querylog.records import one_line
from bot.querylog.schema import QueryLogError, UnknownQuery, migrate, open_database, problem_message, utc_now
from bot.querylog.watch_store import WatchRecord, WatchStore

log = logging.getLogger(__name__)


MAX_NAME_CHARS = 100  # Discord's limit for server and channel names


class Named(str):
    """A Discord id (a server's, a channel's) with the name people know it by: it is the id
    wherever an id is expected, and :meth:`QueryLog.record` keeps the name beside it."""

    name: str | None

    def __new__(cls, id_: int | str, name: str | None = None) -> Named:
        named = super().__new__(cls, str(id_))
        named.name = one_line(name)[:MAX_NAME_CHARS] or None
        return named


def name_of(value: object) -> str | None:
    """The name a :class:`Named` id carries; None for a plain id."""
    return getattr(value, "name", None) if isinstance(value, Named) else None


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
    # Why nothing was answered (Answer.reason_code, or a rejection code), None when answered.
    reason: str | None = None
    # For a question refused before any search: the message the member was shown.
    rejected: str | None = None
    asked_at: str = field(default_factory=utc_now)


VOTE_KEY_SUFFIX = ".key"
# Who made a change to the archive on the command line (``newsdesk archive remove``): the operator.
CLI_ACTOR = "cli"


def vote_key_path(db_path: Path | str) -> Path:
    """Where the secret of a log's anonymous votes is kept: ``<log>.key`` beside it."""
    path = Path(db_path)
    return path.with_name(path.name + VOTE_KEY_SUFFIX)


def load_vote_secret(db_path: Path | str, *, create: bool = True) -> bytes | None:
    """The log's vote secret: read from ``<log>.key``, made (0600, once) when missing and
    ``create``; None when missing and not ``create``. An in-memory log ('') gets a fresh one."""
    if not str(db_path):
        return secrets.token_bytes(32)
    path = vote_key_path(db_path)
    if not path.exists() and create:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # made by another process meanwhile: read theirs
        else:
            with os.fdopen(fd, "w", encoding="ascii") as out:
                out.write(secrets.token_hex(32) + "\n")
            log.info("made the anonymous votes' key %s (keep it beside the log, out of copies)", path)
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise QueryLogError(f"cannot read the votes' key {path}: {exc.strerror or exc}; make it readable") from exc
    if len(text) < 32:
        raise QueryLogError(f"the votes' key {path} is damaged (too short); remove it to make a new one")
    return text.encode("ascii")


def anonymous_vote_key(secret: bytes, query_id: int, user_id: int | str) -> str:
    """What ``none`` stores for a vote: tied to this question alone, not computable without ``secret``."""
    return "anon:" + hmac.new(secret, f"{query_id}:{user_id}".encode(), hashlib.sha256).hexdigest()[:32]


def legacy_vote_key(query_id: int, user_id: int | str) -> str:
    """The unkeyed vote key older newsdesk stored under ``none`` (still matched by forget)."""
    return "anon:" + hashlib.sha256(f"{query_id}:{user_id}".encode()).hexdigest()[:24]


class QueryLog(WatchStore):
    """Writes questions and feedback (and, through :class:`WatchStore`, watches) to the log; safe to share between threads."""

    def __init__(self, db: Database, *, user_ids: str = "plain", secret: str | None = None) -> None:
        if user_ids not in ("plain", "hashed", "none"):
            raise ValueError(f"user_ids must be plain, hashed or none, not {user_ids!r}")
        if user_ids == "hashed" and not secret:
            raise ValueError("hashed user ids need a secret")
        self.db = db
        self.user_ids = user_ids
        self._secret = (secret or "").encode()
        self._lock = threading.Lock()
        self._vote_secret: bytes | None = None
        # Also for a connection opened elsewhere (tests' in-memory logs): votes need their question.
        db.execute("PRAGMA foreign_keys = ON")
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
            return self.hashed_key(user_id)
        return str(user_id)

    def hashed_key(self, user_id: int | str) -> str | None:
        """The ``hashed`` setting's key for ``user_id`` (None without a secret), whatever the setting now."""
        if not self._secret:
            return None
        return "h:" + hmac.new(self._secret, str(user_id).encode(), hashlib.sha256).hexdigest()[:32]

    def vote_secret(self, *, create: bool = True) -> bytes | None:
        """The key of anonymous votes (see :func:`load_vote_secret`), read once."""
        if self._vote_secret is None:
            self._vote_secret = load_vote_secret(self.path, create=create)
        return self._vote_secret

    def _channel(self, entry: QueryRecord | WatchRecord) -> str | None:
        # Outside a server the channel is a DM, which names the user: not kept under none.
        if entry.channel_id is None or (self.user_ids == "none" and entry.guild_id is None):
            return None
        return str(entry.channel_id)

    def record(self, entry: QueryRecord) -> int:
        """Insert one question and commit; returns its id. Raises QueryLogError on failure."""
        scores = [round(float(s), 6) for s in entry.scores]
        row = {
            "asked_at": entry.asked_at,
            "interface": entry.interface,
            "user_id": self.user_key(entry.user_id),
            "guild_id": None if entry.guild_id is None else str(entry.guild_id),
            "channel_id": self._channel(entry),
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
            "rejected": entry.rejected,
            "guild_name": name_of(entry.guild_id),
            "channel_name": name_of(entry.channel_id) if self._channel(entry) is not None else None,
        }
        try:
            with self._lock, self.db.conn:
                cursor = self.db.conn.execute(
                    f"INSERT INTO queries ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
                    list(row.values()),
                )
                return int(cursor.lastrowid or 0)
        except sqlite3.Error as exc:
            raise QueryLogError(problem_message(exc, self.path or ":memory:", "write to")) from exc

    def withdraw(self, query_id: int) -> None:
        """Remove a question whose answer could not be posted: nobody saw it answered, so the
        log does not say it was (nor list it as a gap in the archive). Its votes go with it."""
        try:
            with self._lock, self.db.conn:
                self.db.conn.execute("DELETE FROM feedback WHERE query_id = ?", (query_id,))
                self.db.conn.execute("DELETE FROM queries WHERE id = ?", (query_id,))
        except sqlite3.Error as exc:
            raise QueryLogError(problem_message(exc, self.path or ":memory:", "write to")) from exc

    def record_feedback(self, query_id: int, user_id: int | str, value: int) -> None:
        """Record 👍 (+1) or 👎 (-1) from a user on a logged query; a later vote replaces theirs."""
        if value not in (1, -1):
            raise ValueError("feedback value must be 1 or -1")
        key = self.user_key(user_id)
        if key is None:
            # Not storing who voted, but one vote per person: a keyed digest tied to this
            # question alone, so votes can be neither linked nor recomputed from the log.
            secret = self.vote_secret()
            assert secret is not None
            key = anonymous_vote_key(secret, query_id, user_id)
        try:
            with self._lock, self.db.conn:
                self.db.conn.execute(
                    "INSERT INTO feedback (query_id, user_id, value, given_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (query_id, user_id) DO UPDATE SET value = excluded.value, "
                    "given_at = excluded.given_at",
                    (query_id, key, value, utc_now()),
                )
        except sqlite3.IntegrityError as exc:
            if "FOREIGN KEY" not in str(exc):
                raise QueryLogError(f"could not record feedback: {exc}") from exc
            raise UnknownQuery(f"question {query_id} is no longer in the query log; the vote was not recorded") from exc
        except sqlite3.Error as exc:
            raise QueryLogError(problem_message(exc, self.path or ":memory:", "record feedback in")) from exc

    def record_archive_action(
        self, user_id: int | str | None, action: str, article_id: str, title: str = "", url: str = "",
        *, actor: str | None = None,
    ) -> None:
        """Record a moderator's change to the archive (``add``, ``replace``, ``remove``) and who made
        it: a Discord user (stored as the privacy setting says), or ``actor``, no person's id but
        where it was done (:data:`CLI_ACTOR`: the operator on the command line), stored as it is."""
        who = actor if actor is not None else self.user_key(user_id)
        row = (utc_now(), who, action, article_id, title or None, url or None)
        try:
            with self._lock, self.db.conn:
                self.db.conn.execute(
                    "INSERT INTO archive_actions (done_at, user_id, action, article_id, title, url) VALUES (?, ?, ?, ?, ?, ?)",
                    row,
                )
        except sqlite3.Error as exc:
            raise QueryLogError(f"could not record the archive change: {exc}") from exc

    def get(self, query_id: int) -> dict | None:
        """The logged question ``query_id``, or None; QueryLogError (saying what to check) if the log cannot be read."""
        try:
            with self._lock:
                rows = list(self.db.query("SELECT * FROM queries WHERE id = ?", [query_id]))
        except sqlite3.Error as exc:  # damaged or locked: the same one-line reason /querylog gives
            raise QueryLogError(problem_message(exc, self.path or ":memory:", "read")) from exc
        return rows[0] if rows else None
