"""A local Discord stand-in for end-to-end tests of discord.py bots.

See README.md in this directory.  Quick use::

    from tests.discord_standin import FakeDiscord, fake_discord  # fixture

    async def test_x(fake_discord):
        bot = MyBot(**fake_discord.client_kwargs())
        async with fake_discord.run_client(bot):
            inter = await fake_discord.send_interaction("echo", {"text": "hi"})
            msg = await fake_discord.wait_for_interaction_message(inter)
"""

from .gateway import Intents, Op
from .interactions import NotDeliverable
from .limits import ApiError, FormErrors, validate_message
from .guild import FakeGuild
from .models import ChannelType, FakeChannel, FakeMember, FakeRole, FakeUser, Perm
from .plugin import fake_discord
from .recording import CallbackAttempt, FakeInteraction, RecordedFile, RecordedRequest, SentMessage, Violation, compute_pings
from .resolver import StandinResolver, is_discord_host
from .server import DEFAULT_TOKEN, FakeDiscord
from .tls import tls_material

__all__ = [
    "ApiError",
    "CallbackAttempt",
    "ChannelType",
    "DEFAULT_TOKEN",
    "FakeChannel",
    "FakeDiscord",
    "FakeGuild",
    "FakeInteraction",
    "FakeMember",
    "FakeRole",
    "FakeUser",
    "FormErrors",
    "Intents",
    "NotDeliverable",
    "Op",
    "Perm",
    "RecordedFile",
    "RecordedRequest",
    "SentMessage",
    "StandinResolver",
    "Violation",
    "compute_pings",
    "fake_discord",
    "is_discord_host",
    "tls_material",
    "validate_message",
]
