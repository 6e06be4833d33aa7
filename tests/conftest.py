"""Test-wide fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import retrieval.archive
from retrieval.ingest.fetch import ROBOTS
from retrieval.text.spelling import Speller


@pytest.fixture(autouse=True)
def _fresh_robots_cache() -> Iterator[None]:
    """Each test starts with no remembered robots.txt: a local test server's port may be reused."""
    ROBOTS.clear()
    yield
    ROBOTS.clear()


@pytest.fixture
def spellers_made(monkeypatch: pytest.MonkeyPatch) -> list[Speller]:
    """Every speller an archive makes from now on (how often a question or a warm-up built one)."""
    made: list[Speller] = []

    class CountedSpeller(Speller):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            made.append(self)

    monkeypatch.setattr(retrieval.archive, "Speller", CountedSpeller)
    return made
