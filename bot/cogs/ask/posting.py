"""Where and how the bot may answer a question asked by mention, and posting that answer.

Guarantees:
- The bot's permissions are read where the message was posted, also in a channel or thread it
  has not cached (one made while it was away, a thread it never saw): discord.py's
  ``PartialMessageable`` knows no permissions (it says "none", so an answer lost its embed), so
  the channel, and a thread's parent channel, are fetched and their permissions read. Only when
  that fails too is the answer tried, as plain text (an embed Discord may refuse would lose it).
- A reply needs Read Message History besides Send Messages (Send Messages in Threads in a
  thread or forum post); with only the right to post, the answer is a message that is not a
  reply; without it nothing is posted and the member is told privately (a member whose DMs are
  closed is not told, and the bot goes on).
- A reply Discord refuses all the same (permissions changed a moment ago) is sent again as a
  plain message; :class:`NotPosted` when that is refused too.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from typing import Any

import discord

from bot.reply import NO_MENTIONS

log = logging.getLogger(__name__)

CANNOT_POST = ("I can't answer in <#{channel}>: I don't have the {permission} permission there. "
               "Ask me with `/ask` in that channel instead, or ask a moderator to let me post there.")
_THREAD_TYPES = frozenset({discord.ChannelType.public_thread, discord.ChannelType.private_thread,
                           discord.ChannelType.news_thread})


class Post(enum.Enum):
    """How the bot may answer a message where it was posted."""

    REPLY = "reply"  # Send Messages (in Threads) and Read Message History
    PLAIN = "plain"  # may post, but not read the history a reply refers to: a message that is not a reply
    NONE = "none"  # may not post there


class NotPosted(Exception):
    """Discord refused the bot's message, as a reply and as a plain message."""


@dataclass(frozen=True)
class Where:
    """What the bot may do where a question was asked."""

    post: Post
    embeds: bool
    in_thread: bool = False  # a thread or forum post: posting needs Send Messages in Threads


DIRECT = Where(Post.REPLY, embeds=True)  # a DM: the bot may always reply there, with embeds


async def where_to_answer(client: discord.Client, message: discord.Message) -> Where:
    """How the bot may answer ``message`` (see the module's guarantees)."""
    guild = message.guild
    if guild is None:
        return DIRECT
    permissions, in_thread = await _permissions_here(client, message.channel, guild.me)
    if permissions is None:  # not even fetched: try, in the form every channel takes
        log.info("channel %s: the bot's permissions are unknown; trying a plain-text reply", message.channel.id)
        return Where(Post.REPLY, embeds=False, in_thread=in_thread)
    may_send = permissions.send_messages_in_threads if in_thread else permissions.send_messages
    if not may_send:
        how = Post.NONE
    else:
        how = Post.REPLY if permissions.read_message_history else Post.PLAIN
    return Where(how, embeds=permissions.embed_links, in_thread=in_thread)


async def _permissions_here(
    client: discord.Client, channel: Any, me: discord.Member
) -> tuple[discord.Permissions | None, bool]:
    """The bot's permissions in ``channel`` (None when they cannot be read), and whether it is a thread."""
    if isinstance(channel, discord.PartialMessageable):  # not cached: ask Discord what it is
        channel = await _fetch(client, channel.id) or channel
        if isinstance(channel, discord.PartialMessageable):
            return None, channel.type in _THREAD_TYPES
    if isinstance(channel, discord.Thread):
        if channel.parent is not None:
            return channel.permissions_for(me), True
        parent = await _fetch(client, channel.parent_id)
        if parent is None:
            return None, True
        # A thread has no overwrites of its own: its parent's, less what needs posting (as discord.py reads them).
        permissions = parent.permissions_for(me)
        permissions.embed_links = permissions.embed_links and permissions.send_messages_in_threads
        return permissions, True
    return channel.permissions_for(me), False


async def _fetch(client: discord.Client, channel_id: int) -> Any:
    try:
        return await client.fetch_channel(channel_id)
    except discord.HTTPException as exc:
        log.info("could not fetch channel %s to read the bot's permissions there: %s", channel_id, exc.text or exc.status)
        return None


async def post(message: discord.Message, how: Post, **kwargs: Any) -> discord.Message:
    """Answer ``message`` as a reply, or as a plain message where the bot may not read the
    history a reply refers to (or Discord refused the reply). NotPosted when that is refused too."""
    if how is Post.REPLY:
        try:
            return await message.reply(mention_author=False, allowed_mentions=NO_MENTIONS, **kwargs)
        except discord.Forbidden as exc:
            log.info("reply to message %s refused (%s); sending a plain message instead", message.id, exc.text or exc.status)
    try:
        return await message.channel.send(allowed_mentions=NO_MENTIONS, **kwargs)
    except discord.Forbidden as exc:
        raise NotPosted(f"Discord refused the bot's message in channel {message.channel.id} "
                        f"({exc.text or exc.status}): check its permissions there") from exc


async def tell_cannot_post(message: discord.Message, where: Where) -> None:
    """Tell the member privately why no answer comes, and how to ask instead (nothing is searched)."""
    permission = "Send Messages in Threads" if where.in_thread else "Send Messages"
    log.warning("message %s not answered: no %s permission in channel %s", message.id, permission, message.channel.id)
    try:
        text = CANNOT_POST.format(channel=message.channel.id, permission=permission)
        await message.author.send(text, allowed_mentions=NO_MENTIONS)
    except discord.HTTPException as exc:  # 50007: the member's DMs are closed to the bot
        log.info("could not tell member %s either (%s)", message.author.id, exc.text or exc.status)
