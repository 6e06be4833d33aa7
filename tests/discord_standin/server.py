"""``FakeDiscord``: a local stand-in for Discord's REST API, CDN and gateway.

One aiohttp server on ``127.0.0.1:<ephemeral port>`` with TLS serves

* REST under ``/api/v{n}/...``  (reached as https://discord.com/api/v10)
* the gateway websocket at ``/``  (reached as wss://gateway.discord.gg/ and the
  ``resume_gateway_url`` wss://gateway-us-east1-b.discord.gg)
* attachment downloads under ``/attachments/...`` (https://cdn.discordapp.com)

The real, unmodified discord.py client is pointed at it with
``discord.Client(connector=fake.make_connector(), ...)``; see README.md.

``FakeDiscord`` is assembled from one part per concern (each a module here):
state (world, records, clock), routing (HTTP plumbing), rest_app / rest_guilds /
rest_messages / rest_interactions (REST routes), messages (building and checking
messages), gateway_server, interactions and user_messages (events sent to the
bot), and waiting (waits and assertions).  Limits live in limits.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import aiohttp
from aiohttp import web

from .gateway_server import GatewayServer
from .interactions import InteractionEvents
from .messages import MessageStore
from .resolver import StandinResolver
from .rest_app import AppRoutes
from .rest_guilds import GuildRoutes
from .rest_interactions import InteractionRoutes
from .rest_messages import ChannelMessageRoutes
from .routing import Routing
from .state import DEFAULT_TOKEN, StandinState
from .user_messages import UserMessages
from .waiting import Waiting
from .world_events import WorldEvents

log = logging.getLogger("discord_standin")

__all__ = ["DEFAULT_TOKEN", "FakeDiscord"]


class FakeDiscord(
    Waiting,
    Routing,
    AppRoutes,
    GuildRoutes,
    ChannelMessageRoutes,
    InteractionRoutes,
    MessageStore,
    GatewayServer,
    InteractionEvents,
    UserMessages,
    WorldEvents,
    StandinState,
):
    """A local fake of Discord for end-to-end tests of discord.py bots.

    Use as ``async with FakeDiscord() as fake: ...`` (or the ``fake_discord``
    fixture).  Out of the box the world has one application + bot user, an
    application owner, and one guild ("Stand-in Guild") with roles
    ``@everyone``/``Moderator``/the bot's managed role, text channels
    ``#general`` and ``#mod-log`` (moderators only) and members ``owner``
    (guild owner), ``mod`` (Moderator) and ``alice`` (plain member).
    """

    async def start(self) -> "FakeDiscord":
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=self.tls.server_context())
        await site.start()
        server = site._server  # type: ignore[attr-defined]
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        log.debug("discord stand-in listening on 127.0.0.1:%s", self.port)
        return self

    async def close(self) -> None:
        for conn in list(self.connections):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(1001), 2.0)
        for c in self._connectors:
            if not c.closed:
                await c.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> "FakeDiscord":
        return await self.start()

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    def make_connector(self, **kwargs: Any) -> aiohttp.TCPConnector:
        """A ``TCPConnector`` that sends Discord's hosts to this stand-in and trusts its
        certificate.  Must be called inside the running event loop."""
        asyncio.get_running_loop()
        if self.port is None:
            raise RuntimeError("FakeDiscord is not started")
        kwargs.setdefault("limit", 0)
        conn = aiohttp.TCPConnector(resolver=StandinResolver(self.port), ssl=self.tls.client_context(), **kwargs)
        self._connectors.append(conn)
        return conn

    def client_kwargs(self, **overrides: Any) -> dict[str, Any]:
        """Keyword arguments for ``discord.Client``/``commands.Bot``: the connector and a
        short ``guild_ready_timeout`` (discord.py waits that long after the last
        GUILD_CREATE before ``on_ready``; its default is 2 s)."""
        kw: dict[str, Any] = {"connector": self.make_connector(), "guild_ready_timeout": 0.05}
        kw.update(overrides)
        return kw

    @contextlib.asynccontextmanager
    async def run_client(self, client: Any, *, ready_timeout: float = 10.0):
        """Start ``client`` (``client.start(fake.token)``) in a task, wait for its
        ``on_ready``, and close it cleanly on exit."""
        task = asyncio.create_task(client.start(self.token), name="discord-standin-client")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + ready_timeout
        try:
            while not client.is_ready():
                if task.done():
                    task.result()
                    raise RuntimeError("discord client stopped before becoming ready")
                if loop.time() > deadline:
                    raise TimeoutError(f"discord client not ready after {ready_timeout}s")
                await asyncio.sleep(0.01)
            yield client
        finally:
            await client.close()
            try:
                await asyncio.wait_for(task, 5.0)
            except asyncio.CancelledError:
                raise
            except Exception:
                if not task.cancelled() and task.done() and task.exception() is not None:
                    log.debug("client task ended with %r", task.exception())
            # Let discord.py's fire-and-forget tasks (event handlers) settle.
            await asyncio.sleep(0)
