"""The stand-in's state: its world (users, guilds, channels), its records and its clock.

``StandinState`` is the base of every part of ``FakeDiscord`` (see server.py): it
owns all attributes, so the parts (REST routes, gateway, interactions, ...) share
one world.  Guarantees: the world a test builds before the client connects is the
world the client sees (no GUILD_UPDATE events are sent), permissions follow
Discord's algorithm, and the clock only moves forward.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Iterable, Optional, Union

import aiohttp
from aiohttp import web

from .gateway import GatewayConnection, GatewaySession
from .guild import FakeGuild
from .models import ChannelType, FakeChannel, FakeMember, FakeUser, Perm, SnowflakeGenerator
from .ratelimits import DEFAULT_GLOBAL_LIMIT, DEFAULT_ROUTE_LIMIT, LimitLike, RateLimiter
from .recording import FakeInteraction, RecordedRequest, SentMessage, Violation
from .tls import tls_material

DEFAULT_TOKEN = "MTAwMDAwMDAwMDAwMDAwMDAw.standin.token-for-tests-only"

UserLike = Union[FakeUser, FakeMember, int]
MessageLike = Union[SentMessage, dict, int]


def sf(x: Any) -> int:
    """Snowflake-ish to int (accepts ints, strings and objects with ``.id``)."""
    return int(getattr(x, "id", x))


class StandinState:
    """World, records and clock of the stand-in (the attributes of ``FakeDiscord``)."""

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
        registered_commands_only: bool = True,
        attachment_size_limit: int = 10 * 1024 * 1024,
        echo_own_messages: bool = True,
        route_rate_limit: LimitLike = DEFAULT_ROUTE_LIMIT,
        global_rate_limit: Optional[LimitLike] = DEFAULT_GLOBAL_LIMIT,
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
        self.rate_limits = RateLimiter(route_rate_limit, global_rate_limit)

        self.ids = SnowflakeGenerator()
        self.tls = tls_material()
        self._clock_offset = 0.0
        self._init_world()
        self._init_records()
        self._init_gateway()
        self._changed = asyncio.Event()
        self._runner: Optional[web.AppRunner] = None
        self._connectors: list[aiohttp.TCPConnector] = []
        self.port: Optional[int] = None
        if populate:
            self._populate()

    def _init_world(self) -> None:
        self.users: dict[int, FakeUser] = {}
        self.guilds: dict[int, FakeGuild] = {}
        self.dm_channels: dict[int, FakeChannel] = {}  # by recipient user id
        self.application_id = self.ids()
        self.bot_user = self.add_user("standin-bot", bot=True, id=self.application_id)
        self.owner = self.add_user("owner", global_name="App Owner")
        self.app_name = "Stand-in App"

    def _init_records(self) -> None:
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
        self.rate_limited: list[RecordedRequest] = []  # requests answered 429
        self.deleted_messages: list[dict[str, Any]] = []  # messages the bot deleted through webhook routes
        self.command_permits: dict[tuple[int, str], set[int]] = {}  # (guild, command) -> role / user ids
        # world_events.py: injected 5xx answers (fail_route) and users whose DMs are closed (close_dms).
        self.outages: list[Any] = []
        self.outage_answers: list[RecordedRequest] = []
        self.closed_dms: set[int] = set()

    def _init_gateway(self) -> None:
        self.session: Optional[GatewaySession] = None
        self.sessions: dict[str, GatewaySession] = {}
        self.connections: list[GatewayConnection] = []
        self.identify_count = 0
        self.resume_count = 0
        self.identify_payloads: list[dict[str, Any]] = []
        self.left_guilds: list[int] = []  # guilds the bot left (DELETE /users/@me/guilds/{id})
        self.refuse_leave: set[int] = set()  # guilds the bot cannot leave: DELETE answers 403 Missing Access
        # IDENTIFY with fewer shards than this (or none) is closed with 4011 "Sharding required.",
        # as Discord does for a bot past 2,500 servers per connection. None: one connection will do.
        self.shards_required: Optional[int] = None
        self._expected_resumes = 0

    def add_user(self, username: str, *, bot: bool = False, global_name: Optional[str] = None, id: Optional[int] = None) -> FakeUser:
        u = FakeUser(id=id or self.ids(), username=username, global_name=global_name, bot=bot)
        self.users[u.id] = u
        return u

    def add_guild(self, name: str, *, owner: Optional[FakeUser] = None, bot_permissions: Any = None, joined: bool = True) -> FakeGuild:
        """A guild the bot is in: @everyone role, the bot's managed role + bot member, owner member.
        Add channels/roles/members with the returned ``FakeGuild``'s ``add_*`` methods.
        ``joined=False``: not yet; ``await join_guild(g)`` adds the bot while it runs."""
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
        if joined:
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
        cid = sf(channel_id)
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

    def _member_of(self, guild: FakeGuild, user: UserLike) -> FakeMember:
        u = self._user(user)
        m = guild.members.get(u.id)
        if m is None:
            raise ValueError(f"{u.username} is not a member of guild {guild.name!r}")
        return m

    def _bot_perms(self, ch: FakeChannel) -> int:
        g = self._guild_of(ch)
        if g is None:
            return Perm.ALL
        return g.permissions_for(g.members[self.bot_user.id], ch)

    def now(self) -> float:
        """The stand-in's clock (monotonic seconds + whatever ``advance_clock`` added)."""
        return time.monotonic() + self._clock_offset

    def advance_clock(self, seconds: float) -> None:
        """Jump the stand-in's clock forward, e.g. past the 3 s interaction deadline,
        without really waiting."""
        self._clock_offset += seconds

    # ------------------------------------------------------------------ rate limits
    def set_rate_limit(self, route: str, count: int, per: float) -> None:
        """Tighten (or loosen) one route's buckets, e.g.
        ``set_rate_limit("POST /channels/{channel_id}/messages", 5, per=5)`` (Discord's own)."""
        self.rate_limits.set_route_limit(route, (count, per))

    def set_global_rate_limit(self, count: Optional[int], per: float = 1.0) -> None:
        """The limit across all routes but interaction callbacks and webhooks; ``None`` turns it off."""
        self.rate_limits.set_global_limit((count, per) if count is not None else None)

    def _notify(self) -> None:
        ev, self._changed = self._changed, asyncio.Event()
        ev.set()
