"""``FakeDiscord``: a local stand-in for Discord's REST API, CDN and gateway.

One aiohttp server on ``127.0.0.1:<ephemeral port>`` with TLS serves

* REST under ``/api/v{n}/...``  (reached as https://discord.com/api/v10)
* the gateway websocket at ``/``  (reached as wss://gateway.discord.gg/ and the
  ``resume_gateway_url`` wss://gateway-us-east1-b.discord.gg)
* attachment downloads under ``/attachments/...`` (https://cdn.discordapp.com)

The real, unmodified discord.py client is pointed at it with
``discord.Client(connector=fake.make_connector(), ...)``; see README.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import logging
import mimetypes
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Iterable, Optional, TypeVar, Union

import aiohttp
from aiohttp import web

from .gateway import GatewayConnection, GatewaySession, Intents, Op
from .limits import ApiError, FormErrors, error, not_found, validate_commands, validate_message, validate_modal
from .models import (
    ChannelType,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    Perm,
    SnowflakeGenerator,
    iso,
)
from .recording import (
    EPHEMERAL,
    LOADING,
    CallbackAttempt,
    FakeInteraction,
    RecordedFile,
    RecordedRequest,
    SentMessage,
    Violation,
    compute_pings,
)
from .resolver import StandinResolver
from .tls import tls_material

log = logging.getLogger("discord_standin")

T = TypeVar("T")
UserLike = Union[FakeUser, FakeMember, int]
MessageLike = Union[SentMessage, dict, int]

DEFAULT_TOKEN = "MTAwMDAwMDAwMDAwMDAwMDAw.standin.token-for-tests-only"
_API_PREFIX = re.compile(r"^/api(?:/v\d+)?(/.*)$")

# Interaction types / callback types
IT_PING, IT_COMMAND, IT_COMPONENT, IT_AUTOCOMPLETE, IT_MODAL_SUBMIT = 1, 2, 3, 4, 5
CB_PONG, CB_MESSAGE, CB_DEFERRED_MESSAGE, CB_DEFERRED_UPDATE, CB_UPDATE = 1, 4, 5, 6, 7
CB_AUTOCOMPLETE, CB_MODAL, CB_PREMIUM, CB_LAUNCH_ACTIVITY = 8, 9, 10, 12
_ALLOWED_CALLBACKS = {
    IT_COMMAND: {CB_MESSAGE, CB_DEFERRED_MESSAGE, CB_MODAL, CB_PREMIUM, CB_LAUNCH_ACTIVITY},
    IT_COMPONENT: {CB_MESSAGE, CB_DEFERRED_MESSAGE, CB_DEFERRED_UPDATE, CB_UPDATE, CB_MODAL, CB_PREMIUM, CB_LAUNCH_ACTIVITY},
    IT_AUTOCOMPLETE: {CB_AUTOCOMPLETE},
    IT_MODAL_SUBMIT: {CB_MESSAGE, CB_DEFERRED_MESSAGE, CB_DEFERRED_UPDATE, CB_UPDATE, CB_PREMIUM},
}

# Option types
OPT_SUB, OPT_GROUP, OPT_STRING, OPT_INT, OPT_BOOL, OPT_USER, OPT_CHANNEL, OPT_ROLE, OPT_MENTIONABLE, OPT_NUMBER, OPT_ATTACHMENT = range(1, 12)


@dataclass
class _Ctx:
    request: web.Request
    rec: RecordedRequest
    payload: dict[str, Any]  # JSON body, or payload_json of a multipart body ({} if none)
    files: list[RecordedFile]


def _sf(x: Any) -> int:
    """Snowflake-ish to int (accepts ints, strings and objects with ``.id``)."""
    return int(getattr(x, "id", x))


class FakeDiscord:
    """A local fake of Discord for end-to-end tests of discord.py bots.

    Use as ``async with FakeDiscord() as fake: ...`` (or the ``fake_discord``
    fixture).  Out of the box the world has one application + bot user, an
    application owner, and one guild ("Stand-in Guild") with roles
    ``@everyone``/``Moderator``/the bot's managed role, text channels
    ``#general`` and ``#mod-log`` (moderators only) and members ``owner``
    (guild owner), ``mod`` (Moderator) and ``alice`` (plain member).
    """

    GATEWAY_URL = "wss://gateway.discord.gg"
    RESUME_GATEWAY_URL = "wss://gateway-us-east1-b.discord.gg"
    CDN_URL = "https://cdn.discordapp.com"
    MEDIA_URL = "https://media.discordapp.net"

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        heartbeat_interval_ms: int = 41250,
        interaction_deadline: float = 3.0,
        interaction_token_ttl: float = 15 * 60,
        privileged_intents: Iterable[str] = ("members", "presences", "message_content"),
        registered_commands_only: bool = False,
        attachment_size_limit: int = 10 * 1024 * 1024,
        echo_own_messages: bool = True,
        populate: bool = True,
    ) -> None:
        self.token = token
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.interaction_deadline = interaction_deadline
        self.interaction_token_ttl = interaction_token_ttl
        self.privileged_intents = set(privileged_intents)
        self.registered_commands_only = registered_commands_only
        self.attachment_size_limit = attachment_size_limit
        self.echo_own_messages = echo_own_messages

        self.ids = SnowflakeGenerator()
        self.tls = tls_material()
        self._clock_offset = 0.0

        # -- world --
        self.users: dict[int, FakeUser] = {}
        self.guilds: dict[int, FakeGuild] = {}
        self.dm_channels: dict[int, FakeChannel] = {}  # by recipient user id
        self.application_id = self.ids()
        self.bot_user = self.add_user("standin-bot", bot=True, id=self.application_id)
        self.owner = self.add_user("owner", global_name="App Owner")
        self.app_name = "Stand-in App"

        # -- records --
        self.requests: list[RecordedRequest] = []
        self.messages: list[SentMessage] = []
        self.violations: list[Violation] = []
        self.unknown_routes: list[RecordedRequest] = []
        self.interactions: dict[int, FakeInteraction] = {}
        self._interactions_by_token: dict[str, FakeInteraction] = {}
        self.commands: dict[Optional[int], dict[int, dict[str, Any]]] = {}  # guild id (None = global) -> id -> command
        self.message_store: dict[int, dict[str, Any]] = {}
        self._ephemeral_ids: set[int] = set()
        self.attachment_data: dict[int, bytes] = {}
        self.reactions: list[tuple[int, int, str]] = []  # (channel id, message id, emoji)
        self.server_errors: list[str] = []

        # -- gateway --
        self.session: Optional[GatewaySession] = None
        self.sessions: dict[str, GatewaySession] = {}
        self.connections: list[GatewayConnection] = []
        self.identify_count = 0
        self.resume_count = 0
        self.identify_payloads: list[dict[str, Any]] = []
        self._expected_resumes = 0

        self._changed = asyncio.Event()
        self._runner: Optional[web.AppRunner] = None
        self._connectors: list[aiohttp.TCPConnector] = []
        self.port: Optional[int] = None
        self._routes = self._build_routes()

        if populate:
            self._populate()

    # ------------------------------------------------------------------ world
    def add_user(self, username: str, *, bot: bool = False, global_name: Optional[str] = None, id: Optional[int] = None) -> FakeUser:
        u = FakeUser(id=id or self.ids(), username=username, global_name=global_name, bot=bot)
        self.users[u.id] = u
        return u

    def add_guild(self, name: str, *, owner: Optional[FakeUser] = None, bot_permissions: Any = None) -> FakeGuild:
        """A guild the bot is in: @everyone role, the bot's managed role + bot member, owner member.
        Add channels/roles/members with the returned ``FakeGuild``'s ``add_*`` methods."""
        owner = owner or self.owner
        g = FakeGuild(id=self.ids(), name=name, owner_id=owner.id, _ids=self.ids)
        if bot_permissions is None:
            bot_permissions = (
                Perm.VIEW_CHANNEL | Perm.SEND_MESSAGES | Perm.EMBED_LINKS | Perm.ATTACH_FILES
                | Perm.READ_MESSAGE_HISTORY | Perm.ADD_REACTIONS | Perm.USE_EXTERNAL_EMOJIS
                | Perm.USE_APPLICATION_COMMANDS | Perm.SEND_MESSAGES_IN_THREADS
            )
        bot_role = g.add_role(self.bot_user.username, bot_permissions, managed=True, tags={"bot_id": str(self.bot_user.id)})
        g.add_member(owner)
        g.add_member(self.bot_user, [bot_role])
        self.guilds[g.id] = g
        return g

    def _populate(self) -> None:
        self.guild = self.add_guild("Stand-in Guild")
        self.moderator_role = self.guild.add_role("Moderator", Perm.MODERATOR, color=0x3498DB, hoist=True)
        self.channel = self.guild.add_channel("general", topic="General chat")
        self.mod_channel = self.guild.add_channel("mod-log")
        self.mod_channel.overwrite(self.guild.everyone, deny=Perm.VIEW_CHANNEL)
        self.mod_channel.overwrite(self.moderator_role, allow=Perm.VIEW_CHANNEL | Perm.SEND_MESSAGES)
        self.mod_channel.overwrite(self.guild.role(self.bot_user.username), allow=Perm.VIEW_CHANNEL | Perm.SEND_MESSAGES)
        self.moderator = self.add_user("mod", global_name="Moderator Mo")
        self.member = self.add_user("alice", global_name="Alice")
        self.guild.add_member(self.moderator, [self.moderator_role])
        self.guild.add_member(self.member)

    def get_channel(self, channel_id: Any) -> Optional[FakeChannel]:
        cid = _sf(channel_id)
        for g in self.guilds.values():
            if cid in g.channels:
                return g.channels[cid]
        for ch in self.dm_channels.values():
            if ch.id == cid:
                return ch
        return None

    def dm_channel(self, user: UserLike) -> FakeChannel:
        u = self._user(user)
        ch = self.dm_channels.get(u.id)
        if ch is None:
            ch = FakeChannel(id=self.ids(), name=None, type=ChannelType.DM, recipients=[u])
            self.dm_channels[u.id] = ch
        return ch

    def _user(self, user: UserLike) -> FakeUser:
        if isinstance(user, FakeUser):
            return user
        if isinstance(user, FakeMember):
            return user.user
        return self.users[int(user)]

    def _guild_of(self, ch: FakeChannel) -> Optional[FakeGuild]:
        return self.guilds.get(ch.guild_id) if ch.guild_id else None

    def permissions(self, user: UserLike, channel: Optional[FakeChannel] = None, guild: Optional[FakeGuild] = None) -> int:
        """Effective permission bits of ``user`` (in ``channel`` if given)."""
        guild = guild or (self._guild_of(channel) if channel else self.guild)
        member = guild.members[self._user(user).id]
        return guild.permissions_for(member, channel)

    # ------------------------------------------------------------------ clock
    def now(self) -> float:
        """The stand-in's clock (monotonic seconds + whatever ``advance_clock`` added)."""
        return time.monotonic() + self._clock_offset

    def advance_clock(self, seconds: float) -> None:
        """Jump the stand-in's clock forward, e.g. past the 3 s interaction deadline,
        without really waiting."""
        self._clock_offset += seconds

    # ------------------------------------------------------------------ lifecycle
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

    # ------------------------------------------------------------------ client side helpers
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

    # ------------------------------------------------------------------ waiting
    def _notify(self) -> None:
        ev, self._changed = self._changed, asyncio.Event()
        ev.set()

    async def wait_for(self, check: Callable[[], T], *, timeout: float = 5.0, what: str = "condition") -> T:
        """Wait (real time) until ``check()`` returns something truthy; return it.

        Re-checks whenever the stand-in records something, and at least every
        20 ms (so ``check`` may also look at bot-side state)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            ev = self._changed
            result = check()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(
                    f"timed out after {timeout}s waiting for {what}; "
                    f"messages so far: {self.messages[-5:]}; violations: {[str(v) for v in self.violations]}"
                )
            try:
                await asyncio.wait_for(ev.wait(), min(remaining, 0.02))
            except asyncio.TimeoutError:
                pass

    async def wait_for_message(
        self, predicate: Optional[Callable[[SentMessage], bool]] = None, *, timeout: float = 5.0
    ) -> SentMessage:
        """First recorded :class:`SentMessage` (already recorded ones included) matching ``predicate``."""

        def check() -> Optional[SentMessage]:
            return next((m for m in self.messages if predicate is None or predicate(m)), None)

        return await self.wait_for(check, timeout=timeout, what="a message from the bot")

    async def wait_for_interaction_response(self, interaction: Union[FakeInteraction, int], *, timeout: float = 5.0) -> CallbackAttempt:
        """The first initial-response attempt (accepted *or rejected*) for the interaction."""
        inter = self.interactions[_sf(interaction)]
        return await self.wait_for(lambda: inter.callbacks[0] if inter.callbacks else None, timeout=timeout,
                                   what=f"a response to interaction {inter.id}")

    async def wait_for_interaction_message(
        self, interaction: Union[FakeInteraction, int], *, timeout: float = 5.0, kinds: Iterable[str] = ("interaction_response", "followup", "interaction_edit", "interaction_update")
    ) -> SentMessage:
        """First visible message produced for the interaction (type 4 response, followup,
        edit of the deferred original, or type 7 update)."""
        iid, kinds = _sf(interaction), set(kinds)
        return await self.wait_for_message(lambda m: m.interaction_id == iid and m.kind in kinds, timeout=timeout)

    async def wait_for_request(self, method: str, route: str, *, timeout: float = 5.0) -> RecordedRequest:
        """First recorded request with that method and route template
        (e.g. ``"PUT", "/applications/{application_id}/guilds/{guild_id}/commands"``)."""
        return await self.wait_for(
            lambda: next((r for r in self.requests if r.method == method and r.route == route and r.status), None),
            timeout=timeout, what=f"{method} {route}",
        )

    async def wait_until_ready(self, *, timeout: float = 10.0) -> None:
        """Until a client has IDENTIFY'd and got READY + all GUILD_CREATEs (server side;
        discord.py's own ``on_ready`` comes ``guild_ready_timeout`` later)."""
        await self.wait_for(lambda: self.session is not None and self.session.live, timeout=timeout, what="IDENTIFY/READY")

    async def wait_for_resume(self, *, timeout: float = 10.0) -> None:
        """Until the client has RESUMEd after the last ``close_gateway``/``send_reconnect``."""
        await self.wait_for(
            lambda: self.resume_count >= self._expected_resumes and self.session is not None and self.session.live,
            timeout=timeout, what="RESUME",
        )

    # ------------------------------------------------------------------ assertions
    def assert_no_violations(self, *, include_unknown_routes: bool = True) -> None:
        problems = [str(v) for v in self.violations]
        if include_unknown_routes:
            problems += [f"unknown route: {r.method} {r.path}" for r in self.unknown_routes]
        problems += [f"stand-in error: {e}" for e in self.server_errors]
        assert not problems, "Discord stand-in saw problems:\n  " + "\n  ".join(problems)

    def pinging_messages(self) -> list[SentMessage]:
        """Messages that would have notified someone (see ``SentMessage.pings``)."""
        return [m for m in self.messages if m.pings]

    def assert_nothing_pings(self) -> None:
        bad = [(m, m.pings) for m in self.pinging_messages()]
        assert not bad, f"messages that would ping: {bad}"

    def synced_commands(self, guild: Any = None) -> list[dict[str, Any]]:
        """Commands registered via PUT/POST (global if ``guild`` is None)."""
        return list(self.commands.get(_sf(guild) if guild is not None else None, {}).values())

    def transcript(self) -> str:
        """Human-readable log of every REST request (for debugging failing tests)."""
        lines = []
        for r in self.requests:
            body = r.json if not isinstance(r.json, dict) else {k: v for k, v in r.json.items() if v not in (None, [], {})}
            files = f" files={[f.filename for f in r.files]}" if r.files else ""
            lines.append(f"{r.method} {r.path} -> {r.status} {json.dumps(body)[:200] if body else ''}{files}")
        return "\n".join(lines)

    def channel_history(self, channel: Any) -> list[dict[str, Any]]:
        cid = _sf(channel)
        return [m for m in self.message_store.values() if int(m["channel_id"]) == cid]

    # ------------------------------------------------------------------ HTTP plumbing
    def _build_routes(self) -> list[tuple[str, str, re.Pattern[str], Callable[..., Awaitable[Any]], bool]]:
        table = [
            ("GET", "/users/@me", self.r_get_me, True),
            ("POST", "/users/@me/channels", self.r_create_dm, True),
            ("GET", "/users/{user_id}", self.r_get_user, True),
            ("GET", "/gateway", self.r_gateway, False),
            ("GET", "/gateway/bot", self.r_gateway_bot, True),
            ("GET", "/oauth2/applications/@me", self.r_application, True),
            ("GET", "/applications/@me", self.r_application, True),
            ("GET", "/applications/{application_id}/commands", self.r_get_commands, True),
            ("PUT", "/applications/{application_id}/commands", self.r_put_commands, True),
            ("POST", "/applications/{application_id}/commands", self.r_post_command, True),
            ("GET", "/applications/{application_id}/commands/{command_id}", self.r_get_command, True),
            ("PATCH", "/applications/{application_id}/commands/{command_id}", self.r_patch_command, True),
            ("DELETE", "/applications/{application_id}/commands/{command_id}", self.r_delete_command, True),
            ("GET", "/applications/{application_id}/guilds/{guild_id}/commands/permissions", self.r_command_permissions, True),
            ("GET", "/applications/{application_id}/guilds/{guild_id}/commands", self.r_get_commands, True),
            ("PUT", "/applications/{application_id}/guilds/{guild_id}/commands", self.r_put_commands, True),
            ("POST", "/applications/{application_id}/guilds/{guild_id}/commands", self.r_post_command, True),
            ("GET", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}", self.r_get_command, True),
            ("PATCH", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}", self.r_patch_command, True),
            ("DELETE", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}", self.r_delete_command, True),
            ("GET", "/applications/{application_id}/entitlements", self.r_empty_list, True),
            ("GET", "/applications/{application_id}/emojis", self.r_app_emojis, True),
            ("POST", "/interactions/{interaction_id}/{token}/callback", self.r_interaction_callback, False),
            ("POST", "/webhooks/{application_id}/{token}", self.r_followup, False),
            ("GET", "/webhooks/{application_id}/{token}/messages/{message_id}", self.r_webhook_get_message, False),
            ("PATCH", "/webhooks/{application_id}/{token}/messages/{message_id}", self.r_webhook_edit_message, False),
            ("DELETE", "/webhooks/{application_id}/{token}/messages/{message_id}", self.r_webhook_delete_message, False),
            ("GET", "/channels/{channel_id}", self.r_get_channel, True),
            ("GET", "/channels/{channel_id}/messages", self.r_get_messages, True),
            ("POST", "/channels/{channel_id}/messages", self.r_create_message, True),
            ("GET", "/channels/{channel_id}/messages/{message_id}", self.r_get_message, True),
            ("PATCH", "/channels/{channel_id}/messages/{message_id}", self.r_edit_message, True),
            ("DELETE", "/channels/{channel_id}/messages/{message_id}", self.r_delete_message, True),
            ("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", self.r_add_reaction, True),
            ("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", self.r_remove_reaction, True),
            ("POST", "/channels/{channel_id}/typing", self.r_typing, True),
            ("GET", "/guilds/{guild_id}", self.r_get_guild, True),
            ("GET", "/guilds/{guild_id}/channels", self.r_get_guild_channels, True),
            ("GET", "/guilds/{guild_id}/roles", self.r_get_roles, True),
            ("GET", "/guilds/{guild_id}/members", self.r_get_members, True),
            ("GET", "/guilds/{guild_id}/members/{user_id}", self.r_get_member, True),
            ("PATCH", "/guilds/{guild_id}/members/{user_id}", self.r_edit_member, True),
            ("DELETE", "/guilds/{guild_id}/members/{user_id}", self.r_kick_member, True),
            ("PUT", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", self.r_add_member_role, True),
            ("DELETE", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", self.r_remove_member_role, True),
            ("PUT", "/guilds/{guild_id}/bans/{user_id}", self.r_ban, True),
        ]
        out = []
        for method, template, handler, auth in table:
            rx = re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$")
            out.append((method, template, rx, handler, auth))
        return out

    @staticmethod
    def _json(status: int, body: Any) -> web.Response:
        if status == 204 or body is None:
            return web.Response(status=204)
        # discord.py only parses the body if Content-Type is *exactly* application/json
        # (web.json_response would append "; charset=utf-8").
        return web.Response(status=status, body=json.dumps(body).encode(), headers={"Content-Type": "application/json"})

    async def _read_body(self, request: web.Request) -> tuple[Any, list[RecordedFile]]:
        files: list[RecordedFile] = []
        ctype = request.content_type
        if ctype == "application/json":
            text = await request.text()
            return (json.loads(text) if text else None), files
        if ctype.startswith("multipart/"):
            body: Any = None
            reader = await request.multipart()
            while True:
                part = await reader.next()
                if part is None:
                    break
                if part.name == "payload_json":
                    body = json.loads(await part.text())  # type: ignore[union-attr]
                else:
                    data = await part.read(decode=False)  # type: ignore[union-attr]
                    files.append(
                        RecordedFile(
                            field_name=part.name or "",
                            filename=part.filename or "",  # type: ignore[union-attr]
                            content_type=part.headers.get("Content-Type", "application/octet-stream"),
                            data=bytes(data),
                        )
                    )
            return body, files
        await request.read()
        return None, files

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return await self._gateway(request)
        if request.path.startswith("/attachments/") or request.path.startswith("/ephemeral-attachments/"):
            return self._cdn(request)
        m = _API_PREFIX.match(request.path)
        if not m:
            return self._json(404, {"message": "404: Not Found", "code": 0})
        sub = m.group(1)
        try:
            body, files = await self._read_body(request)
        except (ValueError, aiohttp.ContentTypeError) as e:
            return self._json(400, {"message": f"400: Bad Request ({e})", "code": 50109})
        rec = RecordedRequest(request.method, sub, None, {}, dict(request.query), body, files, self.now())
        self.requests.append(rec)
        status: int
        out: Any
        try:
            match = None
            for method, template, rx, handler, auth in self._routes:
                if method == request.method and (mm := rx.match(sub)):
                    match = (template, mm.groupdict(), handler, auth)
                    break
            if match is None:
                self.unknown_routes.append(rec)
                log.warning("discord stand-in: unknown route %s %s", request.method, sub)
                raise not_found()
            template, params, handler, auth = match
            rec.route, rec.params = template, params
            if auth and request.headers.get("Authorization") != f"Bot {self.token}":
                raise self._reject("unauthorized", error(401, 0, "401: Unauthorized"), rec)
            payload = body if isinstance(body, dict) else {}
            result = await handler(_Ctx(request, rec, payload, files), **params)
            status, out = result if isinstance(result, tuple) else (200, result)
        except ApiError as e:
            status, out = e.status, e.body
        except Exception as e:  # a bug in the stand-in: make it loud, but don't make discord.py retry
            log.exception("discord stand-in crashed handling %s %s", request.method, sub)
            self.server_errors.append(f"{request.method} {sub}: {e!r}")
            status, out = 503, {"message": f"stand-in error: {e!r}", "code": 0}
        rec.status, rec.response = status, out
        self._notify()
        return self._json(status, out)

    def _reject(self, kind: str, err: ApiError, rec: Optional[RecordedRequest], detail: Optional[str] = None) -> ApiError:
        if detail is None:
            errors = err.body.get("errors")
            detail = err.body.get("message", "")
            if errors:
                detail += ": " + "; ".join(FormErrors(errors).flat())
        self.violations.append(Violation(kind, detail, rec, err.body))
        self._notify()
        return err

    def _cdn(self, request: web.Request) -> web.Response:
        parts = request.path.strip("/").split("/")
        try:
            data = self.attachment_data[int(parts[2])]
        except (IndexError, ValueError, KeyError):
            return web.Response(status=404, text="Not Found")
        ctype = mimetypes.guess_type(parts[-1])[0] or "application/octet-stream"
        return web.Response(status=200, body=data, headers={"Content-Type": ctype})

    # ------------------------------------------------------------------ REST: users, app, gateway
    def _me(self) -> dict[str, Any]:
        d = self.bot_user.to_dict()
        d.update({"verified": True, "mfa_enabled": False, "email": None, "locale": "en-US", "bio": "", "premium_type": 0})
        return d

    async def r_get_me(self, ctx: _Ctx) -> Any:
        return self._me()

    async def r_get_user(self, ctx: _Ctx, user_id: str) -> Any:
        u = self.users.get(int(user_id)) if user_id.isdigit() else None
        if u is None:
            raise not_found(10013, "Unknown User")
        return u.to_dict()

    async def r_create_dm(self, ctx: _Ctx) -> Any:
        rid = ctx.payload.get("recipient_id")
        if rid is None or int(rid) not in self.users:
            raise not_found(10013, "Unknown User")
        return self.dm_channel(int(rid)).to_dict()

    async def r_gateway(self, ctx: _Ctx) -> Any:
        return {"url": self.GATEWAY_URL}

    async def r_gateway_bot(self, ctx: _Ctx) -> Any:
        return {
            "url": self.GATEWAY_URL,
            "shards": 1,
            "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 14400000, "max_concurrency": 1},
        }

    def _app_flags(self) -> int:
        flags = 1 << 23  # APPLICATION_COMMAND_BADGE
        if "presences" in self.privileged_intents:
            flags |= 1 << 12
        if "members" in self.privileged_intents:
            flags |= 1 << 14
        if "message_content" in self.privileged_intents:
            flags |= 1 << 18
        return flags

    async def r_application(self, ctx: _Ctx) -> Any:
        return {
            "id": str(self.application_id),
            "name": self.app_name,
            "icon": None,
            "description": "Discord stand-in application",
            "summary": "",
            "type": None,
            "hook": True,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": self._app_flags(),
            "owner": self.owner.to_dict(),
            "team": None,
            "bot": self.bot_user.to_dict(),
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "role_connections_verification_url": None,
            "tags": [],
            "approximate_guild_count": len(self.guilds),
            "approximate_user_install_count": 0,
            "integration_types_config": {"0": {}, "1": {}},
            "is_monetized": False,
            "rpc_origins": [],
        }

    async def r_empty_list(self, ctx: _Ctx, **_: str) -> Any:
        return []

    async def r_app_emojis(self, ctx: _Ctx, application_id: str) -> Any:
        return {"items": []}

    # ------------------------------------------------------------------ REST: commands
    def _check_app(self, application_id: str) -> None:
        if application_id != str(self.application_id):
            raise error(403, 50001, "Missing Access")

    def _cmd_scope(self, guild_id: Optional[str]) -> Optional[int]:
        if guild_id is None:
            return None
        if int(guild_id) not in self.guilds:
            raise error(403, 50001, "Missing Access")
        return int(guild_id)

    def _store_command(self, scope: Optional[int], cmd: dict[str, Any], existing: Optional[dict[str, Any]]) -> dict[str, Any]:
        out = {
            "id": existing["id"] if existing else str(self.ids()),
            "application_id": str(self.application_id),
            "version": str(self.ids()),
            "type": int(cmd.get("type", 1)),
            "name": cmd["name"],
            "name_localizations": cmd.get("name_localizations"),
            "description": cmd.get("description", ""),
            "description_localizations": cmd.get("description_localizations"),
            "default_member_permissions": cmd.get("default_member_permissions"),
            "dm_permission": cmd.get("dm_permission", True),
            "contexts": cmd.get("contexts"),
            "integration_types": cmd.get("integration_types", [0]),
            "nsfw": cmd.get("nsfw", False),
        }
        if cmd.get("options"):
            out["options"] = cmd["options"]
        if scope is not None:
            out["guild_id"] = str(scope)
        return out

    async def r_get_commands(self, ctx: _Ctx, application_id: str, guild_id: Optional[str] = None) -> Any:
        self._check_app(application_id)
        return list(self.commands.get(self._cmd_scope(guild_id), {}).values())

    async def r_put_commands(self, ctx: _Ctx, application_id: str, guild_id: Optional[str] = None) -> Any:
        self._check_app(application_id)
        scope = self._cmd_scope(guild_id)
        body = ctx.rec.json if isinstance(ctx.rec.json, list) else []
        err = validate_commands(body)
        if err:
            raise self._reject("invalid_form_body", err, ctx.rec)
        old = {(c["name"], c["type"]): c for c in self.commands.get(scope, {}).values()}
        new: dict[int, dict[str, Any]] = {}
        for cmd in body:
            stored = self._store_command(scope, cmd, old.get((cmd["name"], int(cmd.get("type", 1)))))
            new[int(stored["id"])] = stored
        self.commands[scope] = new
        return list(new.values())

    async def r_post_command(self, ctx: _Ctx, application_id: str, guild_id: Optional[str] = None) -> Any:
        self._check_app(application_id)
        scope = self._cmd_scope(guild_id)
        err = validate_commands([ctx.payload])
        if err:
            raise self._reject("invalid_form_body", err, ctx.rec)
        cmds = self.commands.setdefault(scope, {})
        existing = next((c for c in cmds.values() if c["name"] == ctx.payload["name"] and c["type"] == int(ctx.payload.get("type", 1))), None)
        stored = self._store_command(scope, ctx.payload, existing)
        cmds[int(stored["id"])] = stored
        return (200 if existing else 201), stored

    def _command(self, scope: Optional[int], command_id: str) -> dict[str, Any]:
        cmd = self.commands.get(scope, {}).get(int(command_id)) if command_id.isdigit() else None
        if cmd is None:
            raise not_found(10063, "Unknown application command")
        return cmd

    async def r_get_command(self, ctx: _Ctx, application_id: str, command_id: str, guild_id: Optional[str] = None) -> Any:
        self._check_app(application_id)
        return self._command(self._cmd_scope(guild_id), command_id)

    async def r_patch_command(self, ctx: _Ctx, application_id: str, command_id: str, guild_id: Optional[str] = None) -> Any:
        self._check_app(application_id)
        scope = self._cmd_scope(guild_id)
        cmd = self._command(scope, command_id)
        merged = {**cmd, **ctx.payload}
        err = validate_commands([merged])
        if err:
            raise self._reject("invalid_form_body", err, ctx.rec)
        stored = self._store_command(scope, merged, cmd)
        self.commands[scope][int(command_id)] = stored
        return stored

    async def r_delete_command(self, ctx: _Ctx, application_id: str, command_id: str, guild_id: Optional[str] = None) -> Any:
        self._check_app(application_id)
        scope = self._cmd_scope(guild_id)
        self._command(scope, command_id)
        del self.commands[scope][int(command_id)]
        return 204, None

    async def r_command_permissions(self, ctx: _Ctx, application_id: str, guild_id: str) -> Any:
        return []

    def find_command(self, name: str, guild: Any = None, type: int = 1) -> Optional[dict[str, Any]]:
        """A registered command by name: the guild's first, then global."""
        scopes = ([_sf(guild)] if guild is not None else []) + [None]
        for scope in scopes:
            for c in self.commands.get(scope, {}).values():
                if c["name"] == name and c["type"] == type:
                    return c
        return None

    # ------------------------------------------------------------------ REST: guilds, channels, members
    def _channel(self, channel_id: str) -> FakeChannel:
        ch = self.get_channel(int(channel_id)) if channel_id.isdigit() else None
        if ch is None:
            raise not_found(10003, "Unknown Channel")
        return ch

    def _guild(self, guild_id: str) -> FakeGuild:
        g = self.guilds.get(int(guild_id)) if guild_id.isdigit() else None
        if g is None:
            raise not_found(10004, "Unknown Guild")
        return g

    def _bot_perms(self, ch: FakeChannel) -> int:
        g = self._guild_of(ch)
        if g is None:
            return Perm.ALL
        return g.permissions_for(g.members[self.bot_user.id], ch)

    def _require(self, ctx: _Ctx, perms: int, needed: int, what: str) -> None:
        if perms & needed != needed:
            raise self._reject("missing_permissions", error(403, 50013, "Missing Permissions"), ctx.rec, f"bot lacks {what}")

    async def r_get_channel(self, ctx: _Ctx, channel_id: str) -> Any:
        ch = self._channel(channel_id)
        if not self._bot_perms(ch) & Perm.VIEW_CHANNEL:
            raise self._reject("missing_access", error(403, 50001, "Missing Access"), ctx.rec)
        return ch.to_dict()

    async def r_get_guild(self, ctx: _Ctx, guild_id: str) -> Any:
        g = self._guild(guild_id)
        d = g.to_dict()
        d.update({"approximate_member_count": len(g.members), "approximate_presence_count": 0})
        return d

    async def r_get_guild_channels(self, ctx: _Ctx, guild_id: str) -> Any:
        return [c.to_dict() for c in self._guild(guild_id).channels.values()]

    async def r_get_roles(self, ctx: _Ctx, guild_id: str) -> Any:
        return [r.to_dict() for r in self._guild(guild_id).roles.values()]

    def _member(self, g: FakeGuild, user_id: str) -> FakeMember:
        m = g.members.get(int(user_id)) if user_id.isdigit() else None
        if m is None:
            raise not_found(10007, "Unknown Member")
        return m

    async def r_get_members(self, ctx: _Ctx, guild_id: str) -> Any:
        limit = int(ctx.rec.query.get("limit", 1))
        after = int(ctx.rec.query.get("after", 0))
        ms = sorted((m for m in self._guild(guild_id).members.values() if m.user.id > after), key=lambda m: m.user.id)
        return [m.to_dict() for m in ms[:limit]]

    async def r_get_member(self, ctx: _Ctx, guild_id: str, user_id: str) -> Any:
        return self._member(self._guild(guild_id), user_id).to_dict()

    def _guild_perms(self, ctx: _Ctx, g: FakeGuild, needed: int, what: str) -> None:
        self._require(ctx, g.base_permissions(g.members[self.bot_user.id]), needed, what)

    async def r_edit_member(self, ctx: _Ctx, guild_id: str, user_id: str) -> Any:
        g = self._guild(guild_id)
        m = self._member(g, user_id)
        p = ctx.payload
        if "nick" in p:
            self._guild_perms(ctx, g, 1 << 27, "MANAGE_NICKNAMES")
            m.nick = p["nick"]
        if "roles" in p:
            self._guild_perms(ctx, g, Perm.MANAGE_ROLES, "MANAGE_ROLES")
            m.roles = [int(r) for r in p["roles"] if int(r) != g.id]
        if "communication_disabled_until" in p:
            self._guild_perms(ctx, g, Perm.MODERATE_MEMBERS, "MODERATE_MEMBERS")
            m.communication_disabled_until = p["communication_disabled_until"]
        await self._dispatch_if_session("GUILD_MEMBER_UPDATE", {"guild_id": str(g.id), **m.to_dict()}, Intents.GUILD_MEMBERS)
        return m.to_dict()

    async def r_kick_member(self, ctx: _Ctx, guild_id: str, user_id: str) -> Any:
        g = self._guild(guild_id)
        self._member(g, user_id)
        self._guild_perms(ctx, g, Perm.KICK_MEMBERS, "KICK_MEMBERS")
        del g.members[int(user_id)]
        return 204, None

    async def r_ban(self, ctx: _Ctx, guild_id: str, user_id: str) -> Any:
        g = self._guild(guild_id)
        self._guild_perms(ctx, g, Perm.BAN_MEMBERS, "BAN_MEMBERS")
        g.members.pop(int(user_id), None)
        return 204, None

    async def r_add_member_role(self, ctx: _Ctx, guild_id: str, user_id: str, role_id: str) -> Any:
        g = self._guild(guild_id)
        m = self._member(g, user_id)
        if int(role_id) not in g.roles:
            raise not_found(10011, "Unknown Role")
        self._guild_perms(ctx, g, Perm.MANAGE_ROLES, "MANAGE_ROLES")
        if int(role_id) not in m.roles:
            m.roles.append(int(role_id))
        return 204, None

    async def r_remove_member_role(self, ctx: _Ctx, guild_id: str, user_id: str, role_id: str) -> Any:
        g = self._guild(guild_id)
        m = self._member(g, user_id)
        self._guild_perms(ctx, g, Perm.MANAGE_ROLES, "MANAGE_ROLES")
        if int(role_id) in m.roles:
            m.roles.remove(int(role_id))
        return 204, None

    # ------------------------------------------------------------------ messages (shared)
    def _check_files(self, ctx: _Ctx) -> None:
        if sum(f.size for f in ctx.files) > self.attachment_size_limit:
            raise self._reject("file_too_large", error(413, 40005, "Request entity too large"), ctx.rec)

    def _validate(self, ctx: _Ctx, payload: dict[str, Any], *, require_content: bool = True) -> None:
        err = validate_message(payload, n_files=len(ctx.files), require_content=require_content)
        if err:
            raise self._reject("empty_message" if err.code == 50006 else "invalid_form_body", err, ctx.rec)
        self._check_files(ctx)

    def _make_attachments(self, channel_id: int, payload: dict[str, Any], files: list[RecordedFile], existing: list[dict[str, Any]]) -> list[dict[str, Any]]:
        by_field = {f.field_name: f for f in files}
        out: list[dict[str, Any]] = []
        listed = payload.get("attachments")
        entries = listed if listed is not None else [{"id": i} for i in range(len(files))] + [{"id": a["id"]} for a in existing]
        used: set[str] = set()
        for entry in entries:
            aid = entry.get("id")
            f = by_field.get(f"files[{aid}]")
            if f is not None and f"files[{aid}]" not in used:
                used.add(f"files[{aid}]")
                out.append(self._new_attachment(channel_id, f, entry))
                continue
            old = next((a for a in existing if str(a["id"]) == str(aid)), None)
            if old is not None:
                out.append(old)
        for name, f in by_field.items():  # files not listed in "attachments"
            if name not in used and listed is not None and not any(str(e.get("id")) == name[6:-1] for e in listed):
                out.append(self._new_attachment(channel_id, f, {}))
        return out

    def _new_attachment(self, channel_id: int, f: RecordedFile, entry: dict[str, Any]) -> dict[str, Any]:
        aid = self.ids()
        filename = entry.get("filename") or f.filename or "unknown"
        self.attachment_data[aid] = f.data
        ctype = mimetypes.guess_type(filename)[0]
        if ctype and ctype.startswith("text/"):
            ctype += "; charset=utf-8"
        a: dict[str, Any] = {
            "id": str(aid),
            "filename": filename,
            "size": f.size,
            "url": f"{self.CDN_URL}/attachments/{channel_id}/{aid}/{filename}",
            "proxy_url": f"{self.MEDIA_URL}/attachments/{channel_id}/{aid}/{filename}",
            "content_type": ctype or "application/octet-stream",
        }
        if entry.get("description"):
            a["description"] = entry["description"]
        return a

    def _mentions_for(self, pings: list[str]) -> tuple[list[dict[str, Any]], list[str], bool]:
        users, roles = [], []
        for p in pings:
            kind, _, ident = p.partition(":")
            if kind in ("user", "replied_user") and ident.isdigit() and int(ident) in self.users:
                d = self.users[int(ident)].to_dict()
                if d not in users:
                    users.append(d)
            elif kind == "role":
                roles.append(ident)
        return users, roles, "@everyone" in pings

    def _build_message(
        self,
        *,
        channel: FakeChannel,
        payload: dict[str, Any],
        files: list[RecordedFile],
        author: FakeUser,
        ref: Optional[dict[str, Any]] = None,
        interaction: Optional[FakeInteraction] = None,
        message_id: Optional[int] = None,
        msg_type: int = 0,
    ) -> dict[str, Any]:
        mid = message_id or self.ids()
        content = payload.get("content") or ""
        replied = int(ref["author"]["id"]) if ref else None
        pings = compute_pings(content, payload.get("allowed_mentions"), replied_user_id=replied)
        mentions, mention_roles, everyone = self._mentions_for(pings)
        embeds = []
        for e in payload.get("embeds") or []:
            e = copy.deepcopy(e)
            e.setdefault("type", "rich")
            e.setdefault("content_scan_version", 0)
            embeds.append(e)
        msg: dict[str, Any] = {
            "id": str(mid),
            "channel_id": str(channel.id),
            "author": author.to_dict(),
            "content": content,
            "timestamp": iso(),
            "edited_timestamp": None,
            "tts": bool(payload.get("tts")),
            "mention_everyone": everyone,
            "mentions": mentions,
            "mention_roles": mention_roles,
            "attachments": self._make_attachments(channel.id, payload, files, []),
            "embeds": embeds,
            "pinned": False,
            "type": msg_type,
            "flags": int(payload.get("flags") or 0),
            "components": copy.deepcopy(payload.get("components") or []),
        }
        if payload.get("nonce") is not None:
            msg["nonce"] = payload["nonce"]
        if ref is not None:
            msg["type"] = 19
            msg["message_reference"] = {"type": 0, "message_id": ref["id"], "channel_id": ref["channel_id"]}
            if channel.guild_id:
                msg["message_reference"]["guild_id"] = str(channel.guild_id)
            msg["referenced_message"] = ref
        if interaction is not None:
            user = interaction.payload.get("member", {}).get("user") or interaction.payload.get("user")
            msg["webhook_id"] = str(self.application_id)
            msg["application_id"] = str(self.application_id)
            meta: dict[str, Any] = {
                "id": str(interaction.id),
                "type": interaction.type,
                "user": user,
                "authorizing_integration_owners": interaction.payload.get("authorizing_integration_owners", {}),
            }
            if interaction.type == IT_COMMAND:
                meta["name"] = interaction.payload["data"]["name"]
                meta["command_type"] = interaction.payload["data"].get("type", 1)
            msg["interaction_metadata"] = meta
            if interaction.type == IT_COMMAND:
                msg["interaction"] = {"id": str(interaction.id), "type": interaction.type, "name": meta["name"], "user": user}
        return msg

    def _store_message(self, msg: dict[str, Any]) -> None:
        mid = int(msg["id"])
        self.message_store[mid] = msg
        if msg.get("flags", 0) & EPHEMERAL:
            self._ephemeral_ids.add(mid)
        ch = self.get_channel(int(msg["channel_id"]))
        if ch is not None:
            ch.last_message_id = mid

    def _record(self, kind: str, ctx: _Ctx, msg: dict[str, Any], payload: dict[str, Any], interaction: Optional[FakeInteraction] = None) -> SentMessage:
        sm = SentMessage(
            kind=kind,
            channel_id=int(msg["channel_id"]),
            message_id=int(msg["id"]),
            payload=copy.deepcopy(payload),
            message=copy.deepcopy(msg),
            files=list(ctx.files),
            interaction_id=interaction.id if interaction else None,
            request=ctx.rec,
        )
        self.messages.append(sm)
        self._notify()
        return sm

    def _apply_edit(self, msg: dict[str, Any], payload: dict[str, Any], files: list[RecordedFile]) -> dict[str, Any]:
        new = copy.deepcopy(msg)
        for key in ("content", "components"):
            if key in payload:
                new[key] = copy.deepcopy(payload[key]) if payload[key] is not None else ([] if key == "components" else "")
        if "embeds" in payload:
            new["embeds"] = [{"type": "rich", "content_scan_version": 0, **e} for e in payload["embeds"] or []]
        if "flags" in payload and payload["flags"] is not None:
            keep = new.get("flags", 0) & (EPHEMERAL)
            new["flags"] = (int(payload["flags"]) & ~LOADING) | keep
        new["flags"] = new.get("flags", 0) & ~LOADING
        if "attachments" in payload or files:
            new["attachments"] = self._make_attachments(int(msg["channel_id"]), payload, files, msg.get("attachments") or [])
        if "content" in payload or "allowed_mentions" in payload:
            ref = msg.get("referenced_message")
            pings = compute_pings(new.get("content"), payload.get("allowed_mentions"),
                                  replied_user_id=int(ref["author"]["id"]) if ref else None)
            new["mentions"], new["mention_roles"], new["mention_everyone"] = self._mentions_for(pings)
        new["edited_timestamp"] = iso()
        return new

    def _is_empty(self, msg: dict[str, Any]) -> bool:
        return not (msg.get("content") or msg.get("embeds") or msg.get("components") or msg.get("attachments") or msg.get("poll"))

    async def _echo(self, event: str, msg: dict[str, Any]) -> None:
        if not self.echo_own_messages or msg.get("flags", 0) & EPHEMERAL:
            return
        ch = self.get_channel(int(msg["channel_id"]))
        data = dict(msg)
        need = Intents.DIRECT_MESSAGES
        if ch is not None and ch.guild_id:
            data["guild_id"] = str(ch.guild_id)
            g = self.guilds[ch.guild_id]
            data["member"] = g.members[self.bot_user.id].to_dict(with_user=False)
            need = Intents.GUILD_MESSAGES
        await self._dispatch_if_session(event, data, need)

    # ------------------------------------------------------------------ REST: channel messages
    def _stored(self, channel: FakeChannel, message_id: str) -> dict[str, Any]:
        msg = self.message_store.get(int(message_id)) if message_id.isdigit() else None
        if msg is None or int(msg["channel_id"]) != channel.id or int(message_id) in self._ephemeral_ids:
            raise not_found(10008, "Unknown Message")
        return msg

    async def r_create_message(self, ctx: _Ctx, channel_id: str) -> Any:
        ch = self._channel(channel_id)
        perms = self._bot_perms(ch)
        if not perms & Perm.VIEW_CHANNEL:
            raise self._reject("missing_access", error(403, 50001, "Missing Access"), ctx.rec)
        self._require(ctx, perms, Perm.SEND_MESSAGES, "SEND_MESSAGES")
        if ctx.files:
            self._require(ctx, perms, Perm.ATTACH_FILES, "ATTACH_FILES")
        payload = ctx.payload
        self._validate(ctx, payload)
        ref = None
        mref = payload.get("message_reference")
        if mref and mref.get("message_id"):
            target_ch = self.get_channel(int(mref.get("channel_id") or ch.id)) or ch
            try:
                ref = self._stored(target_ch, str(mref["message_id"]))
            except ApiError:
                if mref.get("fail_if_not_exists", True):
                    errs = FormErrors()
                    errs.add(("message_reference",), "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")
                    raise self._reject("invalid_form_body", errs.to_error(), ctx.rec)
        msg = self._build_message(channel=ch, payload=payload, files=ctx.files, author=self.bot_user, ref=ref)
        if ref is not None:
            msg["message_reference"]["channel_id"] = ref["channel_id"]
        self._store_message(msg)
        self._record("channel", ctx, msg, payload)
        await self._echo("MESSAGE_CREATE", msg)
        return msg

    async def r_get_messages(self, ctx: _Ctx, channel_id: str) -> Any:
        ch = self._channel(channel_id)
        self._require(ctx, self._bot_perms(ch), Perm.VIEW_CHANNEL | Perm.READ_MESSAGE_HISTORY, "READ_MESSAGE_HISTORY")
        q = ctx.rec.query
        limit = min(int(q.get("limit", 50)), 100)
        msgs = [m for m in self.channel_history(ch) if int(m["id"]) not in self._ephemeral_ids]
        if "before" in q:
            msgs = [m for m in msgs if int(m["id"]) < int(q["before"])]
        if "after" in q:
            msgs = [m for m in msgs if int(m["id"]) > int(q["after"])]
            return sorted(msgs, key=lambda m: int(m["id"]))[:limit][::-1]
        return sorted(msgs, key=lambda m: int(m["id"]), reverse=True)[:limit]

    async def r_get_message(self, ctx: _Ctx, channel_id: str, message_id: str) -> Any:
        return self._stored(self._channel(channel_id), message_id)

    async def r_edit_message(self, ctx: _Ctx, channel_id: str, message_id: str) -> Any:
        ch = self._channel(channel_id)
        msg = self._stored(ch, message_id)
        if int(msg["author"]["id"]) != self.bot_user.id and set(ctx.payload) - {"flags"}:
            raise self._reject("not_author", error(403, 50005, "Cannot edit a message authored by another user"), ctx.rec)
        self._validate(ctx, ctx.payload, require_content=False)
        new = self._apply_edit(msg, ctx.payload, ctx.files)
        if self._is_empty(new):
            raise self._reject("empty_message", error(400, 50006, "Cannot send an empty message"), ctx.rec)
        self._store_message(new)
        self._record("edit", ctx, new, ctx.payload)
        await self._echo("MESSAGE_UPDATE", new)
        return new

    async def r_delete_message(self, ctx: _Ctx, channel_id: str, message_id: str) -> Any:
        ch = self._channel(channel_id)
        msg = self._stored(ch, message_id)
        if int(msg["author"]["id"]) != self.bot_user.id:
            self._require(ctx, self._bot_perms(ch), Perm.MANAGE_MESSAGES, "MANAGE_MESSAGES")
        del self.message_store[int(message_id)]
        data = {"id": message_id, "channel_id": channel_id}
        if ch.guild_id:
            data["guild_id"] = str(ch.guild_id)
        await self._dispatch_if_session("MESSAGE_DELETE", data, Intents.GUILD_MESSAGES if ch.guild_id else Intents.DIRECT_MESSAGES)
        return 204, None

    async def r_add_reaction(self, ctx: _Ctx, channel_id: str, message_id: str, emoji: str) -> Any:
        ch = self._channel(channel_id)
        msg = self._stored(ch, message_id)
        self._require(ctx, self._bot_perms(ch), Perm.ADD_REACTIONS | Perm.READ_MESSAGE_HISTORY, "ADD_REACTIONS")
        self.reactions.append((ch.id, int(message_id), emoji))
        name, _, eid = emoji.partition(":")
        reactions = msg.setdefault("reactions", [])
        r = next((r for r in reactions if r["emoji"]["name"] == name), None)
        if r is None:
            reactions.append({"count": 1, "me": True, "emoji": {"id": eid or None, "name": name},
                              "count_details": {"burst": 0, "normal": 1}, "burst_colors": [], "me_burst": False, "burst_me": False, "burst_count": 0})
        elif not r["me"]:
            r["me"], r["count"] = True, r["count"] + 1
        self._notify()
        return 204, None

    async def r_remove_reaction(self, ctx: _Ctx, channel_id: str, message_id: str, emoji: str) -> Any:
        msg = self._stored(self._channel(channel_id), message_id)
        name = emoji.partition(":")[0]
        msg["reactions"] = [r for r in msg.get("reactions", []) if not (r["emoji"]["name"] == name and r["me"])]
        return 204, None

    async def r_typing(self, ctx: _Ctx, channel_id: str) -> Any:
        self._channel(channel_id)
        return 204, None

    # ------------------------------------------------------------------ REST: interactions
    def _interaction_by_token(self, ctx: _Ctx, application_id: str, token: str) -> FakeInteraction:
        inter = self._interactions_by_token.get(token)
        if inter is None or application_id != str(self.application_id):
            raise self._reject("unknown_webhook", not_found(10015, "Unknown Webhook"), ctx.rec)
        if inter.delivered_at is not None and self.now() - inter.delivered_at > self.interaction_token_ttl:
            raise self._reject("expired_interaction_token", error(401, 50027, "Invalid Webhook Token"), ctx.rec)
        return inter

    def _interaction_channel(self, inter: FakeInteraction) -> FakeChannel:
        ch = self.get_channel(inter.channel_id)
        assert ch is not None
        return ch

    def _callback_body(self, inter: FakeInteraction, cb_type: int, message: Optional[dict[str, Any]]) -> dict[str, Any]:
        body: dict[str, Any] = {
            "interaction": {
                "id": str(inter.id),
                "type": inter.type,
                "response_message_loading": inter.loading,
                "response_message_ephemeral": bool(message and message.get("flags", 0) & EPHEMERAL),
            }
        }
        if message is not None:
            body["interaction"]["response_message_id"] = message["id"]
            body["resource"] = {"type": cb_type, "message": message}
        elif cb_type in (CB_MODAL, CB_DEFERRED_UPDATE, CB_AUTOCOMPLETE):
            pass
        else:
            body["resource"] = {"type": cb_type}
        return body

    async def r_interaction_callback(self, ctx: _Ctx, interaction_id: str, token: str) -> Any:
        inter = self.interactions.get(int(interaction_id)) if interaction_id.isdigit() else None
        if inter is None or inter.token != token:
            raise self._reject("unknown_interaction", not_found(10062, "Unknown interaction"), ctx.rec)
        payload = ctx.payload
        cb_type = int(payload.get("type", 0))
        data = payload.get("data")
        age = self.now() - (inter.delivered_at if inter.delivered_at is not None else inter.created_at)
        attempt = CallbackAttempt(type=cb_type, data=copy.deepcopy(data), at=age, files=list(ctx.files))
        inter.callbacks.append(attempt)
        try:
            result = await self._interaction_callback(ctx, inter, cb_type, data or {}, age)
        except ApiError as e:
            attempt.status, attempt.error = e.status, e.body
            self._notify()
            raise
        attempt.status = 200
        inter.response = attempt
        self._notify()
        if ctx.rec.query.get("with_response") in ("1", "true", "True"):
            return result
        return 204, None

    async def _interaction_callback(self, ctx: _Ctx, inter: FakeInteraction, cb_type: int, data: dict[str, Any], age: float) -> Any:
        if age > self.interaction_deadline:
            raise self._reject(
                "late_interaction_response", not_found(10062, "Unknown interaction"), ctx.rec,
                f"initial response {age:.2f}s after the interaction was sent (limit {self.interaction_deadline:g}s)",
            )
        if inter.acknowledged:
            raise self._reject(
                "already_acknowledged", error(400, 40060, "Interaction has already been acknowledged."), ctx.rec,
                f"second initial response (type {cb_type}) to interaction {inter.id}",
            )
        if cb_type not in _ALLOWED_CALLBACKS.get(inter.type, set()) or (
            cb_type == CB_UPDATE and inter.type == IT_MODAL_SUBMIT and "message" not in inter.payload
        ):
            errs = FormErrors()
            errs.add(("type",), "INTERACTION_CALLBACK_TYPE_INVALID",
                     f"Interaction callback type {cb_type} is not valid for interaction type {inter.type}")
            raise self._reject("invalid_form_body", errs.to_error(), ctx.rec)
        ch = self._interaction_channel(inter)

        if cb_type == CB_MESSAGE:
            self._validate(ctx, data)
            msg = self._build_message(channel=ch, payload=data, files=ctx.files, author=self.bot_user, interaction=inter,
                                      msg_type=20 if inter.type == IT_COMMAND else 0)
            self._store_message(msg)
            inter.original_message_id = int(msg["id"])
            self._record("interaction_response", ctx, msg, data, inter)
            await self._echo("MESSAGE_CREATE", msg)
            return self._callback_body(inter, cb_type, msg)

        if cb_type == CB_DEFERRED_MESSAGE:
            flags = (int(data.get("flags") or 0) & EPHEMERAL) | LOADING
            msg = self._build_message(channel=ch, payload={"flags": flags}, files=[], author=self.bot_user, interaction=inter,
                                      msg_type=20 if inter.type == IT_COMMAND else 0)
            self._store_message(msg)
            inter.original_message_id = int(msg["id"])
            inter.loading = True
            return self._callback_body(inter, cb_type, msg)

        if cb_type in (CB_DEFERRED_UPDATE, CB_UPDATE):
            target = inter.payload.get("message")
            target_id = int(target["id"]) if target else None
            inter.original_message_id = target_id
            if cb_type == CB_DEFERRED_UPDATE:
                return self._callback_body(inter, cb_type, None)
            self._validate(ctx, data, require_content=False)
            old = self.message_store.get(target_id) if target_id else None
            if old is None:
                raise self._reject("unknown_message", not_found(10008, "Unknown Message"), ctx.rec)
            new = self._apply_edit(old, data, ctx.files)
            self._store_message(new)
            self._record("interaction_update", ctx, new, data, inter)
            await self._echo("MESSAGE_UPDATE", new)
            return self._callback_body(inter, cb_type, new)

        if cb_type == CB_MODAL:
            err = validate_modal(data)
            if err:
                raise self._reject("invalid_form_body", err, ctx.rec)
            inter.modal = copy.deepcopy(data)
            return self._callback_body(inter, cb_type, None)

        if cb_type == CB_AUTOCOMPLETE:
            choices = data.get("choices") or []
            if len(choices) > 25:
                errs = FormErrors()
                errs.add(("data", "choices"), "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
                raise self._reject("invalid_form_body", errs.to_error(), ctx.rec)
            inter.autocomplete_choices = copy.deepcopy(choices)
            return self._callback_body(inter, cb_type, None)

        return self._callback_body(inter, cb_type, None)  # premium / launch activity: accepted, nothing else

    def _webhook_message(self, ctx: _Ctx, inter: FakeInteraction, message_id: str) -> dict[str, Any]:
        if message_id == "@original":
            mid = inter.original_message_id
        else:
            mid = int(message_id) if message_id.isdigit() else None
            if mid not in inter.followup_ids and mid != inter.original_message_id:
                mid = None
        msg = self.message_store.get(mid) if mid else None
        if msg is None:
            raise self._reject("unknown_message", not_found(10008, "Unknown Message"), ctx.rec)
        return msg

    async def r_followup(self, ctx: _Ctx, application_id: str, token: str) -> Any:
        inter = self._interaction_by_token(ctx, application_id, token)
        if not inter.acknowledged:
            raise self._reject(
                "followup_before_ack", not_found(10015, "Unknown Webhook"), ctx.rec,
                f"followup for interaction {inter.id} before any initial response",
            )
        payload = ctx.payload
        self._validate(ctx, payload)
        ch = self._interaction_channel(inter)
        if inter.loading and inter.original_message_id is not None:
            # The first followup after a deferred (type 5) response replaces the
            # "thinking..." message; it keeps the defer's ephemerality.
            old = self.message_store[inter.original_message_id]
            flags = (int(payload.get("flags") or 0) & ~EPHEMERAL) | (old["flags"] & EPHEMERAL)
            msg = self._build_message(channel=ch, payload={**payload, "flags": flags}, files=ctx.files, author=self.bot_user,
                                      interaction=inter, message_id=inter.original_message_id, msg_type=old["type"])
            msg["timestamp"] = old["timestamp"]
            inter.loading = False
        else:
            msg = self._build_message(channel=ch, payload=payload, files=ctx.files, author=self.bot_user, interaction=inter)
            inter.followup_ids.append(int(msg["id"]))
        self._store_message(msg)
        self._record("followup", ctx, msg, payload, inter)
        await self._echo("MESSAGE_CREATE", msg)
        if ctx.rec.query.get("wait") in ("1", "true", "True"):
            return msg
        return 204, None

    async def r_webhook_get_message(self, ctx: _Ctx, application_id: str, token: str, message_id: str) -> Any:
        inter = self._interaction_by_token(ctx, application_id, token)
        return self._webhook_message(ctx, inter, message_id)

    async def r_webhook_edit_message(self, ctx: _Ctx, application_id: str, token: str, message_id: str) -> Any:
        inter = self._interaction_by_token(ctx, application_id, token)
        msg = self._webhook_message(ctx, inter, message_id)
        self._validate(ctx, ctx.payload, require_content=False)
        new = self._apply_edit(msg, ctx.payload, ctx.files)
        if self._is_empty(new):
            raise self._reject("empty_message", error(400, 50006, "Cannot send an empty message"), ctx.rec)
        if int(new["id"]) == inter.original_message_id:
            inter.loading = False
        self._store_message(new)
        self._record("interaction_edit", ctx, new, ctx.payload, inter)
        await self._echo("MESSAGE_UPDATE", new)
        return new

    async def r_webhook_delete_message(self, ctx: _Ctx, application_id: str, token: str, message_id: str) -> Any:
        inter = self._interaction_by_token(ctx, application_id, token)
        msg = self._webhook_message(ctx, inter, message_id)
        del self.message_store[int(msg["id"])]
        return 204, None

    # ------------------------------------------------------------------ gateway server
    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(compress=False, max_msg_size=0, heartbeat=None)
        await ws.prepare(request)
        query = dict(request.query)
        try:
            conn = GatewayConnection(ws=ws, compress=query.get("compress"), query=query)
        except (ValueError, ImportError) as e:
            await ws.close(code=4002, message=str(e).encode()[:100])
            return ws
        self.connections.append(conn)
        try:
            if query.get("encoding", "json") != "json":
                await conn.close(4002, b"Only JSON encoding is supported by the stand-in.")
                return ws
            await conn.send({"op": Op.HELLO, "d": {"heartbeat_interval": self.heartbeat_interval_ms, "_trace": ["[\"standin-gateway\"]"]}, "s": None, "t": None})
            async for msg in ws:
                if msg.type == aiohttp.WSMsgType.TEXT:
                    try:
                        payload = json.loads(msg.data)
                    except ValueError:
                        await conn.close(4002, b"Error while decoding payload.")
                        break
                    conn.received.append(payload)
                    try:
                        await self._on_gateway_payload(conn, payload)
                    except ConnectionResetError:
                        break
                    except Exception as e:
                        log.exception("discord stand-in gateway crashed on %r", payload)
                        self.server_errors.append(f"gateway op {payload.get('op')}: {e!r}")
                        await conn.close(4000, b"Unknown error.")
                        break
                elif msg.type == aiohttp.WSMsgType.BINARY:
                    await conn.close(4002, b"Error while decoding payload.")
                    break
                elif msg.type == aiohttp.WSMsgType.ERROR:
                    break
        finally:
            s = conn.session
            if s is not None and s.connection is conn:
                s.connection = None
                s.live = False
            with contextlib.suppress(ValueError):
                self.connections.remove(conn)
            self._notify()
        return ws

    async def _on_gateway_payload(self, conn: GatewayConnection, payload: dict[str, Any]) -> None:
        op = payload.get("op")
        d = payload.get("d")
        if op == Op.HEARTBEAT:
            await conn.send({"op": Op.HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == Op.IDENTIFY:
            await self._identify(conn, d or {})
        elif op == Op.RESUME:
            await self._resume(conn, d or {})
        elif conn.session is None:
            await conn.close(4003, b"Not authenticated.")
        elif op == Op.REQUEST_MEMBERS:
            await self._request_members(conn, d or {})
        elif op in (Op.PRESENCE, Op.VOICE_STATE):
            pass
        else:
            await conn.close(4001, b"Unknown opcode.")

    async def _identify(self, conn: GatewayConnection, d: dict[str, Any]) -> None:
        if conn.session is not None:
            await conn.close(4005, b"Already authenticated.")
            return
        if d.get("token") != self.token:
            await conn.close(4004, b"Authentication failed.")
            return
        intents = int(d.get("intents", 0))
        privileged = sum(bit for name, bit in Intents.PRIVILEGED.items() if name not in self.privileged_intents)
        if intents & privileged:
            await conn.close(4014, b"Disallowed intent(s).")
            return
        old = self.session
        if old is not None and old.connection is not None and old.connection is not conn:
            with contextlib.suppress(Exception):
                await old.connection.close(4000)
        s = GatewaySession(intents=intents)
        self.sessions[s.id] = s
        self.session = s
        conn.session = s
        self.identify_count += 1
        self.identify_payloads.append(d)
        shard = d.get("shard")
        async with s.lock:
            s.connection = conn
            ready: dict[str, Any] = {
                "v": 10,
                "user": self._me(),
                "guilds": [{"id": str(g.id), "unavailable": True} for g in self.guilds.values()],
                "session_id": s.id,
                "session_type": "normal",
                "resume_gateway_url": self.RESUME_GATEWAY_URL,
                "application": {"id": str(self.application_id), "flags": self._app_flags()},
                "private_channels": [],
                "relationships": [],
                "presences": [],
                "guild_join_requests": [],
                "geo_ordered_rtc_regions": ["us-east"],
                "user_settings": {},
                "auth": {},
                "_trace": ["[\"standin-gateway\"]"],
            }
            if shard is not None:
                ready["shard"] = shard
            await self._emit(s, "READY", ready, send=True)
            for g in self.guilds.values():
                gd = g.gateway_dict(bot_user_id=self.bot_user.id, include_all_members=bool(intents & Intents.GUILD_MEMBERS))
                await self._emit(s, "GUILD_CREATE", gd, send=True)
            s.live = True
        self._notify()

    async def _resume(self, conn: GatewayConnection, d: dict[str, Any]) -> None:
        if d.get("token") != self.token:
            await conn.close(4004, b"Authentication failed.")
            return
        s = self.sessions.get(d.get("session_id") or "")
        if s is None or s is not self.session:
            # Not resumable: the client must IDENTIFY again (discord.py waits 5 s first).
            await conn.send({"op": Op.INVALIDATE_SESSION, "d": False, "s": None, "t": None})
            return
        seq = int(d.get("seq") or 0)
        async with s.lock:
            if s.connection is not None and s.connection is not conn:
                with contextlib.suppress(Exception):
                    await s.connection.close(4000)
            s.connection = conn
            conn.session = s
            for ev in list(s.events):
                if ev["s"] > seq:
                    await conn.send(ev)
                    self._mark_delivered(ev)
            await self._emit(s, "RESUMED", {"_trace": ["[\"standin-gateway\"]"]}, send=True)
            s.live = True
            s.resumes += 1
            self.resume_count += 1
        self._notify()

    async def _request_members(self, conn: GatewayConnection, d: dict[str, Any]) -> None:
        gids = d.get("guild_id")
        for gid in gids if isinstance(gids, list) else [gids]:
            g = self.guilds.get(int(gid))
            if g is None:
                continue
            members = list(g.members.values())
            if d.get("user_ids"):
                ids = {int(u) for u in (d["user_ids"] if isinstance(d["user_ids"], list) else [d["user_ids"]])}
                members = [m for m in members if m.user.id in ids]
            elif d.get("query"):
                members = [m for m in members if m.user.username.lower().startswith(d["query"].lower())]
            if d.get("limit"):
                members = members[: int(d["limit"])]
            chunk: dict[str, Any] = {
                "guild_id": str(g.id),
                "members": [m.to_dict() for m in members],
                "chunk_index": 0,
                "chunk_count": 1,
                "not_found": [],
            }
            if d.get("nonce") is not None:
                chunk["nonce"] = d["nonce"]
            assert conn.session is not None
            async with conn.session.lock:
                await self._emit(conn.session, "GUILD_MEMBERS_CHUNK", chunk, send=conn.session.live)

    def _mark_delivered(self, ev: dict[str, Any]) -> None:
        if ev.get("t") == "INTERACTION_CREATE":
            inter = self.interactions.get(int(ev["d"]["id"]))
            if inter is not None and inter.delivered_at is None:
                inter.delivered_at = self.now()

    async def _emit(self, s: GatewaySession, event: str, data: dict[str, Any], *, send: bool) -> int:
        """Append a dispatch to the session (caller holds ``s.lock``) and send it if asked."""
        seq = s.next_seq()
        ev = {"op": Op.DISPATCH, "s": seq, "t": event, "d": data}
        s.events.append(ev)
        if send and s.connection is not None:
            try:
                await s.connection.send(ev)
            except (ConnectionResetError, RuntimeError):
                return seq  # stays in s.events; replayed on RESUME
            self._mark_delivered(ev)
        return seq

    # ------------------------------------------------------------------ gateway: test-facing
    async def dispatch(self, event: str, data: dict[str, Any]) -> int:
        """Send a raw dispatch event (op 0) to the bot; returns its sequence number.
        While the client is disconnected the event is queued and replayed on RESUME."""
        s = self.session
        if s is None:
            raise RuntimeError("no gateway session: the client has not IDENTIFY'd yet")
        async with s.lock:
            return await self._emit(s, event, data, send=s.live)

    async def _dispatch_if_session(self, event: str, data: dict[str, Any], intent: int = 0) -> Optional[int]:
        s = self.session
        if s is None or (intent and not s.intents & intent):
            return None
        return await self.dispatch(event, data)

    async def close_gateway(self, code: int = 4000, reason: str = "") -> None:
        """Close the bot's gateway socket with ``code`` (4000 = unknown error, resumable)."""
        s = self.session
        conn = s.connection if s else None
        if s is None or conn is None:
            raise RuntimeError("no live gateway connection")
        async with s.lock:
            s.live = False
            s.connection = None
        self._expected_resumes = self.resume_count + 1
        await conn.close(code, reason.encode())

    async def send_reconnect(self) -> None:
        """Send op 7 RECONNECT: discord.py closes and RESUMEs."""
        s = self.session
        if s is None or s.connection is None:
            raise RuntimeError("no live gateway connection")
        self._expected_resumes = self.resume_count + 1
        await s.connection.send({"op": Op.RECONNECT, "d": None, "s": None, "t": None})

    async def invalidate_session(self, resumable: bool = False) -> None:
        """Send op 9.  With ``resumable=False`` the session is dropped and discord.py
        re-IDENTIFYs - after its 5 s ``before_identify_hook`` sleep (override that hook
        in the test bot to skip the wait)."""
        s = self.session
        if s is None or s.connection is None:
            raise RuntimeError("no live gateway connection")
        conn = s.connection
        if not resumable:
            self.session = None
            s.live = False
        await conn.send({"op": Op.INVALIDATE_SESSION, "d": resumable, "s": None, "t": None})

    # ------------------------------------------------------------------ events: interactions
    def _member_of(self, guild: FakeGuild, user: UserLike) -> FakeMember:
        u = self._user(user)
        m = guild.members.get(u.id)
        if m is None:
            raise ValueError(f"{u.username} is not a member of guild {guild.name!r}")
        return m

    def _interaction_base(self, itype: int, data: dict[str, Any], user: Optional[UserLike], channel: Optional[FakeChannel], locale: str) -> FakeInteraction:
        channel = channel or self.channel
        user_obj = self._user(user if user is not None else self.member)
        iid = self.ids()
        token = "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(96)
        guild = self._guild_of(channel)
        payload: dict[str, Any] = {
            "id": str(iid),
            "application_id": str(self.application_id),
            "type": itype,
            "data": data,
            "token": token,
            "version": 1,
            "locale": locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": self.attachment_size_limit,
            "channel_id": str(channel.id),
        }
        if guild is not None:
            member = self._member_of(guild, user_obj)
            perms = guild.permissions_for(member, channel)
            ch = channel.to_dict()
            ch["permissions"] = str(perms)
            payload.update(
                {
                    "guild_id": str(guild.id),
                    "guild": {"id": str(guild.id), "locale": guild.preferred_locale, "features": []},
                    "guild_locale": guild.preferred_locale,
                    "channel": ch,
                    "member": member.to_dict(permissions=perms),
                    "app_permissions": str(self._bot_perms(channel)),
                    "authorizing_integration_owners": {"0": str(guild.id)},
                    "context": 0,
                }
            )
        else:
            payload.update(
                {
                    "user": user_obj.to_dict(),
                    "channel": channel.to_dict(),
                    "app_permissions": str(Perm.DEFAULT_EVERYONE),
                    "authorizing_integration_owners": {"1": str(user_obj.id)},
                    "context": 1,
                }
            )
        inter = FakeInteraction(id=iid, token=token, type=itype, payload=payload, created_at=self.now())
        self.interactions[iid] = inter
        self._interactions_by_token[token] = inter
        return inter

    async def _send_interaction(self, inter: FakeInteraction) -> FakeInteraction:
        await self.dispatch("INTERACTION_CREATE", inter.payload)
        self._notify()
        return inter

    def _resolve_option(self, value: Any, otype: int, resolved: dict[str, dict[str, Any]], guild: Optional[FakeGuild]) -> Any:
        if otype in (OPT_USER, OPT_MENTIONABLE) and isinstance(value, (FakeUser, FakeMember)) or otype == OPT_USER:
            u = self._user(value)
            resolved.setdefault("users", {})[str(u.id)] = u.to_dict()
            if guild is not None and u.id in guild.members:
                m = guild.members[u.id]
                resolved.setdefault("members", {})[str(u.id)] = m.to_dict(with_user=False, permissions=guild.permissions_for(m))
            return str(u.id)
        if otype == OPT_CHANNEL:
            ch = value if isinstance(value, FakeChannel) else self.get_channel(value)
            assert ch is not None, f"unknown channel {value!r}"
            d = ch.to_dict()
            d["permissions"] = str(self._bot_perms(ch))
            resolved.setdefault("channels", {})[str(ch.id)] = d
            return str(ch.id)
        if otype in (OPT_ROLE, OPT_MENTIONABLE):
            role = value if isinstance(value, FakeRole) else (guild.roles[int(value)] if guild else None)
            assert role is not None, f"unknown role {value!r}"
            resolved.setdefault("roles", {})[str(role.id)] = role.to_dict()
            return str(role.id)
        if otype == OPT_INT:
            return int(value)
        if otype == OPT_NUMBER:
            return float(value)
        if otype == OPT_BOOL:
            return bool(value)
        return str(value)

    @staticmethod
    def _infer_type(value: Any) -> int:
        if isinstance(value, bool):
            return OPT_BOOL
        if isinstance(value, int):
            return OPT_INT
        if isinstance(value, float):
            return OPT_NUMBER
        if isinstance(value, (FakeUser, FakeMember)):
            return OPT_USER
        if isinstance(value, FakeChannel):
            return OPT_CHANNEL
        if isinstance(value, FakeRole):
            return OPT_ROLE
        return OPT_STRING

    def _build_options(self, defs: Optional[list[dict[str, Any]]], values: dict[str, Any], resolved: dict[str, dict[str, Any]],
                       guild: Optional[FakeGuild], focused: Optional[str]) -> list[dict[str, Any]]:
        out = []
        for name, value in values.items():
            odef = next((o for o in defs or [] if o["name"] == name), None)
            if defs is not None and odef is None:
                raise ValueError(f"option {name!r} is not part of the registered command (has {[o['name'] for o in defs]})")
            otype = int(odef["type"]) if odef else self._infer_type(value)
            entry = {"name": name, "type": otype, "value": self._resolve_option(value, otype, resolved, guild) if name != focused else str(value)}
            if name == focused:
                entry["focused"] = True
            out.append(entry)
        return out

    async def send_interaction(
        self,
        command: str,
        options: Union[dict[str, Any], list[dict[str, Any]], None] = None,
        *,
        user: Optional[UserLike] = None,
        channel: Optional[FakeChannel] = None,
        locale: str = "en-US",
        focused: Optional[str] = None,
    ) -> FakeInteraction:
        """Dispatch INTERACTION_CREATE for a slash command (type 2, or type 4
        autocomplete if ``focused`` names the option being typed).

        ``command`` may contain subcommand group / subcommand: ``"config set"``,
        ``"admin user warn"``.  ``options`` is ``{name: value}`` (types taken from the
        synced command definition if there is one, otherwise inferred; FakeUser/
        FakeMember/FakeChannel/FakeRole values produce ``resolved`` data) or a raw
        Discord options list.  ``user`` defaults to ``fake.member`` (alice) and
        ``channel`` to ``fake.channel`` (#general).
        """
        channel = channel or self.channel
        guild = self._guild_of(channel)
        name, *path = command.split()
        cmd = self.find_command(name, guild)
        if cmd is None and self.registered_commands_only:
            raise ValueError(f"command {name!r} has not been registered (synced) with the stand-in")
        resolved: dict[str, dict[str, Any]] = {}
        defs: Optional[list[dict[str, Any]]] = cmd.get("options", []) if cmd else None
        wrappers: list[dict[str, Any]] = []
        for i, sub in enumerate(path):
            sdef = next((o for o in defs or [] if o["name"] == sub), None) if defs is not None else None
            if defs is not None and sdef is None:
                raise ValueError(f"{sub!r} is not a subcommand of {name!r}")
            stype = int(sdef["type"]) if sdef else (OPT_GROUP if i < len(path) - 1 else OPT_SUB)
            wrappers.append({"name": sub, "type": stype})
            defs = sdef.get("options", []) if sdef else None
        if isinstance(options, list):
            leaf = copy.deepcopy(options)
        else:
            leaf = self._build_options(defs, options or {}, resolved, guild, focused)
        opts = leaf
        for w in reversed(wrappers):
            opts = [{**w, "options": opts}]
        data: dict[str, Any] = {"id": cmd["id"] if cmd else str(self.ids()), "name": name, "type": 1}
        if opts:
            data["options"] = opts
        if resolved:
            data["resolved"] = resolved
        if cmd and cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        inter = self._interaction_base(IT_AUTOCOMPLETE if focused else IT_COMMAND, data, user, channel, locale)
        return await self._send_interaction(inter)

    def _message_dict(self, message: MessageLike) -> dict[str, Any]:
        if isinstance(message, SentMessage):
            mid = message.message_id
        elif isinstance(message, dict):
            mid = int(message["id"])
        else:
            mid = int(message)
        msg = self.message_store.get(mid)
        if msg is None:
            raise ValueError(f"unknown message {mid}")
        return msg

    async def send_component_interaction(
        self,
        message: MessageLike,
        custom_id: str,
        *,
        component_type: int = 2,
        values: Optional[list[str]] = None,
        user: Optional[UserLike] = None,
        locale: str = "en-US",
    ) -> FakeInteraction:
        """Dispatch INTERACTION_CREATE type 3: ``user`` clicked button ``custom_id``
        (or chose ``values`` in a select, ``component_type=3``) on ``message`` (a
        SentMessage, message dict or id of a message the stand-in knows)."""
        msg = self._message_dict(message)
        sm = SentMessage("probe", 0, 0, {}, msg)
        if custom_id not in sm.custom_ids():
            raise ValueError(f"message {msg['id']} has no component {custom_id!r} (has {sm.custom_ids()})")
        channel = self.get_channel(int(msg["channel_id"]))
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
        if values is not None or component_type in (3, 5, 6, 7, 8):
            data["values"] = list(values or [])
        inter = self._interaction_base(IT_COMPONENT, data, user, channel, locale)
        inter.payload["message"] = copy.deepcopy(msg)
        return await self._send_interaction(inter)

    async def click_button(self, message: MessageLike, custom_id: str, *, user: Optional[UserLike] = None) -> FakeInteraction:
        return await self.send_component_interaction(message, custom_id, user=user)

    async def send_modal_submit(
        self,
        interaction: Union[FakeInteraction, int],
        values: dict[str, Any],
        *,
        user: Optional[UserLike] = None,
        locale: str = "en-US",
    ) -> FakeInteraction:
        """Submit the modal the bot answered ``interaction`` with (callback type 9).
        ``values`` maps text-input custom_id -> text (or select custom_id -> list)."""
        src = self.interactions[_sf(interaction)]
        if src.modal is None:
            raise ValueError(f"interaction {src.id} was not answered with a modal")

        def submit(c: dict[str, Any]) -> dict[str, Any]:
            if c.get("type") == 1:
                return {"type": 1, "id": c.get("id", 0), "components": [submit(x) for x in c.get("components", [])]}
            if c.get("type") == 18:
                return {"type": 18, "id": c.get("id", 0), "component": submit(c["component"])}
            out = {"type": c["type"], "id": c.get("id", 0), "custom_id": c.get("custom_id")}
            v = values.get(c.get("custom_id"), c.get("value", "") if c["type"] == 4 else [])
            out["value" if c["type"] == 4 else "values"] = v
            return out

        data = {"custom_id": src.modal["custom_id"], "components": [submit(c) for c in src.modal.get("components", [])]}
        user = user if user is not None else (src.payload.get("member", {}).get("user") or src.payload.get("user"))
        if isinstance(user, dict):
            user = int(user["id"])
        inter = self._interaction_base(IT_MODAL_SUBMIT, data, user, self.get_channel(src.channel_id), locale)
        if "message" in src.payload:
            inter.payload["message"] = copy.deepcopy(src.payload["message"])
        return await self._send_interaction(inter)

    # ------------------------------------------------------------------ events: messages from users
    async def send_message(
        self,
        content: str,
        *,
        author: Optional[UserLike] = None,
        channel: Optional[FakeChannel] = None,
        reply_to: Optional[MessageLike] = None,
        attachments: Optional[list[tuple[str, bytes]]] = None,
    ) -> dict[str, Any]:
        """A user posts a message: stored and dispatched as MESSAGE_CREATE.

        ``mentions``/``mention_roles``/``mention_everyone`` are derived from the
        content (``<@id>``, ``<@&id>``, ``@everyone``), like Discord does.  As on
        the real gateway, the event is only sent if the bot asked for the
        GUILD_MESSAGES (DIRECT_MESSAGES for DMs) intent, and without the
        MESSAGE_CONTENT intent content/embeds/attachments are blanked unless the
        bot is mentioned or it is a DM.  Returns the full message dict.
        """
        channel = channel or self.channel
        author_u = self._user(author if author is not None else self.member)
        guild = self._guild_of(channel)
        mid = self.ids()
        ref = self._message_dict(reply_to) if reply_to is not None else None
        mentions = []
        for uid in dict.fromkeys(re.findall(r"<@!?(\d+)>", content)):
            u = self.users.get(int(uid))
            if u is None:
                continue
            d = u.to_dict()
            if guild is not None and u.id in guild.members:
                d["member"] = guild.members[u.id].to_dict(with_user=False)
            mentions.append(d)
        if ref is not None and not any(m["id"] == ref["author"]["id"] for m in mentions):
            mentions.append(ref["author"])
        mention_roles = [rid for rid in dict.fromkeys(re.findall(r"<@&(\d+)>", content)) if guild and int(rid) in guild.roles]
        everyone = bool(re.search(r"@(everyone|here)\b", content)) and (
            guild is None or bool(self.permissions(author_u, channel, guild) & Perm.MENTION_EVERYONE)
        )
        atts = []
        for filename, data in attachments or []:
            atts.append(self._new_attachment(channel.id, RecordedFile("", filename, "", data), {}))
        msg: dict[str, Any] = {
            "id": str(mid),
            "channel_id": str(channel.id),
            "author": author_u.to_dict(),
            "content": content,
            "timestamp": iso(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": everyone,
            "mentions": mentions,
            "mention_roles": mention_roles,
            "attachments": atts,
            "embeds": [],
            "pinned": False,
            "type": 19 if ref else 0,
            "flags": 0,
            "components": [],
            "nonce": str(mid),
        }
        if ref is not None:
            msg["message_reference"] = {"type": 0, "message_id": ref["id"], "channel_id": ref["channel_id"]}
            msg["referenced_message"] = ref
        self._store_message(msg)
        event = dict(msg)
        need = Intents.DIRECT_MESSAGES
        if guild is not None:
            event["guild_id"] = str(guild.id)
            event["member"] = self._member_of(guild, author_u).to_dict(with_user=False)
            need = Intents.GUILD_MESSAGES
            if guild.id and ref is not None:
                event["message_reference"] = {**msg["message_reference"], "guild_id": str(guild.id)}
        s = self.session
        if s is None:
            raise RuntimeError("no gateway session: the client has not IDENTIFY'd yet")
        if not s.intents & need:
            return msg  # the bot did not ask for these events
        bot_mentioned = any(int(m["id"]) == self.bot_user.id for m in mentions)
        if not s.intents & Intents.MESSAGE_CONTENT and guild is not None and not bot_mentioned and author_u.id != self.bot_user.id:
            event.update({"content": "", "embeds": [], "attachments": [], "components": []})
        await self.dispatch("MESSAGE_CREATE", event)
        return msg
