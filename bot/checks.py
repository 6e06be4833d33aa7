"""Named permission checks for app commands, and which servers the bot serves.

Guarantees:
- A moderator is judged in the server and channel the command was used in: the Manage
  Messages permission there (as Discord computed it for this interaction, overwrites
  included), or a moderator role of that server. Permissions or roles held in another
  server never count, and nobody is a moderator in a DM.
- A review of the log shows a member only what they could read in Discord: the channels
  (and cached threads) where ``channel.permissions_for(member)`` gives both View Channel and
  Read Message History; questions from channels the bot no longer knows (deleted, archived
  threads) only to members with Administrator or Manage Server (:func:`log_viewer`).
- ``NEWSDESK_GUILDS`` gates everything from a server outside it: slash commands get one private
  line and do nothing, mentions get no reply and are not logged, buttons get one private line and do nothing
  (:meth:`bot.client.NewsdeskBot.serves`). DMs are always served.
- The archive is one for every server, so only the operator's servers may change it:
  ``/archive add`` and ``remove`` work only in a server listed in ``NEWSDESK_ARCHIVE_GUILDS``
  (and only for its moderators). Anywhere else, with no list by default, they change nothing
  and say in one private line that the operator makes archive changes (:func:`changes_archive`).
- Moderator roles are matched by id. Names in ``NEWSDESK_MODERATOR_ROLES`` are resolved to ids
  once per server when the bot starts or joins it, with a warning: renaming a role (or
  creating another with the same name) later grants nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TypeVar

import discord
from discord import app_commands

from bot.querylog.queries import Viewer
from retrieval.errors import NewsdeskError

log = logging.getLogger(__name__)

T = TypeVar("T")


class NotModerator(NewsdeskError, app_commands.CheckFailure):
    """The member is not a moderator; the error handler turns this into a private refusal."""


class ModeratorRoles:
    """The configured moderator roles, as role ids per server."""

    def __init__(self, configured: Iterable[str]) -> None:
        entries = [entry.strip() for entry in configured if entry.strip()]
        self.ids = frozenset(int(entry) for entry in entries if entry.isdigit())
        self.names = frozenset(entry.casefold() for entry in entries if not entry.isdigit())
        self._resolved: dict[int, frozenset[int]] = {}

    def resolve(self, guild: discord.Guild) -> frozenset[int]:
        """Turn the configured role names into this server's role ids (at start-up or join)."""
        if not self.names:
            return frozenset()
        if guild.id in self._resolved:  # once per server: a later rename grants nothing
            return self._resolved[guild.id]
        found = frozenset(role.id for role in guild.roles if role.name.casefold() in self.names)
        self._resolved[guild.id] = found
        log.warning(
            "NEWSDESK_MODERATOR_ROLES gives role names; in server %s they matched role ids %s. "
            "Names are read only now: put the ids in the setting instead (a renamed role keeps its id)",
            guild.id,
            ", ".join(str(i) for i in sorted(found)) or "none",
        )
        return found

    def forget(self, guild_id: int) -> None:
        self._resolved.pop(guild_id, None)

    def of(self, guild_id: int) -> frozenset[int]:
        """The moderator role ids in server ``guild_id``."""
        return self.ids | self._resolved.get(guild_id, frozenset())


def interaction_is_moderator(interaction: discord.Interaction, roles: ModeratorRoles) -> bool:
    """Manage Messages in this channel of this server, or one of this server's moderator roles."""
    member = interaction.user
    if interaction.guild_id is None or not isinstance(member, discord.Member):
        return False
    if member.guild.id != interaction.guild_id:
        return False
    # Discord resolved these for this member in this channel (roles and overwrites).
    if interaction.permissions.manage_messages:
        return True
    wanted = roles.of(interaction.guild_id)
    return any(role.id in wanted for role in member.roles)


