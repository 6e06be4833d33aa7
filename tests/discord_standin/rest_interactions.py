"""REST routes for answering interactions: the callback, followups and webhook edits.

Discord's interaction rules hold here: one initial response within
``interaction_deadline`` (3 s) of the interaction's creation (not its delivery: a
RESUME replay gives no extra time) (404 / 10062 after it, 400 /
40060 for a second one), only the callback types valid for the interaction type,
no followup before the initial response (404 / 10015), and webhook calls only
while the token lives (15 min, 401 / 50027 after).  The first followup after a
defer replaces the "thinking" message and keeps the defer's visibility (its
``ephemeral`` flag is ignored), unless the "thinking" message was deleted first.
"""

from __future__ import annotations

import copy
from typing import Any, Optional

from .constants import (
    ALLOWED_CALLBACKS,
    CB_AUTOCOMPLETE,
    CB_DEFERRED_MESSAGE,
    CB_DEFERRED_UPDATE,
    CB_MESSAGE,
    CB_MODAL,
    CB_UPDATE,
    IT_COMMAND,
    IT_MODAL_SUBMIT,
)
from .command_limits import validate_choices
from .limits import ApiError, FormErrors, error, not_found, validate_modal
from .models import FakeChannel
from .recording import EPHEMERAL, LOADING, CallbackAttempt, FakeInteraction
from .routing import Ctx
from .state import StandinState


