"""Test-wide fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from retrieval.fetch import ROBOTS


@pytest.fixture(autouse=True)
def _fresh_robots_cache() -> Iterator[None]:
    """Each test starts with no remembered robots.txt: a local test server's port may be reused."""
    ROBOTS.clear()
    yield
    ROBOTS.clear()
