"""`newsdesk archive list|recent|remove` (the command line's /archive) and `newsdesk ingest --json`."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from tests.paths import HTML_DIR, ROOT

PIER_TITLE = "Harbour Town council votes to rebuild the old pier"


@pytest.fixture
def corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", folder, ignore=shutil.ignore_patterns(".*"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NEWSDESK_CORPUS", str(folder))
    monkeypatch.setenv("NEWSDESK_DB", str(tmp_path / "log.db"))
    monkeypatch.setenv("NEWSDESK_READER", "off")
    monkeypatch.delenv("NEWSDESK_INDEX", raising=False)
    return folder


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_list_shows_every_article_newest_first_and_narrows_to_an_outlet(corpus: Path) -> None:
    listed = run("archive", "list")
    assert listed.exit_code == 0
    lines = listed.stdout.splitlines()
    assert len(lines) == len(list(corpus.glob("*.md")))
    dates = [line.split("  ")[1] for line in lines]
    assert dates == sorted(dates, reverse=True)
    assert lines[-1].startswith("dw-2014-01-06-iran-offers-help-to-iraq  2014-01-06  DW, \u201cIran offers help to Iraq\u201d")
    dw = json.loads(run("archive", "list", "--outlet", "dw", "--json").stdout)["articles"]
    assert [a["outlet"] for a in dw] == ["DW", "DW"] and dw[0]["published"] > dw[1]["published"]
    assert set(dw[0]) == {"id", "outlet", "title", "published", "url", "file"}
    nothing = run("archive", "list", "--outlet", "Reuters")
    assert nothing.exit_code == 0 and nothing.stdout == "no articles from an outlet named like 'Reuters' in the archive\n"


def test_recent_shows_the_article_just_added_first_and_remove_takes_it_out(corpus: Path) -> None:
    added = json.loads(run("ingest", str(HTML_DIR / "article.html"), "--json").stdout)
    (article,) = added["added"]
    recent = json.loads(run("archive", "recent", "2", "--json").stdout)["articles"]
    assert len(recent) == 2 and recent[0]["id"] == article["id"] and recent[0]["title"] == PIER_TITLE
    assert run("archive", "recent", "1").stdout.startswith(f"{article['id']}  2024-03-05  The Coastal Ledger, \u201c{PIER_TITLE}\u201d")

    removed = run("archive", "remove", article["id"])
    assert removed.exit_code == 0, removed.output
    kept = corpus / ".removed" / f"{article['id']}.md"
    assert removed.stdout.splitlines()[:2] == [
        f"removed {article['id']}  2024-03-05  The Coastal Ledger, \u201c{PIER_TITLE}\u201d",
        f"  kept as {kept} (move it back into the corpus folder to undo)",
    ]
    assert kept.is_file() and not (corpus / f"{article['id']}.md").exists()
    asked = json.loads(run("ask", "Why was the old pier closed?", "--json", "--no-log").stdout)
    assert all(r["title"] != PIER_TITLE for r in asked["results"])  # no longer searchable


def test_removing_an_id_that_is_not_there_is_one_line_and_moves_nothing(corpus: Path) -> None:
    before = sorted(p.name for p in corpus.glob("*.md"))
    result = CliRunner().invoke(main, ["archive", "remove", "no-such-article"])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "Error: no article with id 'no-such-article' in the corpus (see /archive recent for ids)"
    ]
    assert sorted(p.name for p in corpus.glob("*.md")) == before and not (corpus / ".removed").exists()


def test_remove_json_says_what_was_removed_and_where_it_is_kept(corpus: Path) -> None:
    target = "dw-2014-01-06-iran-offers-help-to-iraq"
    found = json.loads(run("archive", "remove", target, "--json").stdout)
    assert found["removed"]["id"] == target and found["kept"] == str(corpus / ".removed" / f"{target}.md")
    assert found["index"] in ("updated", "pending")


def test_ingest_json_is_one_object_with_each_page_in_its_place(corpus: Path, tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    shutil.copy(HTML_DIR / "article.html", pages / "pier.html")
    shutil.copy(HTML_DIR / "article.html", pages / "pier-copy.html")  # the same article again
    os.mkfifo(pages / "pipe.html")
    result = CliRunner().invoke(main, ["ingest", str(pages), "--json"])
    assert result.exit_code == 1  # a page failed
    found = json.loads(result.stdout)  # exactly one JSON object, nothing else on stdout
    assert [a["title"] for a in found["added"]] == [PIER_TITLE] and found["added"][0]["page"] == str(pages / "pier-copy.html")
    assert found["added"][0]["file"] == str(corpus / f"{found['added'][0]['id']}.md") and not found["added"][0]["replaced"]
    (skipped,) = found["skipped"]
    assert skipped["page"] == str(pages / "pier.html") and skipped["reason"] == "already in the corpus"
    assert skipped["existing"] == found["added"][0]["file"]
    (failed,) = found["failed"]
    assert failed["reason"] == "not a regular file" and failed["page"] == str(pages / "pipe.html")
    assert found["summary"].startswith("1 added, 1 skipped (1 already in the corpus), 1 failed (1 not a regular file)")
    assert found["index"]["state"] in ("updated", "pending") and found["interrupted"] is False
    assert found["feed_state_problem"] is None


def test_a_removal_on_the_command_line_is_recorded_like_one_in_discord(corpus: Path, tmp_path: Path) -> None:
    from bot.querylog import QueryLog, open_reader

    QueryLog.open(tmp_path / "log.db").db.close()  # the log a bot and the moderators use
    target = "dw-2014-01-06-iran-offers-help-to-iraq"
    removed = run("archive", "remove", target)
    assert removed.exit_code == 0 and removed.stderr == ""
    rows = list(open_reader(tmp_path / "log.db").query("SELECT user_id, action, article_id, title FROM archive_actions"))
    assert rows == [{"user_id": "cli", "action": "remove", "article_id": target, "title": "Iran offers help to Iraq"}]


def test_a_removal_stands_when_the_log_cannot_record_it_and_no_log_is_created(corpus: Path, tmp_path: Path) -> None:
    assert run("archive", "remove", "dw-2014-01-06-iran-offers-help-to-iraq").exit_code == 0
    assert not (tmp_path / "log.db").exists()  # no log: nothing to record in, none made
    (tmp_path / "log.db").write_bytes(b"not a database" * 100)
    result = CliRunner().invoke(main, ["archive", "remove", "dw-2014-10-21-iran-pledges-to-help-iraq-against-is-militants"])
    assert result.exit_code == 0
    (line,) = result.stderr.splitlines()
    assert line.startswith("warning: the removal is done but not recorded in the query log: ")
    assert (corpus / ".removed" / "dw-2014-10-21-iran-pledges-to-help-iraq-against-is-militants.md").is_file()
