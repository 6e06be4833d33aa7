"""Late answers in the query log: the questions waiting for them, the answers given, and who
turned them off (tables: migration ``0010_late_answers`` in :mod:`bot.querylog.migrations`).

Guarantees:

- a question is answered late at most once, whoever checks and however often, also after a
  restart: :meth:`LateStore.claim` inserts its ``late_answers`` row (the primary key is the
  question) and takes it off the waiting list in one transaction, and only the caller whose
  insert went in delivers it;
- what waits is kept only as long as needed: a row goes when its question is answered late,
  when it is :data:`LATE_DAYS` old (:meth:`LateStore.expire`, run at every check), or with the
  question (forgotten, purged); who asked is kept as a keyed hash (the log's ``.key``), the
  member's id only when they asked to be pinged;
- a member's or a server's "off" is honoured from then on, and a member's "off" also drops
  what of theirs was waiting.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.querylog.schema import QueryLogError, problem_message, utc_now, utc_text
from bot.querylog.writer import QueryLog

log = logging.getLogger(__name__)

# How long an unanswered question waits for a late answer.
LATE_DAYS = 30
# A member's setting: no late answers, late answers without a ping (the default), or with one.
MEMBER_SETTINGS = ("off", "on", "ping")


@dataclass(frozen=True)
class Waiting:
    """A logged question waiting for a late answer, as a check reads it."""

    query_id: int
    question: str
    filters: str | None
    terms: tuple[str, ...]
    asked_at: str
    interface: str
    guild_id: str | None
    channel_id: str | None
    message_id: str | None
    notify: str | None


def asker_key(secret: bytes, user_id: int | str) -> str:
    """Who asked, as ``late_wait`` and ``late_settings`` keep it: not computable without the log's key."""
    return "late:" + hmac.new(secret, f"late:{user_id}".encode(), hashlib.sha256).hexdigest()[:32]


