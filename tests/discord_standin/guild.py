"""A guild of the stand-in's world: its roles, channels and members, and Discord's
permission algorithm (owner, ADMINISTRATOR, @everyone, roles, then channel overwrites).

``to_dict``/``gateway_dict`` produce the REST and GUILD_CREATE payloads discord.py 2.7 caches.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

from .models import ChannelType, FakeChannel, FakeMember, FakeRole, FakeUser, Perm, SnowflakeGenerator, iso, perm_value

@dataclass
class FakeGuild:
    id: int
    name: str
    owner_id: int
    _ids: SnowflakeGenerator = field(repr=False)
    roles: dict[int, FakeRole] = field(default_factory=dict)
    channels: dict[int, FakeChannel] = field(default_factory=dict)
    members: dict[int, FakeMember] = field(default_factory=dict)
    preferred_locale: str = "en-US"
    joined_at: str = field(default_factory=iso)

    def __post_init__(self) -> None:
        if self.id not in self.roles:
            # The @everyone role has the guild's id.
            self.roles[self.id] = FakeRole(id=self.id, name="@everyone", permissions=Perm.DEFAULT_EVERYONE, position=0)

    # -- building ---------------------------------------------------------
    @property
    def everyone(self) -> FakeRole:
        return self.roles[self.id]

    def add_role(self, name: str, permissions: Any = 0, *, position: Optional[int] = None, **kw: Any) -> FakeRole:
        if position is None:
            position = max(r.position for r in self.roles.values()) + 1
        role = FakeRole(id=self._ids(), name=name, permissions=perm_value(permissions), position=position, **kw)
        self.roles[role.id] = role
        return role

    def add_channel(
        self,
        name: str,
        type: int = ChannelType.GUILD_TEXT,
        *,
        topic: Optional[str] = None,
        parent: Optional[FakeChannel] = None,
        **kw: Any,
    ) -> FakeChannel:
        ch = FakeChannel(
            id=self._ids(),
            name=name,
            type=type,
            guild_id=self.id,
            position=len(self.channels),
            topic=topic,
            parent_id=parent.id if parent else None,
            **kw,
        )
        self.channels[ch.id] = ch
        return ch

    def add_thread(self, name: str, parent: FakeChannel, *, owner: Optional[FakeUser] = None,
                   type: int = ChannelType.PUBLIC_THREAD) -> FakeChannel:
        """A thread in ``parent`` (a text or forum channel): sent in GUILD_CREATE's ``threads``,
        with its parent's permissions; posting in it takes Send Messages in Threads."""
        ch = FakeChannel(id=self._ids(), name=name, type=type, guild_id=self.id, parent_id=parent.id,
                         owner_id=owner.id if owner else self.owner_id)
        self.channels[ch.id] = ch
        return ch

    def add_member(self, user: FakeUser, roles: Iterable[FakeRole | int] = (), *, nick: Optional[str] = None) -> FakeMember:
        role_ids = [r.id if isinstance(r, FakeRole) else int(r) for r in roles]
        m = FakeMember(user=user, guild_id=self.id, roles=[r for r in role_ids if r != self.id], nick=nick)
        self.members[user.id] = m
        return m

    def channel(self, name: str) -> FakeChannel:
        for ch in self.channels.values():
            if ch.name == name:
                return ch
        raise KeyError(name)

    def role(self, name: str) -> FakeRole:
        for r in self.roles.values():
            if r.name == name:
                return r
        raise KeyError(name)

    # -- permissions --------------------------------------------------------
    def base_permissions(self, member: FakeMember) -> int:
        if member.user.id == self.owner_id:
            return Perm.ALL
        perms = self.everyone.permissions
        for rid in member.roles:
            role = self.roles.get(rid)
            if role is not None:
                perms |= role.permissions
        if perms & Perm.ADMINISTRATOR:
            return Perm.ALL
        return perms

    def permissions_for(self, member: FakeMember, channel: Optional[FakeChannel] = None) -> int:
        """Discord's permission algorithm: base perms, then channel overwrites (a thread's parent's)."""
        if channel is not None and channel.is_thread and channel.parent_id in self.channels:
            channel = self.channels[channel.parent_id]
        perms = self.base_permissions(member)
        if channel is None or perms == Perm.ALL:
            return perms
        ows = {int(o["id"]): o for o in channel.permission_overwrites}
        ev = ows.get(self.id)
        if ev:
            perms = (perms & ~ev["deny"]) | ev["allow"]
        allow = deny = 0
        for rid in member.roles:
            o = ows.get(rid)
            if o and o["type"] == 0:
                allow |= o["allow"]
                deny |= o["deny"]
        perms = (perms & ~deny) | allow
        mo = ows.get(member.user.id)
        if mo and mo["type"] == 1:
            perms = (perms & ~mo["deny"]) | mo["allow"]
        if not perms & Perm.VIEW_CHANNEL:
            return 0
        return perms

    # -- payloads ---------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """REST guild object (GET /guilds/{id})."""
        text = [c for c in self.channels.values() if c.type == ChannelType.GUILD_TEXT]
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id),
            "region": "deprecated",
            "afk_channel_id": None,
            "afk_timeout": 300,
            "widget_enabled": False,
            "verification_level": 0,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "roles": [r.to_dict() for r in self.roles.values()],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": str(text[0].id) if text else None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "max_members": 500000,
            "max_presences": None,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "vanity_url_code": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": self.preferred_locale,
            "nsfw": False,
            "nsfw_level": 0,
            "incidents_data": None,
        }

    def gateway_dict(self, *, bot_user_id: int, include_all_members: bool) -> dict[str, Any]:
        """GUILD_CREATE payload.

        Without the GUILD_MEMBERS intent Discord only includes the bot's own
        member object, as here.
        """
        d = self.to_dict()
        members = [
            m.to_dict() for m in self.members.values() if include_all_members or m.user.id == bot_user_id
        ]
        d.update(
            {
                "joined_at": self.joined_at,
                "large": False,
                "unavailable": False,
                "member_count": len(self.members),
                "voice_states": [],
                "members": members,
                "channels": [c.to_dict() for c in self.channels.values() if not c.is_thread],
                "threads": [c.to_dict() for c in self.channels.values() if c.is_thread],
                "presences": [],
                "stage_instances": [],
                "guild_scheduled_events": [],
                "soundboard_sounds": [],
                "lazy": True,
                "application_command_counts": {},
                "embedded_activities": [],
                "version": int(time.time() * 1000),
                "hub_type": None,
            }
        )
        return d


