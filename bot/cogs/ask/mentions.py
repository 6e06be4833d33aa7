"""Which channel messages ask the bot a question, and that question as members see it.

Guarantees:
- A message asks when it mentions the bot directly: ``<@bot>`` in its text, or the bot's
  own managed role ``<@&role>`` (which Discord's autocomplete often inserts instead).
- A reply that only pings the bot (Discord's reply ping: "thanks!") asks only when it reads
  as a question: it ends with "?" or starts with a question word. Otherwise it is ignored:
  no reply, nothing logged.
- In a DM every message is for the bot, mention or not: it asks when it reads as a question;
  otherwise it asks nothing ('': the member gets the hint), so "thanks!" starts no search.
- The question is ``message.clean_content`` without the bot's own mentions: other mentions
  show names (``@alice``, ``#general``), never raw ids.
"""

from __future__ import annotations

import logging
import re

import discord

log = logging.getLogger(__name__)

QUESTION_WORDS = frozenset(
    "who whom whose what which when where why how is are was were do does did can could will would "
    "should shall may might has have had".split()
)
_FIRST_WORD_RE = re.compile(r"[^\W\d_]+")


def own_role_id(message: discord.Message) -> int | None:
    """The bot's managed role in the message's server, if it has one."""
    role = message.guild.self_role if message.guild else None
    return role.id if role else None


def mentions_directly(message: discord.Message, me: discord.abc.User) -> bool:
    """The text mentions the bot or its managed role (not only a reply ping)."""
    role_id = own_role_id(message)
    return me.id in message.raw_mentions or (role_id is not None and role_id in message.raw_role_mentions)


def reads_as_question(text: str) -> bool:
    """Ends with a question mark, or starts with a question word."""
    stripped = text.strip()
    if stripped.endswith(("?", "\uff1f")):
        return True
    first = _FIRST_WORD_RE.search(stripped)
    return bool(first) and first.start() == 0 and first.group().casefold() in QUESTION_WORDS


def question_of(message: discord.Message, me: discord.abc.User) -> str:
    """The message's text as members see it (``clean_content``), without the bot's own mentions."""
    text = message.clean_content
    # clean_content breaks @everyone/@here with a zero-width space; replies escape them anyway.
    text = text.replace("@\u200beveryone", "@everyone").replace("@\u200bhere", "@here")
    shown_as = message.guild.me if message.guild else me
    own = len(re.findall(rf"<@!?{me.id}>", message.content))
    text = text.replace(f"@{shown_as.display_name}", "", own)
    role_id = own_role_id(message)
    if role_id is not None and message.guild is not None:
        role = message.guild.get_role(role_id)
        if role is not None:
            text = text.replace(f"@{role.name}", "", len(re.findall(rf"<@&{role_id}>", message.content)))
    return re.sub(r" {2,}", " ", text).strip()


def asked_question(message: discord.Message, me: discord.abc.User) -> str | None:
    """The question ``message`` asks the bot ('' for a bare mention, or a DM that is no question),
    or None when it is not for the bot."""
    if message.author.bot:
        return None
    if message.guild is None:  # a DM
        question = question_of(message, me)
        return question if reads_as_question(question) else ""
    direct = mentions_directly(message, me)
    if not direct and me not in message.mentions:
        return None
    question = question_of(message, me)
    if not direct and not reads_as_question(question):
        log.debug("reply ping without a question ignored (message %s)", message.id)
        return None
    return question
