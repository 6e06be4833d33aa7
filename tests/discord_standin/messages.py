"""Building, storing and recording messages, shared by every route that posts one.

Channel messages, interaction responses, followups and edits all go through
``_validate`` (Discord's limits, 50035 / 50006 / 413) before anything is stored,
so a rejected message never appears in ``fake.messages`` or a channel's history.
Each accepted message is recorded once as a ``SentMessage`` and, unless it is
ephemeral, echoed to the bot as MESSAGE_CREATE / MESSAGE_UPDATE.
"""

from __future__ import annotations

import copy
import mimetypes
from typing import Any, Optional

from .constants import IT_COMMAND
from .gateway import Intents
from .limits import error, not_found, validate_message
from .models import FakeChannel, FakeUser, iso
from .recording import EPHEMERAL, LOADING, FakeInteraction, RecordedFile, SentMessage, compute_pings
from .routing import Ctx
from .state import MessageLike, StandinState


def new_message(mid: int, channel_id: int, author: FakeUser, content: str) -> dict[str, Any]:
    """A plain message object as Discord returns it; callers fill in the rest."""
    return {
        "id": str(mid),
        "channel_id": str(channel_id),
        "author": author.to_dict(),
        "content": content,
        "timestamp": iso(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "pinned": False,
        "type": 0,
        "flags": 0,
        "components": [],
    }


def add_reference(msg: dict[str, Any], ref: dict[str, Any], guild_id: Optional[int]) -> None:
    """Make ``msg`` a reply (type 19) to the stored message ``ref``."""
    msg["type"] = 19
    msg["message_reference"] = {"type": 0, "message_id": ref["id"], "channel_id": ref["channel_id"]}
    if guild_id:
        msg["message_reference"]["guild_id"] = str(guild_id)
    msg["referenced_message"] = ref


class MessageStore(StandinState):
    """Message objects as Discord would return them, and the records of them."""

    def _check_files(self, ctx: Ctx) -> None:
        if sum(f.size for f in ctx.files) > self.attachment_size_limit:
            raise self._reject("file_too_large", error(413, 40005, "Request entity too large"), ctx.rec)

    def _validate(self, ctx: Ctx, payload: dict[str, Any], *, require_content: bool = True) -> None:
        err = validate_message(payload, n_files=len(ctx.files), require_content=require_content)
        if err:
            raise self._reject("empty_message" if err.code == 50006 else "invalid_form_body", err, ctx.rec)
        self._check_files(ctx)

    def _make_attachments(self, channel_id: int, payload: dict[str, Any], files: list[RecordedFile], existing: list[dict[str, Any]]) -> list[dict[str, Any]]:
        by_field = {f.field_name: f for f in files}
        out: list[dict[str, Any]] = []
        listed = payload.get("attachments")
        entries = listed if listed is not None else [{"id": i} for i in range(len(files))] + [{"id": a["id"]} for a in existing]
        used: set[str] = set()
        for entry in entries:
            aid = entry.get("id")
            f = by_field.get(f"files[{aid}]")
            if f is not None and f"files[{aid}]" not in used:
                used.add(f"files[{aid}]")
                out.append(self._new_attachment(channel_id, f, entry))
                continue
            old = next((a for a in existing if str(a["id"]) == str(aid)), None)
            if old is not None:
                out.append(old)
        for name, f in by_field.items():  # files not listed in "attachments"
            if name not in used and listed is not None and not any(str(e.get("id")) == name[6:-1] for e in listed):
                out.append(self._new_attachment(channel_id, f, {}))
        return out

    def _new_attachment(self, channel_id: int, f: RecordedFile, entry: dict[str, Any]) -> dict[str, Any]:
        aid = self.ids()
        filename = entry.get("filename") or f.filename or "unknown"
        self.attachment_data[aid] = f.data
        ctype = mimetypes.guess_type(filename)[0]
        if ctype and ctype.startswith("text/"):
            ctype += "; charset=utf-8"
        a: dict[str, Any] = {
            "id": str(aid),
            "filename": filename,
            "size": f.size,
            "url": f"{self.CDN_URL}/attachments/{channel_id}/{aid}/{filename}",
            "proxy_url": f"{self.MEDIA_URL}/attachments/{channel_id}/{aid}/{filename}",
            "content_type": ctype or "application/octet-stream",
        }
        if entry.get("description"):
            a["description"] = entry["description"]
        return a

    def _mentions_for(self, pings: list[str]) -> tuple[list[dict[str, Any]], list[str], bool]:
        users, roles = [], []
        for p in pings:
            kind, _, ident = p.partition(":")
            if kind in ("user", "replied_user") and ident.isdigit() and int(ident) in self.users:
                d = self.users[int(ident)].to_dict()
                if d not in users:
                    users.append(d)
            elif kind == "role":
                roles.append(ident)
        return users, roles, "@everyone" in pings

    def _build_message(
        self,
        *,
        channel: FakeChannel,
        payload: dict[str, Any],
        files: list[RecordedFile],
        author: FakeUser,
        ref: Optional[dict[str, Any]] = None,
        interaction: Optional[FakeInteraction] = None,
        message_id: Optional[int] = None,
        msg_type: int = 0,
    ) -> dict[str, Any]:
        content = payload.get("content") or ""
        replied = int(ref["author"]["id"]) if ref else None
        pings = compute_pings(content, payload.get("allowed_mentions"), replied_user_id=replied)
        mentions, mention_roles, everyone = self._mentions_for(pings)
        embeds = [{**copy.deepcopy(e), "type": e.get("type", "rich"), "content_scan_version": e.get("content_scan_version", 0)}
                  for e in payload.get("embeds") or []]
        msg = new_message(message_id or self.ids(), channel.id, author, content)
        msg.update({
            "tts": bool(payload.get("tts")),
            "mention_everyone": everyone,
            "mentions": mentions,
            "mention_roles": mention_roles,
            "attachments": self._make_attachments(channel.id, payload, files, []),
            "embeds": embeds,
            "type": msg_type,
            "flags": int(payload.get("flags") or 0),
            "components": copy.deepcopy(payload.get("components") or []),
        })
        if payload.get("nonce") is not None:
            msg["nonce"] = payload["nonce"]
        if ref is not None:
            add_reference(msg, ref, channel.guild_id)
        if interaction is not None:
            self._add_interaction_metadata(msg, interaction)
        return msg

    def _add_interaction_metadata(self, msg: dict[str, Any], interaction: FakeInteraction) -> None:
        user = interaction.payload.get("member", {}).get("user") or interaction.payload.get("user")
        msg["webhook_id"] = str(self.application_id)
        msg["application_id"] = str(self.application_id)
        meta: dict[str, Any] = {
            "id": str(interaction.id),
            "type": interaction.type,
            "user": user,
            "authorizing_integration_owners": interaction.payload.get("authorizing_integration_owners", {}),
        }
        if interaction.type == IT_COMMAND:
            meta["name"] = interaction.payload["data"]["name"]
            meta["command_type"] = interaction.payload["data"].get("type", 1)
        msg["interaction_metadata"] = meta
        if interaction.type == IT_COMMAND:
            msg["interaction"] = {"id": str(interaction.id), "type": interaction.type, "name": meta["name"], "user": user}

    def _store_message(self, msg: dict[str, Any]) -> None:
        mid = int(msg["id"])
        self.message_store[mid] = msg
        if msg.get("flags", 0) & EPHEMERAL:
            self._ephemeral_ids.add(mid)
        ch = self.get_channel(int(msg["channel_id"]))
        if ch is not None:
            ch.last_message_id = mid

    def _record(self, kind: str, ctx: Ctx, msg: dict[str, Any], payload: dict[str, Any], interaction: Optional[FakeInteraction] = None) -> SentMessage:
        sm = SentMessage(
            kind=kind,
            channel_id=int(msg["channel_id"]),
            message_id=int(msg["id"]),
            payload=copy.deepcopy(payload),
            message=copy.deepcopy(msg),
            files=list(ctx.files),
            interaction_id=interaction.id if interaction else None,
            request=ctx.rec,
        )
        self.messages.append(sm)
        self._notify()
        return sm

    def _apply_edit(self, msg: dict[str, Any], payload: dict[str, Any], files: list[RecordedFile]) -> dict[str, Any]:
        new = copy.deepcopy(msg)
        for key in ("content", "components"):
            if key in payload:
                new[key] = copy.deepcopy(payload[key]) if payload[key] is not None else ([] if key == "components" else "")
        if "embeds" in payload:
            new["embeds"] = [{"type": "rich", "content_scan_version": 0, **e} for e in payload["embeds"] or []]
        if "flags" in payload and payload["flags"] is not None:
            keep = new.get("flags", 0) & (EPHEMERAL)
            new["flags"] = (int(payload["flags"]) & ~LOADING) | keep
        new["flags"] = new.get("flags", 0) & ~LOADING
        if "attachments" in payload or files:
            new["attachments"] = self._make_attachments(int(msg["channel_id"]), payload, files, msg.get("attachments") or [])
        if "content" in payload or "allowed_mentions" in payload:
            ref = msg.get("referenced_message")
            pings = compute_pings(new.get("content"), payload.get("allowed_mentions"),
                                  replied_user_id=int(ref["author"]["id"]) if ref else None)
            new["mentions"], new["mention_roles"], new["mention_everyone"] = self._mentions_for(pings)
        new["edited_timestamp"] = iso()
        return new

    def _is_empty(self, msg: dict[str, Any]) -> bool:
        return not (msg.get("content") or msg.get("embeds") or msg.get("components") or msg.get("attachments") or msg.get("poll"))

    async def _echo(self, event: str, msg: dict[str, Any]) -> None:
        if not self.echo_own_messages or msg.get("flags", 0) & EPHEMERAL:
            return
        ch = self.get_channel(int(msg["channel_id"]))
        data = dict(msg)
        need = Intents.DIRECT_MESSAGES
        if ch is not None and ch.guild_id:
            data["guild_id"] = str(ch.guild_id)
            g = self.guilds[ch.guild_id]
            data["member"] = g.members[self.bot_user.id].to_dict(with_user=False)
            need = Intents.GUILD_MESSAGES
        await self._dispatch_if_session(event, data, need)

    def _stored(self, channel: FakeChannel, message_id: str) -> dict[str, Any]:
        msg = self.message_store.get(int(message_id)) if message_id.isdigit() else None
        if msg is None or int(msg["channel_id"]) != channel.id or int(message_id) in self._ephemeral_ids:
            raise not_found(10008, "Unknown Message")
        return msg

    def _message_dict(self, message: MessageLike) -> dict[str, Any]:
        if isinstance(message, SentMessage):
            mid = message.message_id
        elif isinstance(message, dict):
            mid = int(message["id"])
        else:
            mid = int(message)
        msg = self.message_store.get(mid)
        if msg is None:
            raise ValueError(f"unknown message {mid}")
        return msg
