"""Changes to the world while the bot runs, and Discord's own failures.

* ``announce_channel(channel)``, ``announce_role(guild, role)``, ``announce_guild(guild)``: send
  CHANNEL_UPDATE (THREAD_UPDATE for a thread; ``created=True`` for CHANNEL_CREATE / THREAD_CREATE),
  GUILD_ROLE_UPDATE and GUILD_UPDATE with the object as it is now, as Discord does after a server
  admin's change. A change made without them leaves the client's cache stale, as a change
  between two events does on Discord.
* ``fail_route("POST /channels/{channel_id}/messages", status=502, times=1, code=0)``: the next
  ``times`` requests on that route are answered ``status`` (Discord's own trouble, or any refusal
  to inject, e.g. 401 / 50027 for an interaction token Discord no longer takes). discord.py's
  REST client retries 500, 502, 504 and 524 after 1 s, 3 s, ... and raises ``DiscordServerError``
  at once for 503; its webhook client (interaction followups) retries every 5xx, up to 5 times.
  Such answers are kept in ``fake.outage_answers``; they are neither violations nor
  ``server_errors``.
* ``close_dms(user)``: the user accepts no DMs from the bot: a message to their DM channel is
  403 / 50007 "Cannot send messages to this user" (not a violation: the bot cannot know beforehand).
"""

from __future__ import annotations

from dataclasses import dataclass
from .gateway import Intents
from .guild import FakeGuild
from .limits import ApiError, error
from .models import FakeChannel, FakeRole, FakeUser
from .recording import RecordedRequest
from .state import StandinState


@dataclass
class Outage:
    method: str
    route: str
    status: int
    times: int
    code: int = 0


class WorldEvents(StandinState):
    """World changes announced to the bot; injected 5xx answers; closed DMs."""

    async def announce_channel(self, channel: FakeChannel, *, created: bool = False) -> None:
        kind = "THREAD" if channel.is_thread else "CHANNEL"
        await self._dispatch_if_session(f"{kind}_{'CREATE' if created else 'UPDATE'}", channel.to_dict(), Intents.GUILDS)

    async def announce_role(self, guild: FakeGuild, role: FakeRole) -> None:
        await self._dispatch_if_session("GUILD_ROLE_UPDATE", {"guild_id": str(guild.id), "role": role.to_dict()},
                                        Intents.GUILDS)

    async def announce_guild(self, guild: FakeGuild) -> None:
        await self._dispatch_if_session("GUILD_UPDATE", guild.to_dict(), Intents.GUILDS)

    def fail_route(self, route: str, *, status: int = 502, times: int = 1, code: int = 0) -> None:
        """Answer the next ``times`` requests on ``"METHOD /template"`` with ``status`` (and JSON error ``code``)."""
        method, template = route.split(" ", 1)
        self.outages.append(Outage(method, template, status, times, code))

    def _outage(self, method: str, rec: RecordedRequest) -> None:
        """Raise the injected answer for this request, if one is due."""
        for outage in self.outages:
            if outage.times > 0 and outage.method == method and outage.route == rec.route:
                outage.times -= 1
                self.outage_answers.append(rec)
                raise ApiError(outage.status, {"message": f"{outage.status}: injected by fail_route", "code": outage.code})

    def close_dms(self, user: FakeUser) -> None:
        self.closed_dms.add(user.id)

    def _refuse_closed_dm(self, channel: FakeChannel) -> None:
        if any(u.id in self.closed_dms for u in channel.recipients if u.id != self.bot_user.id):
            raise error(403, 50007, "Cannot send messages to this user")