def is_moderator() -> Callable[[T], T]:
    """App command check: only moderators of the server it is used in (see :func:`interaction_is_moderator`)."""

    async def predicate(interaction: discord.Interaction) -> bool:
        roles: ModeratorRoles = getattr(interaction.client, "moderator_roles")
        if interaction_is_moderator(interaction, roles):
            return True
        raise NotModerator("Only moderators can use this command.")

    return app_commands.check(predicate)


class NotManager(NewsdeskError, app_commands.CheckFailure):
    """The member lacks Manage Server here; the error handler turns this into a private refusal."""


def manages_server() -> Callable[[T], T]:
    """App command check: only members with Manage Server in the server it is used in (as
    Discord computed it for this interaction); put it below :func:`is_moderator`."""

    async def predicate(interaction: discord.Interaction) -> bool:
        if interaction.guild_id is not None and interaction.permissions.manage_guild:
            return True
        raise NotManager("Only members with the Manage Server permission can remove a member's questions from the log.")

    return app_commands.check(predicate)


class NotArchiveServer(NewsdeskError, app_commands.CheckFailure):
    """The command would change the shared archive from a server not allowed to; its message is the refusal."""


# The one private line for /archive add or remove outside NEWSDESK_ARCHIVE_GUILDS (the setting
# is the operator's business: not named to members).
ARCHIVE_BY_OPERATOR = "Archive changes are made by the bot's operator, with `newsdesk ingest`; nothing was changed."


def may_change_archive(guild_id: int | None, archive_guilds: Iterable[int]) -> bool:
    """Whether a command used in ``guild_id`` may change the archive (never from a DM)."""
    return guild_id is not None and guild_id in tuple(archive_guilds)


def changes_archive() -> Callable[[T], T]:
    """App command check: only in a server listed in ``NEWSDESK_ARCHIVE_GUILDS``; put it below
    :func:`is_moderator` so that it runs first (a stranger's moderator gets the operator's line)."""

    async def predicate(interaction: discord.Interaction) -> bool:
        settings = getattr(interaction.client, "settings")
        if may_change_archive(interaction.guild_id, settings.archive_guilds):
            return True
        log.info("archive change refused in server %s (not in NEWSDESK_ARCHIVE_GUILDS)", interaction.guild_id)
        raise NotArchiveServer(ARCHIVE_BY_OPERATOR)

    return app_commands.check(predicate)


# The private line for a button pressed in a server outside NEWSDESK_GUILDS (the setting is the
# operator's business: not named to members).
NOT_SERVED = "newsdesk does not serve this server: its buttons do nothing here."
# The same for a slash command (acknowledged, so Discord does not say "did not respond").
NOT_SERVED_COMMAND = "newsdesk does not serve this server: its commands do nothing here."


def allowed_guild(guild_id: int | None, allowed: Iterable[int]) -> bool:
    """Whether the bot serves ``guild_id`` under ``NEWSDESK_GUILDS`` (empty: every server; DMs pass)."""
    allowed = tuple(allowed)
    return not allowed or guild_id is None or guild_id in allowed


def _can_read(channel: discord.abc.GuildChannel | discord.Thread, member: discord.Member) -> bool:
    try:
        permissions = channel.permissions_for(member)
    except discord.ClientException:  # a thread whose parent channel is not cached
        return False
    return bool(permissions.view_channel and permissions.read_message_history)


def log_viewer(interaction: discord.Interaction) -> Viewer:
    """What the member behind ``interaction`` may review of its server's log (see the module
    guarantees). Without the cached server nothing is readable but, for managers, everything."""
    if interaction.guild_id is None:  # /querylog is guild_only: Discord never sends it from a DM
        raise app_commands.NoPrivateMessage()
    guild, member = interaction.guild, interaction.user
    channels = [*guild.channels, *guild.threads] if guild is not None else []
    readable = [c for c in channels if isinstance(member, discord.Member) and _can_read(c, member)]
    manager = interaction.permissions.administrator or interaction.permissions.manage_guild
    return Viewer(
        guild=interaction.guild_id,
        readable=frozenset(str(c.id) for c in readable),
        known=frozenset(str(c.id) for c in channels),
        sees_gone=manager,
    )
