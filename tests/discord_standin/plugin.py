"""pytest fixture(s) for the Discord stand-in.

Import the fixture into a test module (or a conftest.py) to use it::

    from tests.discord_standin import fake_discord  # noqa: F401  (pytest fixture)
"""

from __future__ import annotations

from typing import AsyncIterator

import pytest_asyncio

from .server import FakeDiscord


@pytest_asyncio.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    """A started :class:`FakeDiscord` with the default world; closed afterwards.

    At teardown it fails the test if the stand-in itself crashed
    (``fake.server_errors``) - that is a stand-in bug, not a bot bug.
    Violations by the bot are *not* checked automatically; call
    ``fake_discord.assert_no_violations()`` where the test expects none.
    """
    fake = FakeDiscord()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()
    assert not fake.server_errors, f"discord stand-in crashed: {fake.server_errors}"
