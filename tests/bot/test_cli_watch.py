"""`newsdesk watch`: a saved question reports each article that arrives and answers it, once."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlite_utils import Database

from bot.cli import main
from bot.desk import MAX_WATCHES
from tests.paths import FIXTURE_CORPUS

DAMAGE = "harbour-wire-2021-03-15-storm-damage-counted"
COST = "How much did the storm damage in Lumen Bay cost?"
STORM = "What did the storm do in Lumen Bay?"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fixture articles but one (the storm damage, which arrives later): the corpus folder."""
    monkeypatch.chdir(tmp_path)
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURE_CORPUS, corpus)
    (corpus / f"{DAMAGE}.md").rename(tmp_path / f"{DAMAGE}.md")
    monkeypatch.setenv("NEWSDESK_CORPUS", str(corpus))
    monkeypatch.setenv("NEWSDESK_INDEX", str(tmp_path / "index"))
    monkeypatch.setenv("NEWSDESK_DB", str(tmp_path / "log.db"))
    monkeypatch.setenv("NEWSDESK_SEMANTIC", "0")
    return corpus


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _arrives(corpus: Path) -> None:
    (corpus.parent / f"{DAMAGE}.md").rename(corpus / f"{DAMAGE}.md")


def test_an_arriving_article_is_reported_once_to_each_watch_it_answers(env: Path) -> None:
    added = run("watch", "add", COST)
    assert added.exit_code == 0 and "watching #1" in added.stdout and "nothing answers it yet" in added.stdout
    assert "4 article(s) answer it already" in run("watch", "add", STORM).stdout
    quiet = run("watch", "check")
    assert quiet.exit_code == 0 and quiet.stdout.strip() == "checked 2 watch(es): 0 with new articles"

    _arrives(env)
    first = run("watch", "check", "--json")
    reports = [json.loads(line) for line in first.stdout.splitlines()]
    assert [r["watch"] for r in reports] == [1, 2]
    # Only the new article: the ones on the archive when the watch began are not news, even for
    # the question nothing answered then.
    assert all([x["article_id"] for x in r["results"]] == [DAMAGE] for r in reports)
    assert all(r["results"][0]["source"] == "Harbour Wire" and r["results"][0]["published"] == "2021-03-15" for r in reports)
    assert run("watch", "check").stdout.strip() == "checked 2 watch(es): 0 with new articles", "never twice"
    hits = list(Database(env.parent / "log.db")["watch_hits"].rows_where("reported = 1"))
    assert sorted((h["watch_id"], h["article_id"]) for h in hits) == [(1, DAMAGE), (2, DAMAGE)]


def test_the_text_report_cites_each_new_article_after_its_date(env: Path) -> None:
    run("watch", "add", COST)
    _arrives(env)
    text = run("watch", "check").stdout
    assert text.startswith(f"#1 {COST}: 1 new article(s)\n2021-03-15  ")
    assert "\u2014 Harbour Wire, \u201cLumen Bay counts the cost of the February storm\u201d, 2021-03-15" in text
    assert text.rstrip().endswith("checked 1 watch(es): 1 with new articles")


def test_watches_are_listed_and_stopped_and_a_stopped_one_reports_nothing(env: Path) -> None:
    run("watch", "add", COST, "--outlet", "harbour")
    run("watch", "add", STORM)
    listed = run("watch", "list").stdout.splitlines()
    assert len(listed) == 2 and listed[0].startswith("#1  ") and "[outlet harbour]" in listed[0]
    assert run("watch", "stop", "1").stdout.strip() == "stopped watch #1"
    again = run("watch", "stop", "1")
    assert again.exit_code == 1 and "no active watch 1" in again.output
    assert [w["id"] for w in json.loads(run("watch", "list", "--json").stdout)] == [2]
    everything = json.loads(run("watch", "list", "--all", "--json").stdout)
    assert everything[0]["stopped_at"] and everything[0]["filters"] == {"outlet": "harbour"}
    _arrives(env)
    reports = [json.loads(line) for line in run("watch", "check", "--json").stdout.splitlines()]
    assert [r["watch"] for r in reports] == [2]


def test_filters_narrow_a_watch(env: Path) -> None:
    run("watch", "add", COST, "--outlet", "Valley Post")
    _arrives(env)
    assert run("watch", "check").stdout.strip() == "checked 1 watch(es): 0 with new articles"


def test_bad_input_is_one_line_and_saves_nothing(env: Path) -> None:
    assert run("watch", "add", COST, "--since", "soon").exit_code == 2
    unknown = run("watch", "add", COST, "--outlet", "Reuters")
    assert unknown.exit_code == 2 and "known outlets" in unknown.output
    assert run("watch", "add", " ").exit_code == 1
    assert "no watches" in run("watch", "list").stdout


def test_a_place_holds_at_most_so_many_watches(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.desk.watches.MAX_WATCHES", 2)
    run("watch", "add", COST)
    run("watch", "add", STORM)
    third = run("watch", "add", "Why did engineers open the spillway?")
    assert third.exit_code == 1 and "stop one first" in third.output
    run("watch", "stop", "1")
    assert run("watch", "add", "Why did engineers open the spillway?").exit_code == 0
    assert MAX_WATCHES >= 10


def test_a_servers_watches_show_the_states_members_see_and_resume_from_the_command_line(env: Path) -> None:
    from bot.querylog import QueryLog, WatchRecord

    server = 111111111111111111
    querylog = QueryLog.open(env.parent / "log.db")
    dm = querylog.add_watch(WatchRecord(COST, "discord", 333333333333333333, server, 5, delivery="dm"))
    querylog.add_watch(WatchRecord(STORM, "discord", 333333333333333333, server, 5, delivery="channel"))
    querylog.pause_watch(dm["id"], "Discord refused the DM")
    assert "no watches" in run("watch", "list").stdout, "the command line's own are apart"
    listed = run("watch", "list", "--server", str(server)).stdout.splitlines()
    assert len(listed) == 2 and "by DM" in listed[0] and "(paused " in listed[0] and "Discord refused the DM" in listed[0]
    assert "in channel 5" in listed[1] and "paused" not in listed[1]
    states = [w["state"] for w in json.loads(run("watch", "list", "--server", str(server), "--json").stdout)]
    assert states == ["paused", "running"]
    assert run("watch", "resume", str(dm["id"])).exit_code == 1, "not the command line's"
    resumed = run("watch", "resume", str(dm["id"]), "--server", str(server))
    assert resumed.exit_code == 0 and resumed.stdout.startswith(f"resumed watch #{dm['id']}: {COST}")
    assert "paused" not in run("watch", "list", "--server", str(server)).stdout
