"""In-memory world of the Discord stand-in: users, roles, channels, members (guilds: guild.py).

Everything here is plain data with ``to_dict()`` methods that produce Discord
API (v10) JSON payloads good enough for discord.py 2.7's caches.
"""

from __future__ import annotations

import datetime as _dt
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Optional

DISCORD_EPOCH_MS = 1420070400000


class Perm:
    """Permission bits (https://discord.com/developers/docs/topics/permissions)."""

    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_AUDIT_LOG = 1 << 7
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    CONNECT = 1 << 20
    SPEAK = 1 << 21
    CHANGE_NICKNAME = 1 << 26
    MANAGE_ROLES = 1 << 28
    USE_APPLICATION_COMMANDS = 1 << 31
    MANAGE_THREADS = 1 << 34
    SEND_MESSAGES_IN_THREADS = 1 << 38
    MODERATE_MEMBERS = 1 << 40
    ALL = (1 << 53) - 1

    DEFAULT_EVERYONE = (
        CREATE_INSTANT_INVITE
        | ADD_REACTIONS
        | VIEW_CHANNEL
        | SEND_MESSAGES
        | EMBED_LINKS
        | ATTACH_FILES
        | READ_MESSAGE_HISTORY
        | USE_EXTERNAL_EMOJIS
        | CONNECT
        | SPEAK
        | CHANGE_NICKNAME
        | USE_APPLICATION_COMMANDS
        | SEND_MESSAGES_IN_THREADS
    )
    MODERATOR = KICK_MEMBERS | BAN_MEMBERS | MANAGE_MESSAGES | MODERATE_MEMBERS | VIEW_AUDIT_LOG | MANAGE_THREADS


def perm_value(p: Any) -> int:
    """Accept an int or anything with ``.value`` (e.g. ``discord.Permissions``)."""
    return int(getattr(p, "value", p))


class SnowflakeGenerator:
    """Realistic, strictly increasing snowflakes (timestamp in the top 42 bits)."""

    def __init__(self, worker: int = 1) -> None:
        self._lock = threading.Lock()
        self._last = 0
        self._worker = worker & 0x1F

    def __call__(self) -> int:
        with self._lock:
            ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
            candidate = (ms << 22) | (self._worker << 17)
            if candidate <= self._last:
                candidate = self._last + 1
            self._last = candidate
            return candidate


def iso(ts: Optional[float] = None) -> str:
    when = _dt.datetime.fromtimestamp(time.time() if ts is None else ts, _dt.timezone.utc)
    return when.isoformat(timespec="microseconds")


@dataclass
class FakeUser:
    id: int
    username: str
    global_name: Optional[str] = None
    bot: bool = False
    avatar: Optional[str] = None
    system: bool = False

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": str(self.id),
            "username": self.username,
            "global_name": self.global_name,
            "discriminator": "0",
            "avatar": self.avatar,
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
            "primary_guild": None,
            "collectibles": None,
        }
        if self.bot:
            d["bot"] = True
        if self.system:
            d["system"] = True
        return d

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"


@dataclass
class FakeRole:
    id: int
    name: str
    permissions: int = 0
    position: int = 0
    color: int = 0
    hoist: bool = False
    mentionable: bool = False
    managed: bool = False
    tags: Optional[dict[str, Any]] = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": str(self.id),
            "name": self.name,
            "description": None,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": self.color,
            "colors": {"primary_color": self.color, "secondary_color": None, "tertiary_color": None},
            "hoist": self.hoist,
            "managed": self.managed,
            "mentionable": self.mentionable,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
        }
        if self.tags is not None:
            d["tags"] = self.tags
        return d

    @property
    def mention(self) -> str:
        return f"<@&{self.id}>"


class ChannelType:
    GUILD_TEXT = 0
    DM = 1
    GUILD_VOICE = 2
    GUILD_CATEGORY = 4
    GUILD_ANNOUNCEMENT = 5
    PUBLIC_THREAD = 11
    PRIVATE_THREAD = 12
    GUILD_FORUM = 15

    THREADS = (10, PUBLIC_THREAD, PRIVATE_THREAD)


