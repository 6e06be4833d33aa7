"""REST routes for guilds, channels, members and moderation.

Every moderation call checks the bot's own permissions in that guild and
answers 403 / 50013 (``missing_permissions``) when one is missing.
"""

from __future__ import annotations

from typing import Any

from .gateway import Intents
from .limits import error, not_found
from .guild import FakeGuild
from .models import FakeChannel, FakeMember, Perm
from .routing import Ctx
from .state import StandinState


class GuildRoutes(StandinState):
    """``/guilds/...`` and ``GET /channels/{id}``."""

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

    def _require(self, ctx: Ctx, perms: int, needed: int, what: str) -> None:
        if perms & needed != needed:
            raise self._reject("missing_permissions", error(403, 50013, "Missing Permissions"), ctx.rec, f"bot lacks {what}")

    async def r_get_channel(self, ctx: Ctx, channel_id: str) -> Any:
        ch = self._channel(channel_id)
        if not self._bot_perms(ch) & Perm.VIEW_CHANNEL:
            raise self._reject("missing_access", error(403, 50001, "Missing Access"), ctx.rec)
        return ch.to_dict()

    async def r_get_guild(self, ctx: Ctx, guild_id: str) -> Any:
        g = self._guild(guild_id)
        d = g.to_dict()
        d.update({"approximate_member_count": len(g.members), "approximate_presence_count": 0})
        return d

    async def r_leave_guild(self, ctx: Ctx, guild_id: str) -> Any:
        """The bot leaves a guild: it is gone from the world, and GUILD_DELETE tells the bot."""
        g = self._guild(guild_id)
        if g.id in self.refuse_leave:  # the test's world, not the bot's mistake: no violation
            raise error(403, 50001, "Missing Access")
        del self.guilds[g.id]
        self.left_guilds.append(g.id)
        await self._dispatch_if_session("GUILD_DELETE", {"id": str(g.id)}, Intents.GUILDS)
        return 204, None

    async def join_guild(self, g: FakeGuild) -> None:
        """The bot is added to ``g`` (made with ``add_guild(..., joined=False)``) while running: GUILD_CREATE."""
        self.guilds[g.id] = g
        gd = g.gateway_dict(bot_user_id=self.bot_user.id, include_all_members=False)
        gd.pop("unavailable", None)  # a join, not an outage ending: discord.py dispatches guild_join
        await self._dispatch_if_session("GUILD_CREATE", gd, Intents.GUILDS)

    async def r_get_guild_channels(self, ctx: Ctx, guild_id: str) -> Any:
        return [c.to_dict() for c in self._guild(guild_id).channels.values() if not c.is_thread]

    async def r_get_roles(self, ctx: Ctx, guild_id: str) -> Any:
        return [r.to_dict() for r in self._guild(guild_id).roles.values()]

    def _member(self, g: FakeGuild, user_id: str) -> FakeMember:
        m = g.members.get(int(user_id)) if user_id.isdigit() else None
        if m is None:
            raise not_found(10007, "Unknown Member")
        return m

    async def r_get_members(self, ctx: Ctx, guild_id: str) -> Any:
        limit = int(ctx.rec.query.get("limit", 1))
        after = int(ctx.rec.query.get("after", 0))
        ms = sorted((m for m in self._guild(guild_id).members.values() if m.user.id > after), key=lambda m: m.user.id)
        return [m.to_dict() for m in ms[:limit]]

    async def r_get_member(self, ctx: Ctx, guild_id: str, user_id: str) -> Any:
        return self._member(self._guild(guild_id), user_id).to_dict()

    def _guild_perms(self, ctx: Ctx, g: FakeGuild, needed: int, what: str) -> None:
        self._require(ctx, g.base_permissions(g.members[self.bot_user.id]), needed, what)

    async def r_edit_member(self, ctx: Ctx, guild_id: str, user_id: str) -> Any:
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

    async def r_kick_member(self, ctx: Ctx, guild_id: str, user_id: str) -> Any:
        g = self._guild(guild_id)
        self._member(g, user_id)
        self._guild_perms(ctx, g, Perm.KICK_MEMBERS, "KICK_MEMBERS")
        del g.members[int(user_id)]
        return 204, None

    async def r_ban(self, ctx: Ctx, guild_id: str, user_id: str) -> Any:
        g = self._guild(guild_id)
        self._guild_perms(ctx, g, Perm.BAN_MEMBERS, "BAN_MEMBERS")
        g.members.pop(int(user_id), None)
        return 204, None

    async def r_add_member_role(self, ctx: Ctx, guild_id: str, user_id: str, role_id: str) -> Any:
        g = self._guild(guild_id)
        m = self._member(g, user_id)
        if int(role_id) not in g.roles:
            raise not_found(10011, "Unknown Role")
        self._guild_perms(ctx, g, Perm.MANAGE_ROLES, "MANAGE_ROLES")
        if int(role_id) not in m.roles:
            m.roles.append(int(role_id))
        return 204, None

    async def r_remove_member_role(self, ctx: Ctx, guild_id: str, user_id: str, role_id: str) -> Any:
        g = self._guild(guild_id)
        m = self._member(g, user_id)
        self._guild_perms(ctx, g, Perm.MANAGE_ROLES, "MANAGE_ROLES")
        if int(role_id) in m.roles:
            m.roles.remove(int(role_id))
        return 204, None
