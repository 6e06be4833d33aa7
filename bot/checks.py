"""Named permission checks for app commands."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TypeVar

import discord
from discord import app_commands

log = logging.getLogger(__name__)

T = TypeVar("T")


class NotModerator(app_commands.CheckFailure):
    """The member is not a moderator; the error handler turns this into a private refusal."""


def member_is_moderator(member: discord.abc.User, moderator_roles: Iterable[str]) -> bool:
    """Manage Messages permission, or a role whose name or id is configured as moderator."""
    if not isinstance(member, discord.Member):
        return False
    if member.guild_permissions.manage_messages:
        return True
    wanted = {r.strip().casefold() for r in moderator_roles if r.strip()}
    return any(str(role.id) in wanted or role.name.casefold() in wanted for role in member.roles)


def is_moderator() -> Callable[[T], T]:
    """App command check: only moderators (see :func:`member_is_moderator`)."""

    async def predicate(interaction: discord.Interaction) -> bool:
        roles = getattr(interaction.client, "settings").moderator_roles
        if member_is_moderator(interaction.user, roles):
            return True
        raise NotModerator("Only moderators can use this command.")

    return app_commands.check(predicate)
