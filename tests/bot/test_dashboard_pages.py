"""The dashboard's pages as a moderator reads them: the columns they show, in process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("datasette", reason="pip install -e '.[dashboard]'")
from datasette.app import Datasette  # noqa: E402
from datasette.plugins import pm  # noqa: E402

from bot.dashboard import HASH_ENV, build_metadata  # noqa: E402
from bot.querylog import QueryLog, QueryRecord  # noqa: E402
from bot.querylog.datasette_plugins import newsdesk_functions, newsdesk_guard  # noqa: E402


@pytest.fixture
def site() -> Iterator[Any]:
    """The dashboard's plugins as ``newsdesk dashboard`` registers them without a password; restored afterwards."""
    before = list(pm.get_plugins())
    from bot import dashboard_site

    dashboard_site.register(login=False)
    for module in (newsdesk_functions, newsdesk_guard):
        if not pm.is_registered(module):
            pm.register(module)
    yield dashboard_site
    for plugin in list(pm.get_plugins()):
        if plugin not in before:
            pm.unregister(plugin)
    for plugin in before:
        if not pm.is_registered(plugin):
            pm.register(plugin)


@pytest.fixture
def datasette(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, site: Any) -> Datasette:
    monkeypatch.delenv(HASH_ENV, raising=False)
    path = tmp_path / "newsdesk.db"
    log = QueryLog.open(path)
    log.record(QueryRecord("Who won the Oslo chess open?", False, "discord", 1, 5, 10, reason="not_covered",
                           asked_at="2024-05-01T09:00:00.000Z"))
    log.record(QueryRecord("did iran send troops", False, "cli", reason="not_covered", filters={"outlet": "dw"},
                           asked_at="2024-05-01T10:00:00.000Z"))
    log.record(QueryRecord("Quelle heure est-il?", False, "cli", reason="not_english", asked_at="2024-05-01T11:00:00.000Z"))
    log.record(QueryRecord("What did Iran offer Iraq?", True, "cli", asked_at="2024-05-01T12:00:00.000Z"))
    log.db.close()
    return Datasette([str(path)], metadata=build_metadata("newsdesk"))


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