class LateStore:
    """Late answers' rows in ``querylog``'s database, written under its lock."""

    def __init__(self, querylog: QueryLog) -> None:
        self.querylog = querylog

    def _secret(self) -> bytes:
        secret = self.querylog.vote_secret()
        assert secret is not None  # made when missing
        return secret

    def _write(self, sql: str, params: Sequence[object]) -> int:
        log_ = self.querylog
        try:
            with log_._lock, log_.db.conn:
                return log_.db.conn.execute(sql, list(params)).rowcount
        except sqlite3.Error as exc:
            raise QueryLogError(problem_message(exc, log_.path or ":memory:", "write to")) from exc

    def _read(self, sql: str, params: Sequence[object]) -> list[tuple]:
        log_ = self.querylog
        try:
            with log_._lock:
                return log_.db.conn.execute(sql, list(params)).fetchall()
        except sqlite3.Error as exc:
            raise QueryLogError(problem_message(exc, log_.path or ":memory:", "read")) from exc

    # -- settings ---------------------------------------------------------------------------

    def member_setting(self, user_id: int | str) -> str:
        """``off``, ``on`` (the default) or ``ping``."""
        rows = self._read("SELECT value FROM late_settings WHERE scope = ?", [asker_key(self._secret(), user_id)])
        return rows[0][0] if rows else "on"

    def set_member(self, user_id: int | str, value: str) -> int:
        """Set a member's late answers; ``off`` drops what of theirs was waiting (how many)."""
        if value not in MEMBER_SETTINGS:
            raise ValueError(f"a member's late answers are one of {', '.join(MEMBER_SETTINGS)}, not {value!r}")
        key = asker_key(self._secret(), user_id)
        self._set(key, value)
        if value == "off":
            return self._write("DELETE FROM late_wait WHERE asker = ?", [key])
        # Ping on or off: the rows waiting follow (the id is kept only for a ping).
        self._write("UPDATE late_wait SET notify = ? WHERE asker = ?", [str(user_id) if value == "ping" else None, key])
        return 0

    def server_on(self, guild_id: int | str | None) -> bool:
        if guild_id is None:
            return True
        rows = self._read("SELECT value FROM late_settings WHERE scope = ?", [f"guild:{guild_id}"])
        return not rows or rows[0][0] != "off"

    def set_server(self, guild_id: int | str, on: bool) -> int:
        """Turn a server's late answers on or off; off drops its waiting questions (how many)."""
        self._set(f"guild:{guild_id}", "on" if on else "off")
        if on:
            return 0
        return self._write(
            "DELETE FROM late_wait WHERE query_id IN (SELECT id FROM queries WHERE guild_id = ?)", [str(guild_id)]
        )

    def _set(self, scope: str, value: str) -> None:
        self._write(
            "INSERT INTO late_settings (scope, value, set_at) VALUES (?, ?, ?) "
            "ON CONFLICT (scope) DO UPDATE SET value = excluded.value, set_at = excluded.set_at",
            [scope, value, utc_now()],
        )

    # -- waiting questions ------------------------------------------------------------------

    def wait(
        self, query_id: int, terms: Iterable[str], *, user_id: int | str | None, guild_id: int | str | None
    ) -> bool:
        """Put logged question ``query_id`` on the waiting list, unless the member or the
        server turned late answers off; True when it waits."""
        if not self.server_on(guild_id):
            return False
        setting = self.member_setting(user_id) if user_id is not None else "on"
        if setting == "off":
            return False
        until = utc_text(dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=LATE_DAYS))
        asker = asker_key(self._secret(), user_id) if user_id is not None else None
        notify = str(user_id) if setting == "ping" else None
        self._write(
            "INSERT OR IGNORE INTO late_wait (query_id, asker, notify, terms, until) VALUES (?, ?, ?, ?, ?)",
            [query_id, asker, notify, " ".join(dict.fromkeys(terms)), until],
        )
        return True

    def reply_to(self, query_id: int, message_id: int | str) -> None:
        """The message a late answer to ``query_id`` replies to (the question, or its refusal)."""
        self._write("UPDATE late_wait SET message_id = ? WHERE query_id = ?", [str(message_id), query_id])

    def expire(self) -> int:
        """Drop the waiting rows past their :data:`LATE_DAYS`; how many."""
        return self._write("DELETE FROM late_wait WHERE until < ?", [utc_now()])

    def waiting(self, limit: int, interfaces: Sequence[str]) -> list[Waiting]:
        """The questions waiting, asked through ``interfaces``, newest first, at most ``limit``."""
        marks = ", ".join("?" for _ in interfaces)
        rows = self._read(
            "SELECT q.id, q.question, q.filters, w.terms, q.asked_at, q.interface, q.guild_id, q.channel_id, "
            "w.message_id, w.notify FROM late_wait w JOIN queries q ON q.id = w.query_id "
            f"WHERE q.interface IN ({marks}) AND w.until >= ? ORDER BY q.id DESC LIMIT ?",
            [*interfaces, utc_now(), limit],
        )
        return [Waiting(r[0], r[1], r[2], tuple(r[3].split()), *r[4:]) for r in rows]

    def servers_off(self) -> set[str]:
        return {row[0][len("guild:"):] for row in self._read(
            "SELECT scope FROM late_settings WHERE scope LIKE 'guild:%' AND value = 'off'", []
        )}

    # -- answers given ------------------------------------------------------------------------

    def claim(self, query_id: int, article_id: str, passage_id: str) -> bool:
        """Record the late answer to ``query_id`` and take it off the waiting list; False when it
        was answered late already (or is gone): then it must not be delivered."""
        log_ = self.querylog
        try:
            with log_._lock, log_.db.conn:
                waiting = log_.db.conn.execute("DELETE FROM late_wait WHERE query_id = ?", [query_id]).rowcount
                if not waiting:
                    return False
                return bool(log_.db.conn.execute(
                    "INSERT OR IGNORE INTO late_answers (query_id, article_id, passage_id, answered_at) VALUES (?, ?, ?, ?)",
                    [query_id, article_id, passage_id, utc_now()],
                ).rowcount)
        except sqlite3.Error as exc:
            raise QueryLogError(problem_message(exc, log_.path or ":memory:", "write to")) from exc

    def delivered(self, query_id: int, how: str) -> None:
        """How the late answer reached the member: ``reply``, ``message``, ``printed``, or why not."""
        self._write("UPDATE late_answers SET delivered = ? WHERE query_id = ?", [how[:200], query_id])

    def answer_of(self, query_id: int) -> dict[str, object] | None:
        rows = self._read(
            "SELECT article_id, passage_id, answered_at, delivered FROM late_answers WHERE query_id = ?", [query_id]
        )
        return dict(zip(("article_id", "passage_id", "answered_at", "delivered"), rows[0])) if rows else None

