"""The schema: migrations run once, in order, and a reader sees an older log at the current schema."""

from __future__ import annotations

from pathlib import Path

from sqlite_utils import Database

from bot.querylog import MIGRATIONS, open_reader, queries
from bot.querylog.schema import migrate, pending


def test_migrations_run_once_and_are_recorded() -> None:
    db = Database(memory=True)
    assert migrate(db) == [name for name, _ in MIGRATIONS]
    assert migrate(db) == [] and pending(db) == []
    assert [r["name"] for r in db["_migrations"].rows] == [name for name, _ in MIGRATIONS]


def test_a_reader_brings_a_log_from_an_older_newsdesk_up_to_date(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = Database(path)
    old["_migrations"].create({"name": str, "applied_at": str}, pk="name")
    for name, apply in MIGRATIONS[:2]:  # written before /ask had filters
        apply(old)
        old["_migrations"].insert({"name": name, "applied_at": "2024-01-01T00:00:00.000Z"})
    old.execute("INSERT INTO queries (asked_at, interface, question, answered) VALUES ('2024-05-01', 'cli', 'old one', 1)")
    old.conn.commit()
    old.close()

    reader = open_reader(path)
    assert [q.question for q in queries.recent(reader)] == ["old one"]  # reads the filters column
    assert pending(reader) == []

