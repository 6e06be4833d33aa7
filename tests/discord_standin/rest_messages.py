"""REST routes for channel messages, reactions and typing.

Posting checks the bot's channel permissions first (403 / 50001 without
VIEW_CHANNEL, 403 / 50013 without SEND_MESSAGES (SEND_MESSAGES_IN_THREADS in a
thread), ATTACH_FILES for files, EMBED_LINKS for embeds, READ_MESSAGE_HISTORY
for a reply), then the payload.  Ephemeral messages cannot be fetched through channel routes.
"""

from __future__ import annotations

from typing import Any

from .gateway import Intents
from .limits import ApiError, FormErrors, error
from .models import ChannelType, Perm
from .routing import Ctx
from .state import StandinState


class ChannelMessageRoutes(StandinState):
    """``/channels/{id}/messages...`` and ``/channels/{id}/typing``."""

    async def r_create_message(self, ctx: Ctx, channel_id: str) -> Any:
        ch = self._channel(channel_id)
        if ch.type == ChannelType.DM:
            self._refuse_closed_dm(ch)  # world_events.close_dms: 50007
        perms = self._bot_perms(ch)
        if not perms & Perm.VIEW_CHANNEL:
            raise self._reject("missing_access", error(403, 50001, "Missing Access"), ctx.rec)
        if ch.type == ChannelType.GUILD_FORUM:  # a forum takes posts (threads), not messages
            raise self._reject("not_text", error(400, 50008, "Cannot send messages in a non-text channel"), ctx.rec)
        if ch.is_thread:
            self._require(ctx, perms, Perm.SEND_MESSAGES_IN_THREADS, "SEND_MESSAGES_IN_THREADS")
        else:
            self._require(ctx, perms, Perm.SEND_MESSAGES, "SEND_MESSAGES")
        if (ctx.payload.get("message_reference") or {}).get("message_id"):
            # A reply (or a forward) reads the message it refers to.
            self._require(ctx, perms, Perm.READ_MESSAGE_HISTORY, "READ_MESSAGE_HISTORY (needed to reply)")
        if ctx.files:
            self._require(ctx, perms, Perm.ATTACH_FILES, "ATTACH_FILES")
        if ctx.payload.get("embeds"):
            self._require(ctx, perms, Perm.EMBED_LINKS, "EMBED_LINKS (needed to send embeds)")
        payload = ctx.payload
        self._validate(ctx, payload)
        ref = None
        mref = payload.get("message_reference")
        if mref and mref.get("message_id"):
            target_ch = self.get_channel(int(mref.get("channel_id") or ch.id)) or ch
            try:
                ref = self._stored(target_ch, str(mref["message_id"]))
            except ApiError:
                if mref.get("fail_if_not_exists", True):
                    errs = FormErrors()
                    errs.add(("message_reference",), "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")
                    raise self._reject("invalid_form_body", errs.to_error(), ctx.rec)
        msg = self._build_message(channel=ch, payload=payload, files=ctx.files, author=self.bot_user, ref=ref)
        if ref is not None:
            msg["message_reference"]["channel_id"] = ref["channel_id"]
        self._store_message(msg)
        self._record("channel", ctx, msg, payload)
        await self._echo("MESSAGE_CREATE", msg)
        return msg

    async def r_get_messages(self, ctx: Ctx, channel_id: str) -> Any:
        ch = self._channel(channel_id)
        self._require(ctx, self._bot_perms(ch), Perm.VIEW_CHANNEL | Perm.READ_MESSAGE_HISTORY, "READ_MESSAGE_HISTORY")
        q = ctx.rec.query
        limit = min(int(q.get("limit", 50)), 100)
        msgs = [m for m in self.channel_history(ch) if int(m["id"]) not in self._ephemeral_ids]
        if "before" in q:
            msgs = [m for m in msgs if int(m["id"]) < int(q["before"])]
        if "after" in q:
            msgs = [m for m in msgs if int(m["id"]) > int(q["after"])]
            return sorted(msgs, key=lambda m: int(m["id"]))[:limit][::-1]
        return sorted(msgs, key=lambda m: int(m["id"]), reverse=True)[:limit]

    async def r_get_message(self, ctx: Ctx, channel_id: str, message_id: str) -> Any:
        return self._stored(self._channel(channel_id), message_id)

    async def r_edit_message(self, ctx: Ctx, channel_id: str, message_id: str) -> Any:
        ch = self._channel(channel_id)
        msg = self._stored(ch, message_id)
        if int(msg["author"]["id"]) != self.bot_user.id and set(ctx.payload) - {"flags"}:
            raise self._reject("not_author", error(403, 50005, "Cannot edit a message authored by another user"), ctx.rec)
        if ctx.payload.get("embeds"):
            self._require(ctx, self._bot_perms(ch), Perm.EMBED_LINKS, "EMBED_LINKS (needed to send embeds)")
        self._validate(ctx, ctx.payload, require_content=False)
        new = self._apply_edit(msg, ctx.payload, ctx.files)
        if self._is_empty(new):
            raise self._reject("empty_message", error(400, 50006, "Cannot send an empty message"), ctx.rec)
        self._store_message(new)
        self._record("edit", ctx, new, ctx.payload)
        await self._echo("MESSAGE_UPDATE", new)
        return new

    async def r_delete_message(self, ctx: Ctx, channel_id: str, message_id: str) -> Any:
        ch = self._channel(channel_id)
        msg = self._stored(ch, message_id)
        if int(msg["author"]["id"]) != self.bot_user.id:
            self._require(ctx, self._bot_perms(ch), Perm.MANAGE_MESSAGES, "MANAGE_MESSAGES")
        del self.message_store[int(message_id)]
        data = {"id": message_id, "channel_id": channel_id}
        if ch.guild_id:
            data["guild_id"] = str(ch.guild_id)
        await self._dispatch_if_session("MESSAGE_DELETE", data, Intents.GUILD_MESSAGES if ch.guild_id else Intents.DIRECT_MESSAGES)
        return 204, None

    async def r_add_reaction(self, ctx: Ctx, channel_id: str, message_id: str, emoji: str) -> Any:
        ch = self._channel(channel_id)
        msg = self._stored(ch, message_id)
        self._require(ctx, self._bot_perms(ch), Perm.ADD_REACTIONS | Perm.READ_MESSAGE_HISTORY, "ADD_REACTIONS")
        self.reactions.append((ch.id, int(message_id), emoji))
        name, _, eid = emoji.partition(":")
        reactions = msg.setdefault("reactions", [])
        r = next((r for r in reactions if r["emoji"]["name"] == name), None)
        if r is None:
            reactions.append({"count": 1, "me": True, "emoji": {"id": eid or None, "name": name},
                              "count_details": {"burst": 0, "normal": 1}, "burst_colors": [], "me_burst": False, "burst_me": False, "burst_count": 0})
        elif not r["me"]:
            r["me"], r["count"] = True, r["count"] + 1
        self._notify()
        return 204, None

    async def r_remove_reaction(self, ctx: Ctx, channel_id: str, message_id: str, emoji: str) -> Any:
        msg = self._stored(self._channel(channel_id), message_id)
        name = emoji.partition(":")[0]
        msg["reactions"] = [r for r in msg.get("reactions", []) if not (r["emoji"]["name"] == name and r["me"])]
        return 204, None

    async def r_typing(self, ctx: Ctx, channel_id: str) -> Any:
        self._channel(channel_id)
        return 204, None
