"""Watches in the query log: saved questions, the articles each has met, and their pauses.

:class:`WatchStore` is part of :class:`~bot.querylog.writer.QueryLog` (it uses the log's
connection, lock and privacy setting). Guarantees:

- Scope: every read or change names a server (``guild_id``; None is the command line's
  watches), so a server never sees, stops or resumes another's.
- Once: :meth:`WatchStore.report_watch` records an article for a watch in the same transaction
  that tells the caller it is new, so each article is reported to a watch at most once,
  whoever checks, whatever restarts.
- Who: the owner is stored as the privacy setting stores a user (``plain`` the id, ``hashed``
  its keyed hash); under ``none`` a keyed digest of the log's vote key (``anon:``), so members
  can find and stop their own watches but the log names nobody. A watch delivered by DM also
  keeps the member's id in ``deliver_to``, whatever the setting: it is how the bot reaches them
  (``logs forget`` removes it with the watch).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from sqlite_utils import Database

from bot.querylog.schema import QueryLogError, problem_message, utc_now

# How a watch made in Discord posts; the command line's have none (``newsdesk watch check`` reports them).
DELIVERIES = ("channel", "dm")


@dataclass(frozen=True)
class WatchRecord:
    """A question to watch, who saved it and where, how it is delivered, and the articles that
    answer it already (on the archive when it began: not news, never reported)."""

    question: str
    interface: str = "cli"
    user_id: int | str | None = None
    guild_id: int | str | None = None
    channel_id: int | str | None = None
    filters: Mapping[str, str] | None = None
    already: Sequence[str] = ()
    delivery: str | None = None  # "channel", "dm", or None (the command line)


def _place(guild_id: int | str | None) -> str | None:
    return None if guild_id is None else str(guild_id)


class WatchStore:
    """The watch tables of the log (mixed into QueryLog, which provides what is declared here)."""

    db: Database
    _lock: threading.Lock

    @property
    def path(self) -> str:  # pragma: no cover - QueryLog's
        raise NotImplementedError

    def user_key(self, user_id: int | str | None) -> str | None:  # pragma: no cover - QueryLog's
        raise NotImplementedError

    def vote_secret(self, *, create: bool = True) -> bytes | None:  # pragma: no cover - QueryLog's
        raise NotImplementedError

    def _channel(self, entry: WatchRecord) -> str | None:  # pragma: no cover - QueryLog's
        raise NotImplementedError

    @contextlib.contextmanager
    def _changing(self) -> Iterator[sqlite3.Connection]:
        """One write transaction under the log's lock; an SQLite failure as a QueryLogError."""
        try:
            with self._lock, self.db.conn:
                yield self.db.conn
        except sqlite3.Error as exc:
            raise QueryLogError(problem_message(exc, self.path or ":memory:", "write to")) from exc

    def _rows(self, sql: str, params: Sequence[object]) -> list[dict]:
        try:
            with self._lock:
                return list(self.db.query(sql, list(params)))
        except sqlite3.Error as exc:
            raise QueryLogError(problem_message(exc, self.path or ":memory:", "read")) from exc

    def owner_key(self, user_id: int | str | None) -> str | None:
        """What a watch stores for its owner (see the module's guarantees)."""
        key = self.user_key(user_id)
        if key is None and user_id is not None:
            secret = self.vote_secret()
            assert secret is not None
            key = anonymous_owner_key(secret, user_id)
        return key

    def add_watch(self, entry: WatchRecord) -> dict:
        """Save a watch and the articles that answer it already (met, not reported); its row."""
        if entry.delivery not in (None, *DELIVERIES):
            raise ValueError(f"delivery must be one of {DELIVERIES} or None, not {entry.delivery!r}")
        row = {
            "created_at": utc_now(),
            "interface": entry.interface,
            "user_id": self.owner_key(entry.user_id) if entry.delivery else self.user_key(entry.user_id),
            "guild_id": _place(entry.guild_id),
            "channel_id": self._channel(entry),
            "question": entry.question,
            "filters": json.dumps(dict(entry.filters)) if entry.filters else None,
            "delivery": entry.delivery,
            "deliver_to": str(entry.user_id) if entry.delivery == "dm" else None,
        }
        with self._changing() as conn:
            cursor = conn.execute(
                f"INSERT INTO watches ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})", list(row.values())
            )
            watch_id = int(cursor.lastrowid or 0)
            self._met(watch_id, entry.already, reported=False)
        return {**row, "id": watch_id, "stopped_at": None, "paused_at": None, "paused_reason": None}

    def watches(self, *, guild_id: int | str | None = None, active: bool = True, owner: str | None = None) -> list[dict]:
        """The watches of a server (None: those made outside any, the command line's), oldest
        first: those not stopped (paused ones too), or all with ``active`` False; only
        ``owner``'s (an :meth:`owner_key`) when given."""
        where = "guild_id IS ?" + (" AND stopped_at IS NULL" if active else "")
        params: list[object] = [_place(guild_id)]
        if owner is not None:
            where += " AND user_id = ?"
            params.append(owner)
        return self._rows(f"SELECT * FROM watches WHERE {where} ORDER BY id", params)

    def delivering_watches(self) -> list[dict]:
        """Every server's watches that post (made in Discord), running (not stopped, not paused), oldest first."""
        return self._rows(
            "SELECT * FROM watches WHERE delivery IS NOT NULL AND stopped_at IS NULL AND paused_at IS NULL ORDER BY id", ()
        )

    def _change(self, sql: str, watch_id: int, guild_id: int | str | None, owner: str | None, *values: object) -> bool:
        """Run ``UPDATE watches SET ... WHERE id AND guild [AND owner] AND <sql's own>``; whether a row changed."""
        params: list[object] = [*values, watch_id, _place(guild_id)]
        if owner is not None:
            sql += " AND user_id = ?"
            params.append(owner)
        with self._changing() as conn:
            return conn.execute(sql, params).rowcount > 0

    def stop_watch(self, watch_id: int, *, guild_id: int | str | None = None, owner: str | None = None) -> bool:
        """Stop watch ``watch_id`` of that server (``owner``'s, when given); False when there is no such watch there."""
        return self._change(
            "UPDATE watches SET stopped_at = ? WHERE id = ? AND guild_id IS ? AND stopped_at IS NULL",
            watch_id, guild_id, owner, utc_now(),
        )

    def pause_watch(self, watch_id: int, reason: str) -> bool:
        """Pause a running watch, saying why; False when it is stopped or paused already."""
        with self._changing() as conn:
            return conn.execute(
                "UPDATE watches SET paused_at = ?, paused_reason = ? WHERE id = ? AND stopped_at IS NULL AND paused_at IS NULL",
                (utc_now(), reason, watch_id),
            ).rowcount > 0

    def resume_watch(self, watch_id: int, *, guild_id: int | str | None = None, owner: str | None = None) -> bool:
        """Resume a paused watch of that server (``owner``'s, when given); False when there is no such paused watch."""
        return self._change(
            "UPDATE watches SET paused_at = NULL, paused_reason = NULL "
            "WHERE id = ? AND guild_id IS ? AND stopped_at IS NULL AND paused_at IS NOT NULL",
            watch_id, guild_id, owner,
        )

    def report_watch(self, watch_id: int, article_ids: Sequence[str], most: int | None = None) -> list[str]:
        """Of ``article_ids`` (articles that answer watch ``watch_id`` now), those it had not met
        yet, recorded as reported: each article is reported once, whoever checks and when. With
        ``most``, only the first ``most`` new ones are recorded as reported (the rest as met)."""
        with self._changing():
            return self._met(watch_id, article_ids, reported=True, most=most)

    def reported_since(self, watch_id: int, since: str) -> int:
        """How many articles watch ``watch_id`` reported at or after ``since`` (a log time)."""
        rows = self._rows(
            "SELECT count(*) AS n FROM watch_hits WHERE watch_id = ? AND reported = 1 AND seen_at >= ?", (watch_id, since)
        )
        return int(rows[0]["n"])

    def _met(self, watch_id: int, article_ids: Sequence[str], *, reported: bool, most: int | None = None) -> list[str]:
        """Record the articles watch ``watch_id`` had not met (in the caller's transaction); those."""
        new: list[str] = []
        when = utc_now()
        for article_id in dict.fromkeys(article_ids):
            report = reported and (most is None or len(new) < most)
            cursor = self.db.conn.execute(
                "INSERT OR IGNORE INTO watch_hits (watch_id, article_id, seen_at, reported) VALUES (?, ?, ?, ?)",
                (watch_id, article_id, when, int(report)),
            )
            if cursor.rowcount:
                new.append(article_id)
        return new


def anonymous_owner_key(secret: bytes, user_id: int | str) -> str:
    """What ``none`` stores for a watch's owner: the same for each of their watches, not computable without ``secret``."""
    return "anon:" + hmac.new(secret, f"watch:{user_id}".encode(), hashlib.sha256).hexdigest()[:32]
