"""The dashboard's pages as a moderator reads them: the columns they show, in process."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("datasette", reason="pip install -e '.[dashboard]'")
from datasette.app import Datasette  # noqa: E402

from bot.dashboard import HASH_ENV, TEMPLATES_DIR, build_metadata, datasette_command  # noqa: E402
from bot.querylog import QueryLog, QueryRecord  # noqa: E402
from tests.bot.dashboards import site_fixture, write_log  # noqa: E402


site = site_fixture(login=False)  # the plugins as `newsdesk dashboard` registers them without a password


@pytest.fixture
def datasette(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, site: Any) -> Datasette:
    monkeypatch.delenv(HASH_ENV, raising=False)
    path = tmp_path / "newsdesk.db"
    write_log(
        path,
        QueryRecord("Who won the Oslo chess open?", False, "discord", 1, 5, 10, reason="not_covered", asked_at="2024-05-01T09:00:00.000Z"),
        QueryRecord("did iran send troops", False, "cli", reason="not_covered", filters={"outlet": "dw"}, asked_at="2024-05-01T10:00:00.000Z"),
        QueryRecord("Quelle heure est-il?", False, "cli", reason="not_english", asked_at="2024-05-01T11:00:00.000Z"),
        QueryRecord("What did Iran offer Iraq?", True, "cli", asked_at="2024-05-01T12:00:00.000Z"),
    )
    # As `newsdesk dashboard` serves it (datasette_command passes TEMPLATES_DIR).
    return Datasette([str(path)], metadata=build_metadata("newsdesk"), template_dir=str(TEMPLATES_DIR))


async def test_the_unanswered_page_says_why_and_under_which_filter(datasette: Datasette) -> None:
    answer = await datasette.client.get("/newsdesk/unanswered.json?_shape=objects")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert "why_not" in body["columns"] and "filters" in body["columns"]
    # Nothing that is the same on every unanswered row (answered "no", no results, no score).
    assert not {"answered", "result_count", "top_score"} & set(body["columns"])
    rows = [(r["question"], r["why_not"], r["filters"]) for r in body["rows"]]
    assert rows == [
        ("Quelle heure est-il?", "not English", ""),
        ("did iran send troops", "none under its filter", "from dw"),
        ("Who won the Oslo chess open?", "not covered", ""),
    ]


PAGES = {
    "recent": ["id", "asked", "asked_in", "question", "answered", "why_not", "filters", "up", "down"],
    "unanswered": ["id", "asked", "asked_in", "question", "why_not", "filters"],
    "top_questions": ["latest_wording", "times_asked", "answered", "last_asked_at"],
    "negative_feedback": ["given", "query_id", "question", "answered", "asked_in", "articles"],
    "search": ["id", "asked", "asked_in", "question", "answered", "why_not", "filters", "up", "down"],
}


@pytest.mark.parametrize("page", sorted(PAGES))
async def test_each_page_shows_only_what_a_moderator_reads_and_no_sql(datasette: Datasette, page: str) -> None:
    args = "?text=iran" if page == "search" else ""
    html = await datasette.client.get(f"/newsdesk/{page}{args}")
    assert html.status_code == 200, html.text
    assert 'id="sql-editor"' not in html.text and 'id="sql-query"' not in html.text
    title = html.text.split("<title>")[1].split("</title>")[0]
    assert "SELECT" not in title and title.endswith("· newsdesk")
    assert "_show_sql=1" in html.text  # one click away
    assert 'name="days"' in html.text  # the period box
    joiner = "&" if args else "?"
    data = (await datasette.client.get(f"/newsdesk/{page}.json{args}{joiner}_shape=objects&days=")).json()
    assert data["columns"] == PAGES[page]


async def test_times_are_readable_and_the_days_box_keeps_to_the_period(datasette: Datasette) -> None:
    rows = (await datasette.client.get("/newsdesk/recent.json?_shape=array&days=")).json()
    assert [r["asked"] for r in rows] == ["2024-05-01 12:00 UTC", "2024-05-01 11:00 UTC", "2024-05-01 10:00 UTC",
                                          "2024-05-01 09:00 UTC"]
    assert rows[-1]["asked_in"] == "#10" and rows[0]["asked_in"] == "cli"
    assert (await datasette.client.get("/newsdesk/recent.json?_shape=array&days=7")).json() == []  # all in 2024


async def test_the_home_page_has_the_periods_headline_numbers(datasette: Datasette) -> None:
    home = await datasette.client.get("/?days=all")
    assert home.status_code == 200
    headline = home.text.split('id="newsdesk-headline"')[1].split("</ul>")[0]
    figures = re.findall(r"<li><strong>([^<]+)</strong>([^<]+)</li>", headline)
    assert figures == [("4", "questions"), ("25%", "answered"), ("-", "👍 of 0 votes"), ("1", "people asking")]
    recent = await datasette.client.get("/?days=7")
    assert "<li><strong>0</strong>questions</li>" in recent.text
    assert 'href="/newsdesk/unanswered?days=7"' in recent.text


@pytest.mark.parametrize(
    ("zone", "spring", "winter"),
    [("Europe/Berlin", "2024-05-01 11:00 CEST", "2024-12-01 10:00 CET"),
     ("America/New_York", "2024-05-01 05:00 EDT", "2024-12-01 04:00 EST")],
)
async def test_times_are_in_the_moderators_time_zone_named_on_every_page(
    tmp_path: Path, site: Any, zone: str, spring: str, winter: str
) -> None:
    path = tmp_path / "newsdesk.db"
    log = QueryLog.open(path)
    first = log.record(QueryRecord("Who won the Oslo chess open?", True, "discord", 1, 5, 10, asked_at="2024-05-01T09:00:00.000Z"))
    log.record(QueryRecord("Who won the Oslo chess open", False, "cli", reason="not_covered", asked_at="2024-12-01T09:00:00.000Z"))
    log.record_feedback(first, 2, -1)
    log.db.close()
    ds = Datasette([str(path)], metadata=build_metadata("newsdesk", zone=zone), template_dir=str(TEMPLATES_DIR))

    async def rows(page: str) -> list[dict]:
        return (await ds.client.get(f"/newsdesk/{page}.json?_shape=array&days=")).json()
    assert [r["asked"] for r in await rows("recent")] == [winter, spring]
    assert [r["asked"] for r in await rows("unanswered")] == [winter]
    assert [r["last_asked_at"] for r in await rows("top_questions")] == [winter]
    given = (await rows("negative_feedback"))[0]["given"]  # voted now
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d " + ("CES?T" if zone == "Europe/Berlin" else "E[SD]T"), given), given
    assert (await ds.client.get(f"/newsdesk/question.json?_shape=array&id={first}")).json()[0]["asked"] == spring
    home = await ds.client.get("/?days=all")
    assert f"times in {zone} time" in home.text
    unanswered = await ds.client.get("/newsdesk/unanswered")
    assert f"Times are {zone} time" in unanswered.text


def test_a_time_zone_that_is_not_one_is_refused_with_examples(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from bot.dashboard import dashboard

    monkeypatch.setenv("NEWSDESK_DB", str(tmp_path / "newsdesk.db"))
    bad = CliRunner().invoke(dashboard, ["--timezone", "Mars/Olympus", "--print-metadata"])
    assert bad.exit_code == 2 and "Europe/Berlin" in bad.output
    good = CliRunner().invoke(dashboard, ["--timezone", "Asia/Tokyo", "--print-metadata"])
    assert good.exit_code == 0 and "newsdesk_local_time(q.asked_at, 'Asia/Tokyo')" in good.stdout


def test_the_served_dashboard_uses_these_templates(tmp_path: Path) -> None:
    command = datasette_command(tmp_path / "newsdesk.db", tmp_path / "metadata.json", "127.0.0.1", 8001)
    assert command[command.index("--template-dir") + 1] == str(TEMPLATES_DIR)
    assert (TEMPLATES_DIR / "query.html").is_file()


async def test_a_questions_id_links_to_everything_the_log_keeps_about_it(datasette: Datasette) -> None:
    listing = await datasette.client.get("/newsdesk/unanswered")
    assert '<a href="/newsdesk/question?id=2">2</a>' in listing.text
    page = await datasette.client.get("/newsdesk/question.json?id=2&_shape=objects")
    [row] = page.json()["rows"]
    assert (row["question"], row["why_not"], row["filters"], row["asked_in"]) == ("did iran send troops", "none under its filter", "from dw", "cli")
    assert {"articles", "passages", "scores", "up", "down"} <= set(row)
