"""Fixtures the bot's tests share (tests/conftest.py has the test-wide ones)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def empty_corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A corpus folder not made yet, for `newsdesk ingest` to fill, and a query log beside it, in the
    test's own folder as the working directory. The index stays where tests/conftest.py puts it."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NEWSDESK_CORPUS", str(tmp_path / "corpus"))
    monkeypatch.setenv("NEWSDESK_DB", str(tmp_path / "log.db"))
    return tmp_path / "corpus"
