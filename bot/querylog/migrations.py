"""The query log's migrations: each schema change, in order (:data:`MIGRATIONS`).

:func:`bot.querylog.schema.migrate` applies the pending ones, each in one transaction with its
record in ``_migrations``; a migration's name, once released, never changes meaning. This module
knows only SQL: it imports nothing else of the log.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from sqlite_utils import Database


def table_columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]


_QUERIES_TABLE = """CREATE TABLE "queries" (
   "id" INTEGER PRIMARY KEY,
   "asked_at" TEXT NOT NULL,
   "interface" TEXT NOT NULL,
   "user_id" TEXT,
   "guild_id" TEXT,
   "channel_id" TEXT,
   "question" TEXT NOT NULL,
   "answered" INTEGER NOT NULL,
   "result_count" INTEGER,
   "article_ids" TEXT,
   "passage_ids" TEXT,
   "scores" TEXT,
   "top_score" REAL,
   "latency_ms" REAL
)"""

# Migrations are plain SQL on the connection: sqlite-utils' helpers manage transactions of
# their own, and a migration must share the one transaction that records it.


def _migration_1_queries(db: Database) -> None:
    db.conn.execute(_QUERIES_TABLE)
    db.conn.execute('CREATE INDEX "idx_queries_asked_at" ON "queries" ("asked_at")')
    db.conn.execute('CREATE INDEX "idx_queries_answered_asked_at" ON "queries" ("answered", "asked_at")')


def _migration_2_feedback(db: Database) -> None:
    db.conn.execute(
        """CREATE TABLE "feedback" (
   "query_id" INTEGER REFERENCES "queries"("id"),
   "user_id" TEXT,
   "value" INTEGER NOT NULL,
   "given_at" TEXT NOT NULL,
   PRIMARY KEY ("query_id", "user_id")
)"""
    )


def _columns(table: str, *names: str) -> Callable[[Database], None]:
    """A migration adding TEXT columns ``names`` to ``table`` (NULL in the rows already there)."""

    def add(db: Database) -> None:
        for name in names:
            db.conn.execute(f'ALTER TABLE "{table}" ADD COLUMN "{name}" TEXT')

    return add


def _migration_5_versions(db: Database) -> None:
    # Which newsdesk applied each migration, so an older one can say which version a log needs.
    if "newsdesk_version" not in table_columns(db.conn, "_migrations"):
        db.conn.execute('ALTER TABLE "_migrations" ADD COLUMN "newsdesk_version" TEXT')


def _migration_6_archive_actions(db: Database) -> None:
    # What moderators did to the archive from Discord (/archive add, remove): who and when.
    db.conn.execute(
        """CREATE TABLE "archive_actions" (
   "id" INTEGER PRIMARY KEY,
   "done_at" TEXT NOT NULL,
   "user_id" TEXT,
   "action" TEXT NOT NULL,
   "article_id" TEXT NOT NULL,
   "title" TEXT,
   "url" TEXT
)"""
    )


def _migration_8_guild_index(db: Database) -> None:
    # Every /querylog review reads one server's questions of a period: without this index a
    # small server on a bot that a large one shares reads through all of the large one's.
    db.conn.execute('CREATE INDEX "idx_queries_guild_asked_at" ON "queries" ("guild_id", "asked_at")')


def _migration_9_watches(db: Database) -> None:
    # Saved questions (newsdesk watch): each is checked against the archive as articles
    # arrive; watch_hits holds every article a watch has met, once: those on the archive when
    # it began (reported 0, not news) and those reported since (1), so none is reported twice.
    db.conn.execute(
        """CREATE TABLE "watches" (
   "id" INTEGER PRIMARY KEY,
   "created_at" TEXT NOT NULL,
   "interface" TEXT NOT NULL,
   "user_id" TEXT,
   "guild_id" TEXT,
   "channel_id" TEXT,
   "question" TEXT NOT NULL,
   "filters" TEXT,
   "stopped_at" TEXT
)"""
    )
    db.conn.execute(
        """CREATE TABLE "watch_hits" (
   "watch_id" INTEGER NOT NULL REFERENCES "watches"("id") ON DELETE CASCADE,
   "article_id" TEXT NOT NULL,
   "seen_at" TEXT NOT NULL,
   "reported" INTEGER NOT NULL,
   PRIMARY KEY ("watch_id", "article_id")
)"""
    )


def _migration_10_late_answers(db: Database) -> None:
    # Late answers (bot.querylog.late_store). late_wait: a question the archive could not
    # answer, waiting (one row per question, gone with it: answered late, 30 days old,
    # forgotten, purged) with what a late answer needs only: the message to reply to, the
    # question's analysed terms, a keyed hash of who asked (forget and "off" find it under every
    # privacy setting), the member's id only when they asked to be pinged. late_answers: each
    # late answer, once per question (written before the reply is sent). late_settings: who
    # turned late answers off (or asked for a ping): a member (the keyed hash) or a server.
    db.conn.execute(
        """CREATE TABLE "late_wait" (
   "query_id" INTEGER PRIMARY KEY REFERENCES "queries"("id") ON DELETE CASCADE,
   "message_id" TEXT,
   "asker" TEXT,
   "notify" TEXT,
   "terms" TEXT NOT NULL,
   "until" TEXT NOT NULL
)"""
    )
    db.conn.execute('CREATE INDEX "idx_late_wait_until" ON "late_wait" ("until")')
    db.conn.execute(
        """CREATE TABLE "late_answers" (
   "query_id" INTEGER PRIMARY KEY REFERENCES "queries"("id") ON DELETE CASCADE,
   "article_id" TEXT NOT NULL,
   "passage_id" TEXT,
   "answered_at" TEXT NOT NULL,
   "delivered" TEXT
)"""
    )
    db.conn.execute(
        """CREATE TABLE "late_settings" (
   "scope" TEXT PRIMARY KEY,
   "value" TEXT NOT NULL,
   "set_at" TEXT NOT NULL
)"""
    )


# (name, function) in order; a name, once released, never changes meaning. Each runs in one
# transaction with its record in _migrations: a log has all of a migration or none of it.
MIGRATIONS: list[tuple[str, Callable[[Database], None]]] = [
    ("0001_queries", _migration_1_queries),
    ("0002_feedback", _migration_2_feedback),
    # The /ask filters (outlet, since, until) as JSON, so "More" pages the same search.
    ("0003_filters", _columns("queries", "filters")),
    # Why a question went unanswered, as a code ("not_english", "not_covered", "no_terms").
    ("0004_reason", _columns("queries", "reason")),
    ("0005_migration_versions", _migration_5_versions),
    ("0006_archive_actions", _migration_6_archive_actions),
    # Questions refused before any search (a bad filter, an over-long question): the message
    # the member was shown. NULL for questions that were searched, so "unanswered" stays
    # what the archive could not answer.
    ("0007_rejected", _columns("queries", "rejected")),
    ("0008_guild_index", _migration_8_guild_index),
    ("0009_watches", _migration_9_watches),
    ("0010_late_answers", _migration_10_late_answers),
    # Watches made in Discord (/watch): where they post (delivery 'channel' or 'dm'; NULL for the
    # command line's, which `newsdesk watch check` reports), the member a DM goes to, and a pause
    # (a post Discord refused, too many posts in a day) with why; resumed, both are NULL again.
    ("0011_watch_delivery", _columns("watches", "delivery", "deliver_to", "paused_at", "paused_reason")),
    # The server's and the channel's names when the question was asked (Discord knows them),
    # so reviews show names, not ids; NULL where none was known (older rows, the CLI, DMs).
    ("0012_place_names", _columns("queries", "guild_name", "channel_name")),
]
