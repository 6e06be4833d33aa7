"""Where a question is asked: who and where, for the log (the server's and channel's names with
their ids: the log keeps them, so reviews show names), and where a button was pressed.

Guarantees: a DM is logged with no names (it has none, and under ``none`` not even its
channel); names are taken from discord.py's cache as the question arrives, so a renamed
channel shows its new name from its next question on.
"""

from __future__ import annotations

from typing import Any

import discord

from bot.desk import Place
from bot.querylog import Named


def _named(id_: int | None, where: object) -> Named | None:
    """``id_`` with the name of ``where`` (a guild, a channel) when it has one."""
    if id_ is None:
        return None
    name = getattr(where, "name", None)
    return Named(id_, name if isinstance(name, str) else None)


def who_asked(interaction: discord.Interaction) -> dict[str, Any]:
    """Who asked with a slash command, and where (ids with their names), as the desk logs it."""
    return {"interface": "discord", "user_id": interaction.user.id,
            "guild_id": _named(interaction.guild_id, interaction.guild),
            "channel_id": _named(interaction.channel_id, interaction.channel)}


def who_of_message(message: discord.Message) -> dict[str, Any]:
    """Who asked with a mention or a DM, and where (ids with their names), as the desk logs it."""
    guild = message.guild
    return {"interface": "discord", "user_id": message.author.id,
            "guild_id": _named(guild.id, guild) if guild else None,
            "channel_id": _named(message.channel.id, message.channel)}


def place_of(interaction: discord.Interaction) -> Place:
    """Where a button was pressed: it reaches only a question asked there (see :class:`Place`)."""
    return Place(interaction.guild_id, interaction.channel_id, getattr(interaction.channel, "parent_id", None))
