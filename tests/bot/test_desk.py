"""The desk is the only door: validation, asking, More with the saved filters, votes, lazy loading."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database

from bot.desk import MAX_RESULTS, Desk, EmptyArchive, LogNotOpen, UnknownOutlet
from bot.querylog import QueryLog
from retrieval.answer.answerer import Question, QuestionError, validate_question
from retrieval.archive import Archive
from retrieval.answer.filters import FilterError, Filters
from retrieval.store.saved import load_or_build

ROOT = Path(__file__).resolve().parents[2]
BROAD = "Iran Iraq Islamic State militants"


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Archive:
    return load_or_build(ROOT / "corpus", tmp_path_factory.mktemp("index"))  # not the checkout's corpus/.index


@pytest.fixture
def desk(archive: Archive) -> Desk:
    return Desk(archive, QueryLog(Database(memory=True)), results=3)


def test_validate_checks_the_question_and_the_filters_before_any_work(desk: Desk) -> None:
    checked = desk.validate("  Did Iran   send troops? ", "DW", "2014-01-01")
    assert checked.filters == Filters.parse("DW", "2014-01-01")
    assert checked.question == "Did Iran send troops?"
    with pytest.raises(QuestionError, match="empty"):
        desk.validate("   ")
    with pytest.raises(FilterError, match="since must be a date like 2014-08-20"):
        desk.validate("Iran?", since="last week")
    with pytest.raises(FilterError, match="swap them"):
        desk.validate("Iran?", since="2015-01-01", until="2014-01-01")


def test_more_continues_the_same_search_with_the_saved_filters(desk: Desk) -> None:
    filters = Filters.parse("DW")
    asked = desk.ask(BROAD, filters=filters, more=6)
    assert asked.query_id is not None and asked.answer.more
    page = desk.more(asked.query_id, 3, 3)
    assert page is not None and page.excerpts
    assert all(e.source == "DW" for e in page.excerpts)
    first_page = {(e.article_id, e.excerpt) for e in asked.answer.results}
    assert not first_page & {(e.article_id, e.excerpt) for e in page.excerpts}
    unfiltered = desk.ask(BROAD, more=6)
    assert any(e.source != "DW" for e in unfiltered.answer.results + unfiltered.answer.more)


def test_more_stops_at_the_cap_and_knows_an_unknown_question(desk: Desk) -> None:
    asked = desk.ask(BROAD, more=20)
    assert asked.query_id is not None
    last = desk.more(asked.query_id, MAX_RESULTS - 3, 3)
    assert last is not None and last.next_start is None
    assert len(last.excerpts) + last.start <= MAX_RESULTS
    assert desk.more(9999, 3, 3) is None


def test_votes_go_through_the_desk_and_need_a_log(desk: Desk, archive: Archive) -> None:
    asked = desk.ask(BROAD)
    desk.vote(asked.query_id, 7, 1)  # type: ignore[arg-type]
    desk.vote(asked.query_id, 7, -1)  # type: ignore[arg-type]  (a changed mind replaces the vote)
    assert desk.read_log(lambda db: [r["value"] for r in db["feedback"].rows]) == [-1]
    with pytest.raises(LogNotOpen):
        Desk(archive, None).vote(1, 7, 1)


def test_a_lazy_archive_is_loaded_once_on_first_use(archive: Archive) -> None:
    loads: list[int] = []

    def load() -> Archive:
        loads.append(1)
        return archive

    desk = Desk(load, None)
    desk.validate("Did Iran send troops?")
    assert loads == []
    assert desk.ask("Did Iran send troops to Iraq?").answer.answered
    desk.ask("Who is Fabius?")
    assert loads == [1]


def test_a_vote_for_a_question_no_longer_in_the_log_is_refused(desk: Desk) -> None:
    from bot.querylog import UnknownQuery

    asked = desk.ask(BROAD)
    with desk.querylog.db.conn as conn:  # type: ignore[union-attr]
        conn.execute("DELETE FROM queries")
    with pytest.raises(UnknownQuery, match="no longer in the query log"):
        desk.vote(asked.query_id or 0, 7, 1)
    assert desk.querylog.db["feedback"].count == 0  # type: ignore[union-attr]


def test_a_rejected_question_is_logged_with_its_reason_and_not_as_unanswered(desk: Desk) -> None:
    from bot.querylog import queries

    with pytest.raises(FilterError) as caught:
        desk.validate(BROAD, since="yesterday")
    desk.reject(BROAD, caught.value, user_id=7)
    [row] = desk.querylog.db["queries"].rows  # type: ignore[union-attr]
    assert (row["reason"], row["answered"], row["user_id"]) == ("invalid_filter", 0, "7")
    assert "since must be a date" in row["rejected"]
    assert queries.unanswered(desk.querylog.db) == []  # type: ignore[union-attr]


def test_a_dm_question_is_paged_from_its_dm_even_when_its_channel_was_not_logged(archive: Archive) -> None:
    from bot.desk import Place

    desk = Desk(archive, QueryLog(Database(memory=True), user_ids="none"), results=3)
    asked = desk.ask(BROAD, more=6, interface="discord", user_id=7, channel_id=70)  # a DM: no server
    assert asked.query_id is not None
    assert desk.more(asked.query_id, 3, 3, Place(None, 70)) is not None
    assert desk.more(asked.query_id, 3, 3, Place(1, 70)) is None  # the same id pressed in a server


def test_a_question_is_paged_from_a_thread_started_on_its_answer_but_not_from_another_channel(desk: Desk) -> None:
    from bot.desk import Place

    asked = desk.ask(BROAD, more=6, interface="discord", user_id=7, guild_id=1, channel_id=10)
    assert asked.query_id is not None
    assert desk.more(asked.query_id, 3, 3, Place(1, 10)) is not None
    assert desk.more(asked.query_id, 3, 3, Place(1, 99, parent_id=10)) is not None  # a thread of #10
    assert desk.more(asked.query_id, 3, 3, Place(1, 11)) is None
    assert desk.more(asked.query_id, 3, 3, Place(2, 10)) is None


def test_a_question_is_validated_once_on_its_way_from_the_interface_to_the_archive(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.desk.base
    import bot.desk.questions
    import retrieval.answer.answerer as answerer

    calls: list[str] = []

    def counted(question: str, *args: Any) -> Question:
        calls.append(question)
        return validate_question(question, *args)

    monkeypatch.setattr(bot.desk.questions, "validate_question", counted)  # validate
    monkeypatch.setattr(bot.desk.base, "validate_question", counted)  # ask, on its way to the archive
    monkeypatch.setattr(answerer, "validate_question", counted)
    checked = desk.validate("Did Iran  send troops to Iraq?")
    asked = desk.ask(checked.question, filters=checked.filters)
    assert asked.answer.answered and asked.answer.question == "Did Iran send troops to Iraq?"
    assert calls == ["Did Iran  send troops to Iraq?"]
    desk.ask("Did Iran send troops to Iraq?")  # typed straight to the desk (a script): checked there, once
    assert len(calls) == 2


def test_the_desk_raises_an_unknown_outlet_and_logs_nothing_itself(desk: Desk) -> None:
    with pytest.raises(UnknownOutlet) as caught:
        desk.ask(BROAD, filters=Filters(outlet="Nowhere Times"))
    assert desk.querylog.db["queries"].count == 0  # type: ignore[union-attr]
    desk.reject(BROAD, caught.value, filters=Filters(outlet="Nowhere Times"))  # what the interface does, once
    [row] = desk.querylog.db["queries"].rows  # type: ignore[union-attr]
    assert row["reason"] == "unknown_outlet" and "Nowhere Times" in row["rejected"]


def test_an_empty_archive_is_not_logged_as_a_refused_question() -> None:
    desk = Desk(Archive.build([]), QueryLog(Database(memory=True)))
    with pytest.raises(EmptyArchive) as caught:
        desk.ask(BROAD)
    assert desk.reject(BROAD, caught.value) is None
    assert desk.querylog.db["queries"].count == 0  # type: ignore[union-attr]
