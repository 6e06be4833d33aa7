"""Server and channel names in the log and the reviews: logged with each question from Discord
(through the stand-in), shown by the dashboard's pages and the stats' busiest channels, with
an id only where no name is known."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from click.testing import CliRunner

from bot.client import NewsdeskBot
from bot.logs_cli import logs
from bot.querylog import QueryLog, QueryRecord, open_reader, queries
from bot.querylog.functions import register_functions
from bot.querylog.canned import CANNED_QUERIES
from tests.bot.test_discord_bot import archive, ask, log_path, rows, running  # noqa: F401  (pytest fixtures)
from tests.discord_standin import FakeDiscord
from tests.discord_standin import fake_discord  # noqa: F401  (pytest fixture)

QUESTION = "What did the storm do in Lumen Bay?"


async def test_a_question_from_discord_is_logged_with_its_server_and_channel_names(
    fake_discord: FakeDiscord, running: NewsdeskBot, log_path: Path
) -> None:
    fake = fake_discord
    _, answer = await ask(fake, QUESTION)
    assert answer.embeds, answer.content
    await fake.send_message(f"<@{fake.bot_user.id}> {QUESTION}", channel=fake.mod_channel)
    await fake.wait_for(lambda: len(rows(log_path)) == 2, what="both questions logged")
    slash, mention = rows(log_path)
    assert (slash["guild_id"], slash["channel_id"]) == (str(fake.guild.id), str(fake.channel.id))  # the ids stay
    assert (slash["guild_name"], slash["channel_name"]) == ("Stand-in Guild", "general")
    assert (mention["guild_name"], mention["channel_name"]) == ("Stand-in Guild", "mod-log")


def _page(path: Path, name: str, **params: object) -> list[dict]:
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    register_functions(conn)
    try:
        return [dict(row) for row in conn.execute(CANNED_QUERIES[name][2], {"days": "", **params})]
    finally:
        conn.close()


def _log(path: Path) -> None:
    log = QueryLog.open(path)
    named = QueryRecord("Who won the Oslo open?", False, "discord", 1, "5", "10", reason="not_covered",
                        asked_at="2024-05-01T09:00:00.000Z")
    log.record(named)
    log.db.execute("UPDATE queries SET guild_name = 'Newsroom', channel_name = 'ask-the-archive' WHERE id = 1")
    log.db.conn.commit()
    # An older row (before names were kept), another channel: ids only.
    log.record(QueryRecord("What did Iran offer Iraq?", True, "discord", 2, "5", "11", asked_at="2024-05-01T10:00:00.000Z"))
    log.record(QueryRecord("ferries to Corvo?", False, "cli", reason="not_covered", asked_at="2024-05-01T11:00:00.000Z"))
    log.db.close()


def test_the_dashboard_pages_show_names_and_an_id_only_where_no_name_is_known(tmp_path: Path) -> None:
    path = tmp_path / "newsdesk.db"
    _log(path)
    where = {row["question"]: row["asked_in"] for row in _page(path, "recent")}
    assert where == {"Who won the Oslo open?": "Newsroom \u203a #ask-the-archive", "What did Iran offer Iraq?": "#11",
                     "ferries to Corvo?": "cli"}
    assert [row["asked_in"] for row in _page(path, "unanswered")] == ["cli", "Newsroom \u203a #ask-the-archive"]
    assert _page(path, "question", id=1)[0]["asked_in"] == "Newsroom \u203a #ask-the-archive"


def test_busiest_channels_name_the_channel(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "newsdesk.db"
    _log(path)
    db = open_reader(path)
    try:
        labels = [(c.label(), c.questions) for c in queries.stats(db).busiest_channels]
    finally:
        db.close()
    assert sorted(labels) == [("#11", 1), ("Newsroom \u203a #ask-the-archive", 1)]
    monkeypatch.setenv("NEWSDESK_DB", str(path))
    text = CliRunner().invoke(logs, ["stats"]).stdout
    assert "Newsroom \u203a #ask-the-archive  1" in text and "#11 (server 5)  1" in text
