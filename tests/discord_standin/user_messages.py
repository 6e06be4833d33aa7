"""Messages a test posts, edits or deletes as a user (MESSAGE_CREATE / UPDATE / DELETE),
under Discord's intent rules.

Nothing reaches the bot without GUILD_MESSAGES (DIRECT_MESSAGES in DMs); without
MESSAGE_CONTENT a guild message's content, embeds and attachments are blanked
unless it mentions the bot.  Mentions are derived from the content as Discord does.
"""

from __future__ import annotations

import re
from typing import Any, Optional

from .gateway import Intents
from .messages import add_reference, new_message
from .guild import FakeGuild
from .models import FakeChannel, FakeUser, Perm, iso
from .recording import RecordedFile
from .state import MessageLike, StandinState, UserLike


class UserMessages(StandinState):
    """``send_message``: a user posts in a channel or DM; ``edit_message``, ``pin_message``, ``delete_message``,
    ``bulk_delete_messages``."""

    async def send_message(
        self,
        content: str,
        *,
        author: Optional[UserLike] = None,
        channel: Optional[FakeChannel] = None,
        reply_to: Optional[MessageLike] = None,
        attachments: Optional[list[tuple[str, bytes]]] = None,
    ) -> dict[str, Any]:
        """A user posts a message: stored and dispatched as MESSAGE_CREATE.

        ``mentions``/``mention_roles``/``mention_everyone`` are derived from the
        content (``<@id>``, ``<@&id>``, ``@everyone``), like Discord does.  As on
        the real gateway, the event is only sent if the bot asked for the
        GUILD_MESSAGES (DIRECT_MESSAGES for DMs) intent, and without the
        MESSAGE_CONTENT intent content/embeds/attachments are blanked unless the
        bot is mentioned or it is a DM.  Returns the full message dict.
        """
        channel = channel or self.channel
        author_u = self._user(author if author is not None else self.member)
        guild = self._guild_of(channel)
        ref = self._message_dict(reply_to) if reply_to is not None else None
        msg = new_message(self.ids(), channel.id, author_u, content)
        msg["nonce"] = msg["id"]
        self._derive_mentions(msg, channel, author_u, ref)
        msg["attachments"] = [self._new_attachment(channel.id, RecordedFile("", filename, "", data), {})
                              for filename, data in attachments or []]
        if ref is not None:
            add_reference(msg, ref, None)  # the event (not the stored message) carries guild_id
        self._store_message(msg)
        await self._deliver_user_message(msg, guild, author_u)
        return msg

    async def edit_message(self, message: MessageLike, content: str) -> dict[str, Any]:
        """The author edits their message: stored with ``edited_timestamp``, mentions derived
        again, and MESSAGE_UPDATE under the same intent rules as MESSAGE_CREATE."""
        msg = dict(self._message_dict(message), content=content, edited_timestamp=iso())
        channel = self.get_channel(int(msg["channel_id"]))
        author = self._user(int(msg["author"]["id"]))
        self._derive_mentions(msg, channel, author, msg.get("referenced_message"))
        self._store_message(msg)
        await self._deliver_user_message(msg, self._guild_of(channel), author, event="MESSAGE_UPDATE")
        return msg

    async def pin_message(self, message: MessageLike) -> dict[str, Any]:
        """A member pins a message: MESSAGE_UPDATE with ``pinned``, its ``edited_timestamp`` unchanged."""
        msg = dict(self._message_dict(message), pinned=True)
        self._store_message(msg)
        channel = self.get_channel(int(msg["channel_id"]))
        await self._deliver_user_message(msg, self._guild_of(channel), self._user(int(msg["author"]["id"])), event="MESSAGE_UPDATE")
        return msg

    async def delete_message(self, message: MessageLike) -> None:
        """The author deletes their message: gone from the store (a reply to it now fails
        with ``fail_if_not_exists``), and MESSAGE_DELETE under the intent rules."""
        msg = self._message_dict(message)
        del self.message_store[int(msg["id"])]
        channel = self.get_channel(int(msg["channel_id"]))
        data = {"id": msg["id"], "channel_id": msg["channel_id"]}
        if channel.guild_id:
            data["guild_id"] = str(channel.guild_id)
        await self._dispatch_if_session("MESSAGE_DELETE", data, Intents.GUILD_MESSAGES if channel.guild_id else Intents.DIRECT_MESSAGES)

    async def bulk_delete_messages(self, messages: list[MessageLike]) -> None:
        """A moderator deletes several messages of one channel at once (a purge): MESSAGE_DELETE_BULK."""
        stored = [self._message_dict(m) for m in messages]
        channel = self.get_channel(int(stored[0]["channel_id"]))
        for msg in stored:
            del self.message_store[int(msg["id"])]
        data = {"ids": [msg["id"] for msg in stored], "channel_id": str(channel.id), "guild_id": str(channel.guild_id)}
        await self._dispatch_if_session("MESSAGE_DELETE_BULK", data, Intents.GUILD_MESSAGES)

    def _derive_mentions(self, msg: dict[str, Any], channel: FakeChannel, author: FakeUser, ref: Optional[dict[str, Any]]) -> None:
        """``mentions``, ``mention_roles`` and ``mention_everyone`` from the content, as Discord does."""
        content, guild = msg["content"], self._guild_of(channel)
        msg["mentions"] = self._user_mentions(content, guild, ref)
        msg["mention_roles"] = [rid for rid in dict.fromkeys(re.findall(r"<@&(\d+)>", content)) if guild and int(rid) in guild.roles]
        msg["mention_everyone"] = bool(re.search(r"@(everyone|here)\b", content)) and (
            guild is None or bool(self.permissions(author, channel, guild) & Perm.MENTION_EVERYONE)
        )

    def _user_mentions(self, content: str, guild: Optional[FakeGuild], ref: Optional[dict[str, Any]]) -> list[dict[str, Any]]:
        """Users mentioned by ``<@id>`` in the content, then the author of a replied-to message."""
        mentions = []
        for uid in dict.fromkeys(re.findall(r"<@!?(\d+)>", content)):
            u = self.users.get(int(uid))
            if u is None:
                continue
            d = u.to_dict()
            if guild is not None and u.id in guild.members:
                d["member"] = guild.members[u.id].to_dict(with_user=False)
            mentions.append(d)
        if ref is not None and not any(m["id"] == ref["author"]["id"] for m in mentions):
            mentions.append(ref["author"])
        return mentions

    async def _deliver_user_message(
        self, msg: dict[str, Any], guild: Optional[FakeGuild], author: FakeUser, event: str = "MESSAGE_CREATE"
    ) -> None:
        """``event`` (MESSAGE_CREATE or UPDATE), if the bot's intents ask for it (blanked without MESSAGE_CONTENT)."""
        data = dict(msg)
        need = Intents.DIRECT_MESSAGES
        if guild is not None:
            data["guild_id"] = str(guild.id)
            data["member"] = self._member_of(guild, author).to_dict(with_user=False)
            need = Intents.GUILD_MESSAGES
            if guild.id and "message_reference" in msg:
                data["message_reference"] = {**msg["message_reference"], "guild_id": str(guild.id)}
        s = self.session
        if s is None:
            raise RuntimeError("no gateway session: the client has not IDENTIFY'd yet")
        if not s.intents & need:
            return  # the bot did not ask for these events
        bot_mentioned = any(int(m["id"]) == self.bot_user.id for m in msg["mentions"])
        if not s.intents & Intents.MESSAGE_CONTENT and guild is not None and not bot_mentioned and author.id != self.bot_user.id:
            data.update({"content": "", "embeds": [], "attachments": [], "components": []})
        await self.dispatch(event, data)