class InteractionRoutes(StandinState):
    """``/interactions/{id}/{token}/callback`` and ``/webhooks/{app}/{token}...``."""

    def _interaction_by_token(self, ctx: Ctx, application_id: str, token: str) -> FakeInteraction:
        inter = self._interactions_by_token.get(token)
        if inter is None or application_id != str(self.application_id):
            raise self._reject("unknown_webhook", not_found(10015, "Unknown Webhook"), ctx.rec)
        # Both clocks run from the interaction's creation: a late delivery (RESUME replay) gives no extra time.
        if self.now() - inter.created_at > self.interaction_token_ttl:
            raise self._reject("expired_interaction_token", error(401, 50027, "Invalid Webhook Token"), ctx.rec)
        return inter

    def _interaction_channel(self, inter: FakeInteraction) -> FakeChannel:
        ch = self.get_channel(inter.channel_id)
        assert ch is not None
        return ch

    def _callback_body(self, inter: FakeInteraction, cb_type: int, message: Optional[dict[str, Any]]) -> dict[str, Any]:
        body: dict[str, Any] = {
            "interaction": {
                "id": str(inter.id),
                "type": inter.type,
                "response_message_loading": inter.loading,
                "response_message_ephemeral": bool(message and message.get("flags", 0) & EPHEMERAL),
            }
        }
        if message is not None:
            body["interaction"]["response_message_id"] = message["id"]
            body["resource"] = {"type": cb_type, "message": message}
        elif cb_type in (CB_MODAL, CB_DEFERRED_UPDATE, CB_AUTOCOMPLETE):
            pass
        else:
            body["resource"] = {"type": cb_type}
        return body

    async def r_interaction_callback(self, ctx: Ctx, interaction_id: str, token: str) -> Any:
        inter = self.interactions.get(int(interaction_id)) if interaction_id.isdigit() else None
        if inter is None or inter.token != token:
            raise self._reject("unknown_interaction", not_found(10062, "Unknown interaction"), ctx.rec)
        payload = ctx.payload
        cb_type = int(payload.get("type", 0))
        data = payload.get("data")
        age = self.now() - inter.created_at
        attempt = CallbackAttempt(type=cb_type, data=copy.deepcopy(data), at=age, files=list(ctx.files))
        inter.callbacks.append(attempt)
        try:
            result = await self._interaction_callback(ctx, inter, cb_type, data or {}, age)
        except ApiError as e:
            attempt.status, attempt.error = e.status, e.body
            self._notify()
            raise
        attempt.status = 200
        inter.response = attempt
        self._notify()
        if ctx.rec.query.get("with_response") in ("1", "true", "True"):
            return result
        return 204, None

    async def _interaction_callback(self, ctx: Ctx, inter: FakeInteraction, cb_type: int, data: dict[str, Any], age: float) -> Any:
        self._check_callback_allowed(ctx, inter, cb_type, age)
        if cb_type == CB_MESSAGE:
            return await self._cb_message(ctx, inter, data)
        if cb_type == CB_DEFERRED_MESSAGE:
            return self._cb_deferred_message(inter, data)
        if cb_type in (CB_DEFERRED_UPDATE, CB_UPDATE):
            return await self._cb_update(ctx, inter, cb_type, data)
        if cb_type == CB_MODAL:
            err = validate_modal(data)
            if err:
                raise self._reject("invalid_form_body", err, ctx.rec)
            inter.modal = copy.deepcopy(data)
        elif cb_type == CB_AUTOCOMPLETE:
            choices = data.get("choices") or []
            err = validate_choices(choices, self._focused_option(inter))
            if err:
                raise self._reject("invalid_form_body", err, ctx.rec)
            inter.autocomplete_choices = copy.deepcopy(choices)
        # modal and autocomplete are recorded on the interaction; premium and launch activity are just accepted
        return self._callback_body(inter, cb_type, None)

    def _focused_option(self, inter: FakeInteraction) -> Optional[dict[str, Any]]:
        """The registered definition of the option an autocomplete interaction is for."""
        data = inter.payload.get("data") or {}
        cmd = next((c for scope in self.commands.values() for c in scope.values() if c["id"] == data.get("id")), None)
        defs, given = (cmd or {}).get("options") or [], data.get("options") or []
        while given:
            focused = next((o for o in given if o.get("focused")), None)
            if focused is not None:
                return next((d for d in defs if d["name"] == focused["name"]), None)
            sub = given[0]  # a subcommand (group): descend
            defs = next((d.get("options") or [] for d in defs if d["name"] == sub["name"]), [])
            given = sub.get("options") or []
        return None

    def _check_callback_allowed(self, ctx: Ctx, inter: FakeInteraction, cb_type: int, age: float) -> None:
        """The deadline, a single initial response, and a callback type valid for the interaction."""
        if age > self.interaction_deadline:
            raise self._reject(
                "late_interaction_response", not_found(10062, "Unknown interaction"), ctx.rec,
                f"initial response {age:.2f}s after the interaction was sent (limit {self.interaction_deadline:g}s)",
            )
        if inter.acknowledged:
            raise self._reject(
                "already_acknowledged", error(400, 40060, "Interaction has already been acknowledged."), ctx.rec,
                f"second initial response (type {cb_type}) to interaction {inter.id}",
            )
        if cb_type not in ALLOWED_CALLBACKS.get(inter.type, set()) or (
            cb_type == CB_UPDATE and inter.type == IT_MODAL_SUBMIT and "message" not in inter.payload
        ):
            errs = FormErrors()
            errs.add(("type",), "INTERACTION_CALLBACK_TYPE_INVALID",
                     f"Interaction callback type {cb_type} is not valid for interaction type {inter.type}")
            raise self._reject("invalid_form_body", errs.to_error(), ctx.rec)

    async def _cb_message(self, ctx: Ctx, inter: FakeInteraction, data: dict[str, Any]) -> Any:
        self._validate(ctx, data)
        msg = self._build_message(channel=self._interaction_channel(inter), payload=data, files=ctx.files, author=self.bot_user,
                                  interaction=inter, msg_type=20 if inter.type == IT_COMMAND else 0)
        self._store_message(msg)
        inter.original_message_id = int(msg["id"])
        self._record("interaction_response", ctx, msg, data, inter)
        await self._echo("MESSAGE_CREATE", msg)
        return self._callback_body(inter, CB_MESSAGE, msg)

    def _cb_deferred_message(self, inter: FakeInteraction, data: dict[str, Any]) -> Any:
        flags = (int(data.get("flags") or 0) & EPHEMERAL) | LOADING
        msg = self._build_message(channel=self._interaction_channel(inter), payload={"flags": flags}, files=[], author=self.bot_user,
                                  interaction=inter, msg_type=20 if inter.type == IT_COMMAND else 0)
        self._store_message(msg)
        inter.original_message_id = int(msg["id"])
        inter.loading = True
        return self._callback_body(inter, CB_DEFERRED_MESSAGE, msg)

    async def _cb_update(self, ctx: Ctx, inter: FakeInteraction, cb_type: int, data: dict[str, Any]) -> Any:
        target = inter.payload.get("message")
        target_id = int(target["id"]) if target else None
        inter.original_message_id = target_id
        if cb_type == CB_DEFERRED_UPDATE:
            return self._callback_body(inter, cb_type, None)
        self._validate(ctx, data, require_content=False)
        old = self.message_store.get(target_id) if target_id else None
        if old is None:
            raise self._reject("unknown_message", not_found(10008, "Unknown Message"), ctx.rec)
        new = self._apply_edit(old, data, ctx.files)
        self._store_message(new)
        self._record("interaction_update", ctx, new, data, inter)
        await self._echo("MESSAGE_UPDATE", new)
        return self._callback_body(inter, cb_type, new)

    def _webhook_message(self, ctx: Ctx, inter: FakeInteraction, message_id: str) -> dict[str, Any]:
        if message_id == "@original":
            mid = inter.original_message_id
        else:
            mid = int(message_id) if message_id.isdigit() else None
            if mid not in inter.followup_ids and mid != inter.original_message_id:
                mid = None
        msg = self.message_store.get(mid) if mid else None
        if msg is None:
            raise self._reject("unknown_message", not_found(10008, "Unknown Message"), ctx.rec)
        return msg

    async def r_followup(self, ctx: Ctx, application_id: str, token: str) -> Any:
        inter = self._interaction_by_token(ctx, application_id, token)
        if not inter.acknowledged:
            raise self._reject(
                "followup_before_ack", not_found(10015, "Unknown Webhook"), ctx.rec,
                f"followup for interaction {inter.id} before any initial response",
            )
        payload = ctx.payload
        self._validate(ctx, payload)
        ch = self._interaction_channel(inter)
        if inter.loading and inter.original_message_id is not None:
            # The first followup after a deferred (type 5) response replaces the
            # "thinking..." message; it keeps the defer's ephemerality.
            old = self.message_store[inter.original_message_id]
            flags = (int(payload.get("flags") or 0) & ~EPHEMERAL) | (old["flags"] & EPHEMERAL)
            msg = self._build_message(channel=ch, payload={**payload, "flags": flags}, files=ctx.files, author=self.bot_user,
                                      interaction=inter, message_id=inter.original_message_id, msg_type=old["type"])
            msg["timestamp"] = old["timestamp"]
            inter.loading = False
        else:
            msg = self._build_message(channel=ch, payload=payload, files=ctx.files, author=self.bot_user, interaction=inter)
            inter.followup_ids.append(int(msg["id"]))
        self._store_message(msg)
        self._record("followup", ctx, msg, payload, inter)
        await self._echo("MESSAGE_CREATE", msg)
        if ctx.rec.query.get("wait") in ("1", "true", "True"):
            return msg
        return 204, None

    async def r_webhook_get_message(self, ctx: Ctx, application_id: str, token: str, message_id: str) -> Any:
        inter = self._interaction_by_token(ctx, application_id, token)
        return self._webhook_message(ctx, inter, message_id)

    async def r_webhook_edit_message(self, ctx: Ctx, application_id: str, token: str, message_id: str) -> Any:
        inter = self._interaction_by_token(ctx, application_id, token)
        msg = self._webhook_message(ctx, inter, message_id)
        self._validate(ctx, ctx.payload, require_content=False)
        new = self._apply_edit(msg, ctx.payload, ctx.files)
        if self._is_empty(new):
            raise self._reject("empty_message", error(400, 50006, "Cannot send an empty message"), ctx.rec)
        if int(new["id"]) == inter.original_message_id:
            inter.loading = False
        self._store_message(new)
        self._record("interaction_edit", ctx, new, ctx.payload, inter)
        await self._echo("MESSAGE_UPDATE", new)
        return new

    async def r_webhook_delete_message(self, ctx: Ctx, application_id: str, token: str, message_id: str) -> Any:
        inter = self._interaction_by_token(ctx, application_id, token)
        msg = self._webhook_message(ctx, inter, message_id)
        del self.message_store[int(msg["id"])]
        if int(msg["id"]) == inter.original_message_id and inter.loading:
            # Deleting the "thinking..." message ends the defer: the next followup is a
            # new message with the visibility it asks for.
            inter.loading = False
            inter.original_message_id = None
        self.deleted_messages.append(msg)
        return 204, None