@dataclass
class FakeChannel:
    id: int
    name: Optional[str]
    type: int = ChannelType.GUILD_TEXT
    guild_id: Optional[int] = None
    position: int = 0
    topic: Optional[str] = None
    parent_id: Optional[int] = None
    nsfw: bool = False
    #: list of {"id": role-or-member id, "type": 0 role / 1 member, "allow": int, "deny": int}
    permission_overwrites: list[dict[str, Any]] = field(default_factory=list)
    recipients: list[FakeUser] = field(default_factory=list)  # DMs only
    last_message_id: Optional[int] = None
    owner_id: Optional[int] = None  # threads only: who started it

    @property
    def is_thread(self) -> bool:
        return self.type in ChannelType.THREADS

    def overwrite(self, target: "FakeRole | FakeMember | FakeUser", *, allow: Any = 0, deny: Any = 0) -> None:
        """Add/replace a permission overwrite for a role or member."""
        if isinstance(target, FakeRole):
            tid, ttype = target.id, 0
        elif isinstance(target, FakeMember):
            tid, ttype = target.user.id, 1
        else:
            tid, ttype = target.id, 1
        self.permission_overwrites = [o for o in self.permission_overwrites if int(o["id"]) != tid]
        self.permission_overwrites.append({"id": tid, "type": ttype, "allow": perm_value(allow), "deny": perm_value(deny)})

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": str(self.id),
            "type": self.type,
            "flags": 0,
            "last_message_id": str(self.last_message_id) if self.last_message_id else None,
        }
        if self.type == ChannelType.DM:
            d["recipients"] = [u.to_dict() for u in self.recipients]
            return d
        if self.is_thread:
            # A thread has no overwrites of its own: its parent's apply (guild.permissions_for).
            d.update({
                "name": self.name, "parent_id": str(self.parent_id), "owner_id": str(self.owner_id or 0),
                "guild_id": str(self.guild_id), "rate_limit_per_user": 0, "message_count": 0, "member_count": 1,
                "total_message_sent": 0,
                "thread_metadata": {"archived": False, "auto_archive_duration": 1440, "archive_timestamp": iso(),
                                    "locked": False, "create_timestamp": iso()},
            })
            return d
        d.update(
            {
                "name": self.name,
                "position": self.position,
                "parent_id": str(self.parent_id) if self.parent_id else None,
                "nsfw": self.nsfw,
                "permission_overwrites": [
                    {"id": str(o["id"]), "type": o["type"], "allow": str(o["allow"]), "deny": str(o["deny"])}
                    for o in self.permission_overwrites
                ],
            }
        )
        if self.guild_id is not None:
            d["guild_id"] = str(self.guild_id)
        if self.type in (ChannelType.GUILD_TEXT, ChannelType.GUILD_ANNOUNCEMENT):
            d.update({"topic": self.topic, "rate_limit_per_user": 0, "default_auto_archive_duration": 1440})
        elif self.type == ChannelType.GUILD_FORUM:  # its posts are threads (add_thread with this parent)
            d.update({"topic": self.topic, "rate_limit_per_user": 0, "default_auto_archive_duration": 1440,
                      "available_tags": [], "default_reaction_emoji": None, "default_sort_order": None,
                      "default_forum_layout": 0, "default_thread_rate_limit_per_user": 0})
        elif self.type == ChannelType.GUILD_VOICE:
            d.update({"bitrate": 64000, "user_limit": 0, "rtc_region": None, "rate_limit_per_user": 0})
        return d

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"


@dataclass
class FakeMember:
    user: FakeUser
    guild_id: int
    roles: list[int] = field(default_factory=list)  # role ids, *without* @everyone (as Discord sends them)
    nick: Optional[str] = None
    joined_at: str = field(default_factory=iso)
    communication_disabled_until: Optional[str] = None

    @property
    def id(self) -> int:
        return self.user.id

    def to_dict(self, *, with_user: bool = True, permissions: Optional[int] = None) -> dict[str, Any]:
        d: dict[str, Any] = {
            "roles": [str(r) for r in self.roles],
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "joined_at": self.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": self.communication_disabled_until,
            "avatar_decoration_data": None,
            "collectibles": None,
        }
        if with_user:
            d["user"] = self.user.to_dict()
        if permissions is not None:
            d["permissions"] = str(permissions)
        return d

    @property
    def mention(self) -> str:
        return f"<@{self.user.id}>"
